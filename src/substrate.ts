/**
 * `delm/substrate`: the shared-memory structures agents coordinate through, usable on their own —
 * the context ledger, the task queue, the proposal channel, the run budget and the rate limiter.
 * Each is created on one thread and attached in others from its structured-cloneable handle.
 * @packageDocumentation
 */
export type {
  EntryKind,
  EntryLevel,
  LedgerEntryInput,
  LedgerEntry,
  ContextLedger,
  LedgerWriter,
} from './ledger/types.js';
export { ENTRY_KINDS } from './ledger/types.js';
export { SharedLedger, type LedgerHandle, type LedgerOptions } from './ledger/shared-ledger.js';
export { dumpJsonl, loadJsonl, ledgerLines } from './ledger/jsonl.js';
export type {
  TaskState,
  TaskInput,
  Lease,
  TaskRecord,
  QueueStats,
  ClaimOptions,
  TaskQueue,
  AsyncTaskQueue,
} from './queue/types.js';
export { asyncQueue } from './queue/async-queue.js';
export { SharedTaskQueue, type QueueHandle, type QueueOptions } from './queue/shared-queue.js';
export type { MessageChannelLike } from './channel/types.js';
export { SharedChannel, type ChannelHandle, type ConsumerWake } from './channel/shared-channel.js';
export { JsonChannel } from './channel/json-channel.js';
export type {
  BudgetResource,
  BudgetAmount,
  BudgetLimits,
  Reservation,
  BudgetSnapshot,
  Budget,
  AsyncBudget,
  RateLimiter,
  RateLimits,
} from './budget/types.js';
export { SharedBudget, type BudgetHandle } from './budget/shared-budget.js';
export { SharedRateLimiter, unlimitedRateLimiter, type RateLimiterHandle } from './budget/rate-limiter.js';
export { shareTokenizer } from './providers/tokenizer.js';
