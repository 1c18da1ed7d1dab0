/**
 * delm — a runtime for decentralized multi-agent LLM work.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './ledger/types.js';
export type * from './queue/types.js';
export type * from './channel/types.js';
export type * from './budget/types.js';
export type * from './providers/types.js';
