/**
 * zod schemas of {@link SwarmEvent}s, for events read from outside (a recorded trajectory to
 * replay). Unknown fields are dropped; an event of an unknown type is reported, not shown.
 */
import { z } from 'zod';
import type { SwarmEvent } from '../runtime/events.js';

const id = z.number().int();
const at = z.number().finite().nonnegative();
const text = z.string().max(100_000);

const entryBrief = z.object({
  entryId: id,
  kind: z.string().max(64),
  level: z.number().int().min(0).max(2),
  parentId: id,
  taskId: id,
  authorId: id,
  text,
  chars: z.number().int().nonnegative(),
  labels: z.array(z.string().max(200)).max(100),
  tokenCount: z.number().int().nonnegative(),
});
/** A decision's timing (`DecisionTiming` in runtime/events.ts): ms, taken on the clock all threads share. */
const decisionTiming = { waitedMs: z.number().finite().optional(), latencyMs: z.number().finite().optional() };
const stats = z.object({ total: id, pending: id, claimed: id, done: id, failed: id, open: id });
const taskBrief = z.object({
  id,
  state: z.enum(['pending', 'claimed', 'done', 'failed']),
  attempts: z.number().int().nonnegative(),
  parentId: id,
  payload: text.optional(),
});

/** Schema of one event as recorded (one JSON object per line of a trajectory). */
export const SwarmEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.started'),
    at,
    runId: z.string().max(200),
    agents: id,
    tasks: id,
    threads: id.optional(),
  }),
  z.object({ type: z.literal('agent.state'), at, agentId: id, state: z.string().max(500) }),
  z.object({ type: z.literal('agent.started'), at, agentId: id, replaces: id.optional() }),
  z.object({ type: z.literal('agent.stopped'), at, agentId: id, status: z.string().max(100), reason: text.optional() }),
  z.object({ type: z.literal('agent.crashed'), at, agentId: id, error: text, heldTaskId: id.optional() }),
  z.object({
    type: z.literal('process.left'),
    at,
    member: z.string().max(500),
    host: z.string().max(300),
    pid: id,
    agents: z.array(id).max(100_000),
    taskIds: z.array(id).max(100_000),
  }),
  z.object({
    type: z.literal('task.claimed'),
    at,
    agentId: id,
    taskId: id,
    attempt: id,
    leaseMs: z.number().nonnegative().optional(),
  }),
  z.object({ type: z.literal('task.extended'), at, agentId: id, taskId: id, leaseMs: z.number().nonnegative() }),
  z.object({ type: z.literal('task.completed'), at, agentId: id, taskId: id }),
  z.object({
    type: z.literal('task.failed'),
    at,
    agentId: id,
    taskId: id,
    reason: text,
    code: z.string().max(100).optional(),
  }),
  z.object({ type: z.literal('task.enqueued'), at, agentId: id, taskIds: z.array(id).max(100_000), parentTaskId: id }),
  z.object({ type: z.literal('proposal'), at, agentId: id, taskId: id }),
  z.object({
    type: z.literal('commit'),
    at,
    entryId: id,
    kind: z.string().max(64),
    authorId: id,
    taskId: id,
    level: z.number().int().min(0).max(2).optional(),
    parentId: id.optional(),
    text: text.optional(),
    chars: z.number().int().nonnegative().optional(),
    labels: z.array(z.string().max(200)).max(100).optional(),
    ...decisionTiming,
  }),
  z.object({
    type: z.literal('reject'),
    at,
    authorId: id,
    taskId: id,
    verdict: z.enum(['reject', 'duplicate']),
    reason: text,
    entryId: id.optional(),
    ...decisionTiming,
  }),
  z.object({
    type: z.literal('usage'),
    at,
    agentId: id,
    role: z.string().max(100),
    model: z.string().max(200),
    taskId: id.optional(),
    inputTokens: z.number().nonnegative(),
    outputTokens: z.number().nonnegative(),
    cachedInputTokens: z.number().nonnegative(),
    costUsd: z.number().nonnegative(),
    latencyMs: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('budget.warning'),
    at,
    resource: z.string().max(100),
    used: z.number(),
    limit: z.number(),
  }),
  z.object({
    type: z.literal('final.decision'),
    at,
    agentId: id,
    round: id,
    decision: z.enum(['answer', 'enqueue']),
    tasks: id.optional(),
  }),
  z.object({
    type: z.literal('ledger.seeded'),
    at,
    entries: z.array(entryBrief).max(10_000),
    omitted: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('queue.snapshot'),
    at,
    stats,
    tasks: z.array(taskBrief).max(100_000),
    omitted: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('tool.called'),
    at,
    agentId: id,
    taskId: id.optional(),
    tool: z.string().max(200),
    callId: z.string().max(200),
    input: text,
  }),
  z.object({
    type: z.literal('tool.result'),
    at,
    agentId: id,
    taskId: id.optional(),
    tool: z.string().max(200),
    callId: z.string().max(200),
    label: z.string().max(200),
    hash: z.string().max(128),
    bytes: z.number().int().nonnegative(),
    truncated: z.boolean(),
    latencyMs: z.number().nonnegative(),
    costUsd: z.number().nonnegative(),
    error: z.object({ code: z.string().max(100), message: text }).optional(),
  }),
  z.object({ type: z.literal('run.finished'), at, stopReason: z.string().max(100) }),
]);

/** Parses one recorded event; `undefined` (with the problem) when it is not a valid event. */
export function parseSwarmEvent(
  value: unknown,
): { event: SwarmEvent; problem?: undefined } | { event?: undefined; problem: string } {
  const parsed = SwarmEventSchema.safeParse(value);
  if (parsed.success) return { event: parsed.data as SwarmEvent };
  const issue = parsed.error.issues[0];
  return { problem: issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'not an event' };
}
