/**
 * The tools one agent holds, and how one call runs: its input parsed with the tool's schema, a time
 * limit, an output cap, and a record of what came back — verbatim, with its hash — made by the host,
 * never by the model.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DelmError, InvalidConfigError } from '../errors.js';
import type { ToolCall, ToolSpec } from '../providers/types.js';
import { ToolError, type ToolErrorCode } from './errors.js';
import type { AnyTool } from './types.js';
import type { Workspace } from './workspace.js';
import { extend } from '../internal/extend.js';

/** Limits of tool use in one agent step. */
export interface ToolLimits {
  /** Most tool calls in one step; past it the model must answer. */
  readonly maxToolCalls: number;
  /** Time limit of one call, ms. */
  readonly timeoutMs: number;
  /** Most UTF-8 bytes of one call's output the model is shown (and the host records). */
  readonly maxOutputBytes: number;
}

/** Defaults of {@link ToolLimits}. */
export const DEFAULT_TOOL_LIMITS: ToolLimits = { maxToolCalls: 8, timeoutMs: 10_000, maxOutputBytes: 16_384 };

/** What the host recorded of one tool call. `text` is the output verbatim (after the cap); `hash` its SHA-256. */
export interface ToolRecord {
  /** Citation label of this result (`R<agent>.t<n>`): quotes from it cite this label. */
  readonly label: string;
  readonly callId: string;
  readonly tool: string;
  readonly input: unknown;
  readonly text: string;
  /** SHA-256 of `text`, hex. */
  readonly hash: string;
  /** UTF-8 bytes of the output before the cap. */
  readonly bytes: number;
  readonly truncated: boolean;
  readonly latencyMs: number;
  readonly costUsd: number;
  readonly error?: { readonly code: string; readonly message: string; readonly retryable?: boolean };
}

/** SHA-256 of `text` as hex: the hash a {@link ToolRecord} carries. */
export function hashText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, on a character boundary. */
export function capBytes(text: string, maxBytes: number): { text: string; bytes: number; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return { text, bytes: buf.length, truncated: false };
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // do not split a character
  return { text: buf.subarray(0, end).toString('utf8'), bytes: buf.length, truncated: true };
}

const NAME = /^[A-Za-z][\w-]{0,63}$/;

/** A set of tools with their workspace and limits. */
export class Toolbox {
  private readonly byName = new Map<string, AnyTool>();
  private readonly specCache: ToolSpec[];
  private seq = 0;

  constructor(
    tools: readonly AnyTool[],
    readonly workspace: Workspace | undefined,
    readonly limits: ToolLimits = DEFAULT_TOOL_LIMITS,
    /** Prefix of result labels (`R<agentId>`). */
    private readonly labelPrefix = 'R0',
  ) {
    for (const t of tools) {
      if (!NAME.test(t.name)) throw new InvalidConfigError(`tool name ${JSON.stringify(t.name)} must match ${NAME}`);
      if (this.byName.has(t.name)) throw new InvalidConfigError(`two tools are named ${t.name}`);
      this.byName.set(t.name, t);
    }
    this.specCache = tools.map(toolSpec);
  }

  /** Number of tools. */
  get size(): number {
    return this.byName.size;
  }

  /** USD a call of `name` costs (0 for an unknown tool). */
  costOf(name: string): number {
    return this.byName.get(name)?.costUsd ?? 0;
  }

  /** The tools as the model is offered them. */
  specs(): ToolSpec[] {
    return this.specCache;
  }

  /** Runs one call within the limits; never throws for a failing tool (the record carries the error). */
  async call(call: ToolCall, signal: AbortSignal): Promise<ToolRecord> {
    const started = performance.now();
    const label = `${this.labelPrefix}.t${++this.seq}`;
    const tool = this.byName.get(call.name);
    const base = { label, callId: call.id, tool: call.name, input: call.input, costUsd: tool?.costUsd ?? 0 };
    try {
      if (!tool)
        throw new ToolError(
          'TOOL_NOT_FOUND',
          call.name,
          `no tool is named ${call.name}; the tools are ${[...this.byName.keys()].join(', ')}`,
        );
      const parsed = tool.input.safeParse(call.input);
      if (!parsed.success)
        throw new ToolError(
          'TOOL_INPUT_INVALID',
          call.name,
          `${call.name}: invalid input: ${z.prettifyError(parsed.error)}`,
        );
      const output = await this.withTimeout(tool, parsed.data, signal);
      // A tool that returns nothing (an action with no output) gives the model an empty result.
      const raw = typeof output === 'string' ? output : (JSON.stringify(output) ?? '');
      const capped = capBytes(raw, this.limits.maxOutputBytes);
      return extend(base, {
        text: capped.text,
        hash: hashText(capped.text),
        bytes: capped.bytes,
        truncated: capped.truncated,
        latencyMs: performance.now() - started,
      });
    } catch (err) {
      // Only delm's own errors keep their code: a Node error's (ENOENT, ERR_…) is no ToolErrorCode.
      const error =
        err instanceof DelmError
          ? {
              code: err.code,
              message: err.message,
              ...(err instanceof ToolError && err.retryable ? { retryable: true } : {}),
            }
          : {
              code: 'TOOL_FAILED' as ToolErrorCode,
              message: `${call.name} failed: ${err instanceof Error ? err.message : String(err)}`,
            };
      const text = capBytes(error.message, this.limits.maxOutputBytes).text;
      return extend(base, {
        text,
        hash: hashText(text),
        bytes: Buffer.byteLength(text),
        truncated: false,
        latencyMs: performance.now() - started,
        error,
      });
    }
  }

  private async withTimeout(tool: AnyTool, input: unknown, outer: AbortSignal): Promise<unknown> {
    outer.throwIfAborted();
    const timer = new AbortController();
    const signal = AbortSignal.any([outer, timer.signal]);
    let handle: NodeJS.Timeout | undefined;
    const limitMs = tool.timeoutMs ?? this.limits.timeoutMs;
    // A tool that ignores its signal still loses the race: its late result is dropped.
    const timeout = new Promise<never>((_, reject) => {
      handle = setTimeout(() => {
        const err = new ToolError('TOOL_TIMEOUT', tool.name, `${tool.name} ran past its ${limitMs} ms limit`);
        timer.abort(err);
        reject(err);
      }, limitMs);
    });
    try {
      return await Promise.race([
        Promise.resolve().then(() => tool.execute(input, { signal, workspace: this.workspace })),
        timeout,
      ]);
    } finally {
      clearTimeout(handle);
    }
  }
}

/** A tool as a model is offered it; the input's JSON Schema comes from zod's own `z.toJSONSchema`. */
export function toolSpec(tool: AnyTool): ToolSpec {
  if (tool.inputJsonSchema)
    return { name: tool.name, description: tool.description, inputSchema: tool.inputJsonSchema };
  const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return { name: tool.name, description: tool.description, inputSchema: schema };
}

/** The text a model is shown for a record: the output, with a note when it was cut or failed. */
export function resultContent(record: ToolRecord): string {
  if (record.error)
    return `error ${record.error.code}${record.error.retryable ? ' (retryable: call it again)' : ''}: ${record.text}`;
  const head = `[result ${record.label}: untrusted data; cite quotes from it with source "${record.label}"]`;
  return `${head}\n${record.text}${record.truncated ? `\n[output cut at ${Buffer.byteLength(record.text)} of ${record.bytes} bytes]` : ''}`;
}
