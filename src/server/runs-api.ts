/**
 * The runs API: `POST /v1/runs` starts a run (202 with its id), `GET /v1/runs/:id` reports its status
 * and result, `GET /v1/runs/:id/events` streams its events as SSE (what already happened, then live,
 * ending with `run.finished`), `DELETE /v1/runs/:id` cancels it.
 */
import { z } from 'zod';
import type { RunTask } from '../protocols/kit/protocol.js';
import { startRun, type RequestContext } from './context.js';
import { HttpError } from './errors.js';
import { uniqueLabels } from '../runtime/run-task.js';
import { parseBody, readJsonBody, sendJson } from './http.js';
import type { RunRecord } from './registry.js';
import { openSse } from './sse.js';
import { resumeAfter, streamSharedEvents } from './shared-events.js';
import type { SharedRunView } from './shared-runs.js';
import { selectTools, ToolSelectionSchema } from './tool-selection.js';

/** A source document in a request body. */
export const SourceSchema = z
  .object({
    label: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\w.:-]+$/, 'labels are letters, digits, _ . : -'),
    title: z.string().max(1_000).optional(),
    text: z.string().min(1),
  })
  .strict();

/** Sources of one run: labels must be unique. */
export const SourcesSchema = z.array(SourceSchema).max(1_000).superRefine(uniqueLabels);

/** Sub-tasks supplied by the client. */
export const SubTasksSchema = z
  .array(
    z
      .object({ payload: z.string().min(1).max(100_000), priority: z.number().int().min(-1_000).max(1_000).optional() })
      .strict(),
  )
  .min(1)
  .max(10_000);

/** The body of `POST /v1/runs`: a {@link RunTask}, and optionally the tools it may use. */
export const RunRequestSchema = z
  .object({
    prompt: z.string().min(1),
    sources: SourcesSchema.optional(),
    subTasks: SubTasksSchema.optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    /** Tools of this run, by name: built-ins, or MCP servers of the server's configuration ([] = none). */
    tools: ToolSelectionSchema.optional(),
  })
  .strict();

/** Turns a validated request into a RunTask (optional fields left out, not undefined). */
export function toRunTask(body: z.output<typeof RunRequestSchema>): RunTask {
  return {
    prompt: body.prompt,
    ...(body.sources
      ? {
          sources: body.sources.map((s) => ({
            label: s.label,
            text: s.text,
            ...(s.title !== undefined ? { title: s.title } : {}),
          })),
        }
      : {}),
    ...(body.subTasks
      ? {
          subTasks: body.subTasks.map((t) => ({
            payload: t.payload,
            ...(t.priority !== undefined ? { priority: t.priority } : {}),
          })),
        }
      : {}),
    ...(body.meta ? { meta: body.meta } : {}),
  };
}

const links = (id: string) => ({ self: `/v1/runs/${id}`, events: `/v1/runs/${id}/events` });

/** `POST /v1/runs`. */
export async function createRun({ req, res, server }: RequestContext): Promise<void> {
  const body = parseBody(RunRequestSchema, await readJsonBody(req, server.options.maxBodyBytes));
  const task = toRunTask(body);
  const tools = selectTools(body.tools, server.pool.options.swarm.tools);
  await server.checkTask(task);
  const { run, record, announced } = startRun(server, 'run', task, req, tools);
  await announced;
  sendJson(res, 202, { id: run.id, status: record.status, links: links(run.id) }, { location: `/v1/runs/${run.id}` });
}

const notFound = (id: string) =>
  new HttpError(
    404,
    'NOT_FOUND',
    `no run ${JSON.stringify(id.slice(0, 64))} (unknown, or finished and no longer retained)`,
  );

function recordOf({ params, server }: RequestContext): RunRecord {
  const id = params[0] ?? '';
  const record = server.registry.get(id);
  if (!record) throw notFound(id);
  return record;
}

/**
 * The run this server holds, or (with `redis`) the run as another serve process recorded it;
 * 404 when neither knows it. With `redis`, a finished run is known only while Redis keeps it: the
 * serve processes share `retainRuns`, so another process may have dropped a run this one still holds.
 */
async function runOf(ctx: RequestContext): Promise<{ local: RunRecord } | { shared: SharedRunView }> {
  const id = ctx.params[0] ?? '';
  const local = ctx.server.registry.get(id);
  const { shared: runs } = ctx.server;
  if (local && !(runs && local.status === 'finished' && (await runs.isFinished(id)) === undefined)) return { local };
  if (local) throw notFound(id);
  const shared = await runs?.get(id);
  if (!shared) throw notFound(id);
  return { shared };
}

/** What the JSON view of a run shows: `events` counts every event so far (some may be dropped past the cap). */
type RunView = Pick<RunRecord, 'id' | 'kind' | 'status' | 'createdAt' | 'finishedAt' | 'result' | 'error'> & {
  events: number;
};

function view(run: RunView): Record<string, unknown> {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    createdAt: new Date(run.createdAt).toISOString(),
    finishedAt: run.finishedAt === undefined ? null : new Date(run.finishedAt).toISOString(),
    stopReason: run.result?.stopReason ?? null,
    answer: run.result?.answer ?? null,
    error: run.result?.error ?? run.error ?? null,
    events: run.events,
    result: run.result ?? null,
    links: links(run.id),
  };
}

/** The JSON view of a run this server holds. */
export function describeRun(record: RunRecord): Record<string, unknown> {
  return view({ ...record, events: record.events.length + record.eventsDropped });
}

/** `GET /v1/runs/:id`. */
export async function getRun(ctx: RequestContext): Promise<void> {
  const run = await runOf(ctx);
  sendJson(ctx.res, 200, 'local' in run ? describeRun(run.local) : view(run.shared));
}

/**
 * `DELETE /v1/runs/:id`: 202 while the run stops, 200 if it had already finished. With `redis`, a
 * run of another serve process is stopped through Redis (stop reason `aborted` stored with the run).
 */
export async function cancelRun(ctx: RequestContext): Promise<void> {
  const run = await runOf(ctx);
  const record = 'local' in run ? run.local : run.shared;
  if (record.status === 'finished') {
    sendJson(ctx.res, 200, { id: record.id, status: record.status, stopReason: record.result?.stopReason ?? null });
    return;
  }
  if ('local' in run) run.local.run?.abort();
  else await ctx.server.shared?.cancel(record.id);
  sendJson(ctx.res, 202, { id: record.id, status: 'cancelling' });
}

/**
 * `GET /v1/runs/:id/events`: every event so far, then live ones, each as `id: <seq>`, `event: <type>`,
 * `data: <SwarmEvent JSON>`; the stream ends after `run.finished`. `Last-Event-ID` resumes after it.
 * With `redis`, the ids are the run's event stream ids (see shared-events.ts), valid on every serve process.
 */
export async function streamRunEvents(ctx: RequestContext): Promise<void> {
  const { res, req, server } = ctx;
  if (server.shared) {
    // Known here or to another serve process (404 otherwise): the events come from the run's stream in Redis.
    await runOf(ctx);
    const id = ctx.params[0] ?? '';
    const after = resumeAfter(req.headers['last-event-id']);
    return streamSharedEvents(res, server.shared, id, after, server.options.heartbeatMs);
  }
  const record = recordOf(ctx);
  // An empty or non-numeric Last-Event-ID is absent: replay from event 0.
  const lastId = /^\s*(\d{1,15})\s*$/.exec(String(req.headers['last-event-id'] ?? ''))?.[1];
  const from = lastId === undefined ? 0 : Number(lastId) + 1;
  const sse = openSse(res, ctx.server.options.heartbeatMs);
  const send = (event: { type: string }, seq: number) => sse.send(event, { id: seq, event: event.type });
  // Stored events carry their sequence number as their index, except past the cap (only run.finished is stored there).
  let finished = record.status === 'finished';
  record.events.forEach((event, i) => {
    const last = event.type === 'run.finished';
    const seq = last ? record.events.length - 1 + record.eventsDropped : i;
    if (seq >= from) send(event, seq);
    finished ||= last;
  });
  // A run that failed before it began (a missing API key, …) has no run.finished: say why instead.
  const failed = () =>
    record.error !== undefined &&
    sse.send({ error: { message: record.error, type: 'server_error', code: 'run_failed' } }, { event: 'error' });
  if (finished) {
    failed();
    sse.end();
    return;
  }
  const listener = (event: { type: string } | undefined, seq: number) => {
    if (event !== undefined && seq >= from) send(event, seq);
    if (event === undefined || event.type === 'run.finished') {
      if (event === undefined) failed();
      record.listeners.delete(listener);
      sse.end();
    }
  };
  record.listeners.add(listener);
  res.once('close', () => record.listeners.delete(listener));
}
