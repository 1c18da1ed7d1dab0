/**
 * A run's settings as stored with the run in Redis, so a process that joins it (`delm worker`) or
 * picks it up (`delm resume`) runs the same protocol, models, budgets and task. Never API keys: each
 * machine reads its own environment, and anything in a custom model's options that looks like a
 * secret is left out.
 */
import { z } from 'zod';
import { DelmError } from '../errors.js';
import type { RunTask } from '../types.js';
import { resolveSwarmOptions, type ResolvedSwarmOptions } from './options.js';

/** The option fields a run shares with every process that joins it. */
const SHARED_FIELDS = [
  'model',
  'prices',
  'judgeModel',
  'protocol',
  'budgets',
  'rateLimits',
  'tools',
  'leaseMs',
  'leaseExtendMs',
  'maxRounds',
  'retry',
  'maxAttempts',
  'ledger',
  'queue',
  'stopGraceMs',
  'heartbeatTimeoutMs',
] as const;

const SECRET = /key|secret|token|password|credential|authorization/i;

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !SECRET.test(k))
      .map(([k, v]) => [k, withoutSecrets(v)]),
  );
}

/** What is stored with a run. */
export interface StoredRunConfig {
  version: 1;
  /**
   * The task, without its sources' texts: the planner wrote those into the run's ledger, where every
   * process reads them (stored twice, a document would travel to Redis twice). Their labels stay.
   */
  task: RunTask;
  /** The coordinator's agent count (informational: a joining process brings its own). */
  agents: number;
  options: Record<string, unknown>;
  /** The coordinator's run span as a W3C `traceparent`, when traced: joining processes' spans are its children. */
  traceparent?: string | undefined;
}

const StoredRunConfigSchema = z.object({
  version: z.literal(1),
  task: z.object({ prompt: z.string() }).passthrough(),
  agents: z.number().int(),
  options: z.record(z.string(), z.unknown()),
  traceparent: z.string().max(100).optional(),
});

/** The stored form of a run's settings (JSON). */
export function storeRunConfig(options: ResolvedSwarmOptions, task: RunTask, traceparent?: string): string {
  const shared: Record<string, unknown> = {};
  for (const field of SHARED_FIELDS) if (options[field] !== undefined) shared[field] = options[field];
  for (const field of ['model', 'judgeModel'] as const) {
    const ref = shared[field];
    if (typeof ref === 'object' && ref !== null && 'options' in ref)
      shared[field] = { ...ref, options: withoutSecrets(ref.options) };
  }
  const config: StoredRunConfig = {
    version: 1,
    task: task.sources ? { ...task, sources: task.sources.map((s) => ({ ...s, text: '' })) } : task,
    agents: options.agents,
    options: shared,
    ...(traceparent ? { traceparent } : {}),
  };
  return JSON.stringify(config);
}

/**
 * Reads a stored run's settings and merges this process's own (agent count, telemetry, substrate)
 * over them; throws INVALID_CONFIG when the stored text is not delm's.
 */
export function loadRunConfig(
  json: string,
  local: Partial<Record<string, unknown>>,
): { task: RunTask; options: ResolvedSwarmOptions; agents: number; traceparent: string | undefined } {
  let parsed: StoredRunConfig;
  try {
    parsed = StoredRunConfigSchema.parse(JSON.parse(json));
  } catch (error) {
    throw new DelmError('INVALID_CONFIG', `the run's stored settings are not readable: ${String(error)}`, {
      cause: error,
    });
  }
  return {
    task: parsed.task,
    agents: parsed.agents,
    traceparent: parsed.traceparent,
    options: resolveSwarmOptions({ ...parsed.options, agents: parsed.agents, ...local }),
  };
}
