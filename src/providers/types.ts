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
  /** Present iff the request had a schema. */
  object: T | undefined;
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
