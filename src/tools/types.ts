/**
 * A tool an agent may call inside its step: a name, a description, a zod input schema (offered to the
 * model as JSON Schema) and `execute`. What a tool returns is untrusted data, like a document: the
 * host records it verbatim, and the verifier admits quotes from it but never follows it.
 */
import type { z } from 'zod';
import type { Workspace } from './workspace.js';

/** A JSON value a tool may return. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What `execute` receives besides its input. */
export interface ToolContext {
  /** Aborts when the call times out or the run stops. */
  readonly signal: AbortSignal;
  /** The folder the run's tools are confined to, when one is configured. */
  readonly workspace: Workspace | undefined;
}

/** A tool. `I` is the parsed input type; `execute` returns text, or JSON (sent to the model as JSON text). */
export interface Tool<I = unknown> {
  /** `^[A-Za-z][\w-]{0,63}$`: the name the model calls it by. */
  readonly name: string;
  readonly description: string;
  /** Input schema; a call whose input does not parse fails with TOOL_INPUT_INVALID without running. */
  readonly input: z.ZodType<I>;
  execute(input: I, context: ToolContext): Promise<string | JsonValue> | string | JsonValue;
  /** USD charged to the run's cost budget per call (default 0). */
  readonly costUsd?: number;
  /** This tool's own time limit per call, ms, instead of the toolbox's (e.g. a test run). */
  readonly timeoutMs?: number;
  /**
   * JSON Schema the model is offered instead of the one derived from `input` (an MCP server's own
   * schema, whose input the server checks); `input` still parses every call.
   */
  readonly inputJsonSchema?: Record<string, unknown>;
}

/** Identity function that infers a tool's input type from its schema. */
export function defineTool<I>(tool: Tool<I>): Tool<I> {
  return tool;
}

/** A tool of any input type, as toolboxes hold them (each call's input is parsed by the tool's own schema). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a tool's input type is checked at run time by its schema
export type AnyTool = Tool<any>;
