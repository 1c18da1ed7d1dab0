/**
 * One interface for every model delm talks to: agents, the verifier's judge, the finalizer and the
 * orchestrator baseline all call `LanguageModel.complete`.
 */
import type { z } from 'zod';

/** A chat turn. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Who is calling, for records and cost attribution. */
export interface CallContext {
  role?: string;
  taskId?: number;
  agentId?: number;
}

/** A completion request. With a `schema`, the result carries a validated `object`. */
export interface CompletionRequest<T = unknown> {
  system?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** zod schema for structured output; the provider maps it to its native mechanism. */
  schema?: z.ZodType<T>;
  /** Name of the structured output (tool / response format name). */
  schemaName?: string;
  signal?: AbortSignal;
  context?: CallContext;
  /** Tools the model may call instead of answering; the provider maps them to its native tool calling. */
  tools?: readonly ToolSpec[];
  /** `'none'`: the model must answer now, without calling a tool (its tool-call limit is reached). */
  toolChoice?: 'auto' | 'none';
  /** Tool calls the model made earlier in this step and their results, in order, after `messages`. */
  toolTurns?: readonly ToolTurn[];
}

/** A tool as a model is offered it: name, description and the JSON Schema of its input. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the input object. */
  inputSchema: Record<string, unknown>;
}

/** One tool call a model asked for. `id` pairs it with its result. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** The result of one tool call as the model is shown it. `isError` marks a failed call (its text says why). */
export interface ToolCallResult {
  callId: string;
  name: string;
  content: string;
  isError?: boolean;
}

/** One round of tool use: the calls one model reply asked for, with their results. */
export interface ToolTurn {
  /** What the model wrote alongside its calls (often empty). */
  text: string;
  calls: readonly ToolCall[];
  results: readonly ToolCallResult[];
}

/** Token usage of one call. `cachedInputTokens` is a subset of `inputTokens`. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** Outcome of one call. */
export interface CompletionResult<T = unknown> {
  text: string;
  /** Present iff the request had a schema and the model answered rather than calling tools. */
  object: T | undefined;
  /** Tools the model asked to call (only when the request offered `tools`); it answers after their results. */
  toolCalls?: readonly ToolCall[];
  usage: Usage;
  costUsd: number;
  latencyMs: number;
  /** Model id as configured, e.g. `openai:gpt-4o-mini`. */
  model: string;
  /** True for the offline model, which is not an LLM and says so. */
  notAnLlm?: boolean;
}

/** The model contract. */
export interface LanguageModel {
  /** Model id, e.g. `anthropic:claude-haiku-4-5` or `offline`. Never contains a key. */
  readonly id: string;
  complete<T = unknown>(request: CompletionRequest<T>): Promise<CompletionResult<T>>;
}
