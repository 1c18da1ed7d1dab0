/**
 * `POST /v1/chat/completions`, OpenAI-compatible, so any OpenAI client can use a delm swarm as its
 * model. The last user message is the prompt; earlier system, developer and user turns are given as
 * context (assistant and tool turns are not). An extra body field `delm: { sources?, subTasks?, meta? }`
 * attaches documents, sub-tasks and task meta. Bad input is a 4xx before any run starts, and a stream
 * opens only once the run has planned its work, so a run that fails that early is an HTTP error too. Non-streaming answers are a `chat.completion`; with
 * `stream: true`, `chat.completion.chunk` events then `data: [DONE]` (a usage chunk first when
 * `stream_options.include_usage`). A client that disconnects aborts its run.
 */
import { z } from 'zod';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { RunResult, StopReason } from '../runtime/run.js';
import { errorText } from '../runtime/run-result.js';
import { startRun, type RequestContext } from './context.js';
import type { RunRecord } from './registry.js';
import { HttpError, toErrorResponse } from './errors.js';
import { parseBody, readJsonBody, sendError, sendJson } from './http.js';
import { SourcesSchema, SubTasksSchema } from './runs-api.js';
import { openSse } from './sse.js';

const ContentPartSchema = z
  .object({ type: z.string(), text: z.string().optional() })
  .loose()
  .superRefine((part, ctx) => {
    if (part.type !== 'text')
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `only text content parts are supported, got "${part.type.slice(0, 40)}"`,
      });
    else if (part.text === undefined)
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a text part needs its text' });
  });

/** Message content: a string, or text parts (a string is read as one text part). */
const ContentSchema = z.preprocess(
  (value) => (typeof value === 'string' ? [{ type: 'text', text: value }] : value),
  z.array(ContentPartSchema, { error: 'expected a string or an array of content parts' }),
);

const MessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: ContentSchema.nullable().optional(),
  })
  .loose();

/** The part of an OpenAI chat completion request delm reads; other OpenAI parameters are accepted and ignored. */
export const ChatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(MessageSchema).min(1),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).loose().nullable().optional(),
    n: z
      .number()
      .int()
      .refine((n) => n === 1, 'only n = 1 is supported')
      .nullable()
      .optional(),
    /** delm's extension: documents, sub-tasks and task meta (`choices`, `delm` settings) for the swarm. */
    delm: z
      .object({
        sources: SourcesSchema.optional(),
        subTasks: SubTasksSchema.optional(),
        meta: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
  })
  .loose()
  .superRefine((body, ctx) => {
    const last = body.messages.findLastIndex((m) => m.role === 'user');
    if (last < 0)
      ctx.addIssue({
        code: 'custom',
        path: ['messages'],
        message: 'at least one user message is required: the last one is the prompt',
      });
    else if (!textOf(body.messages[last]!.content).trim())
      ctx.addIssue({ code: 'custom', path: ['messages', last, 'content'], message: 'the last user message is empty' });
  });

/** A validated chat completion request. */
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequestSchema>;

function textOf(content: Array<{ text?: string | undefined }> | null | undefined): string {
  return (content ?? []).map((p) => p.text ?? '').join('\n');
}

/** The run task of a chat request: the last user message, then the earlier system/developer/user turns as context. */
export function chatToTask(body: ChatCompletionRequest): RunTask {
  const last = body.messages.findLastIndex((m) => m.role === 'user');
  const prompt = textOf(body.messages[last]!.content).trim();
  const context = body.messages
    .slice(0, last)
    .filter((m) => m.role === 'system' || m.role === 'developer' || m.role === 'user')
    .map((m) => ({ role: m.role, text: textOf(m.content).trim() }))
    .filter((t) => t.text.length > 0);
  const withContext = context.length
    ? `${prompt}\n\nContext from the conversation (earlier turns):\n${context.map((t) => `[${t.role}] ${t.text}`).join('\n')}`
    : prompt;
  const sources = body.delm?.sources;
  const subTasks = body.delm?.subTasks;
  const meta = body.delm?.meta;
  return {
    prompt: withContext,
    ...(meta ? { meta } : {}),
    ...(sources
      ? {
          sources: sources.map((s) => ({
            label: s.label,
            text: s.text,
            ...(s.title !== undefined ? { title: s.title } : {}),
          })),
        }
      : {}),
    ...(subTasks
      ? {
          subTasks: subTasks.map((t) => ({
            payload: t.payload,
            ...(t.priority !== undefined ? { priority: t.priority } : {}),
          })),
        }
      : {}),
  };
}

/** OpenAI usage of a run. */
export function usageOf(result: RunResult): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
} {
  const { inputTokens, outputTokens, cachedInputTokens } = result.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: cachedInputTokens },
  };
}

/** OpenAI finish reason of a run: a budget or wall-time stop is `length`, everything else `stop`. */
export function finishReason(stopReason: StopReason): 'stop' | 'length' {
  return stopReason === 'budget' || stopReason === 'wall-time' ? 'length' : 'stop';
}

/** What delm adds to a completion: the run behind it. */
function delmInfo(result: RunResult) {
  return {
    run_id: result.runId,
    stop_reason: result.stopReason,
    verified_entries: result.entries.filter((e) => e.kind !== 'raw' && e.kind !== 'failure').length,
    model_calls: result.usage.modelCalls,
    cost_usd: result.costUsd,
    wall_time_ms: result.wallTimeMs,
  };
}

/**
 * A run that ended without an answer because it failed (a 500 with its reason) or was stopped (a 503:
 * cancelled with `DELETE /v1/runs/:id`, or the server shutting down) is an error, not an empty completion.
 */
function failure(result: RunResult): HttpError | undefined {
  if (result.answer !== undefined) return undefined;
  if (result.stopReason === 'error')
    return new HttpError(500, 'RUN_FAILED', `the run failed: ${errorText(result) ?? 'unknown error'}`);
  if (result.stopReason === 'aborted')
    return new HttpError(
      503,
      'ABORTED',
      `run ${result.runId} was stopped before it answered (cancelled, or the server is shutting down)`,
    );
  return undefined;
}

/** Resolves true once `record`'s run has started (planned its sub-tasks); never rejects. */
function started(record: RunRecord): Promise<true> {
  if (record.events.some((e) => e.type === 'run.started')) return Promise.resolve(true);
  return new Promise((resolve) => {
    const listener = (event: { type: string } | undefined) => {
      if (event?.type !== 'run.started') return;
      record.listeners.delete(listener);
      resolve(true);
    };
    record.listeners.add(listener);
  });
}

/** Splits an answer into stream deltas, one line each (newlines kept). */
function deltas(answer: string): string[] {
  return answer.match(/[^\n]*\n|[^\n]+/g) ?? [];
}

/** `POST /v1/chat/completions`. */
export async function chatCompletions(ctx: RequestContext): Promise<void> {
  const { req, res, server } = ctx;
  const body = parseBody(ChatCompletionRequestSchema, await readJsonBody(req, server.options.maxBodyBytes));
  const task = chatToTask(body);
  await server.checkTask(task, 'delm.');
  // A client that went away while the task was checked gets no run (its close event has passed).
  if (res.destroyed) return;
  const { run, record } = startRun(server, 'chat', task, req);
  res.once('close', () => {
    if (!res.writableFinished) run.abort(); // the client went away: stop its run
  });
  const id = `chatcmpl-${run.id}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model;
  const headers = { 'x-delm-run-id': run.id };

  if (!body.stream) {
    const result = await run.result;
    if (res.destroyed) return;
    const failed = failure(result);
    if (failed) {
      sendError(res, failed);
      return;
    }
    sendJson(
      res,
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model,
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.answer ?? '', refusal: null },
            logprobs: null,
            finish_reason: finishReason(result.stopReason),
          },
        ],
        usage: usageOf(result),
        delm: delmInfo(result),
      },
      headers,
    );
    return;
  }

  // Headers wait for the run to start (its plan made): a run that fails before then gets an HTTP error, not a 200 and an error chunk.
  const early = await Promise.race([
    started(record),
    run.result.then(
      (r) => r,
      () => undefined,
    ),
  ]);
  if (res.destroyed) return;
  if (early !== true) {
    const failed = early ? failure(early) : new HttpError(500, 'RUN_FAILED', 'the run failed before it started');
    if (failed) {
      sendError(res, failed);
      return;
    }
  }
  const includeUsage = body.stream_options?.include_usage === true;
  const sse = openSse(res, server.options.heartbeatMs, headers);
  const chunk = (
    delta: Record<string, unknown>,
    finish: 'stop' | 'length' | null,
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  sse.send(chunk({ role: 'assistant', content: '' }, null));
  let result: RunResult;
  try {
    result = await run.result;
  } catch (error) {
    sse.send(toErrorResponse(error).body);
    sse.end();
    return;
  }
  if (res.destroyed) return;
  const failed = failure(result);
  if (failed) {
    sse.send(toErrorResponse(failed).body); // OpenAI clients raise an APIError for a chunk with `error`
    sse.end();
    return;
  }
  for (const content of deltas(result.answer ?? '')) sse.send(chunk({ content }, null));
  sse.send(chunk({}, finishReason(result.stopReason), { delm: delmInfo(result) }));
  if (includeUsage)
    sse.send({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: null,
      choices: [],
      usage: usageOf(result),
    });
  sse.send('[DONE]');
  sse.end();
}
