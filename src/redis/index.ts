/**
 * `delm/redis`: the substrate on Redis (7.0 command set, so Valkey too) through node-redis — the task
 * queue, the context ledger, the run budget, the rate limiter and the event stream of a run, shared by
 * processes on any machine, and the run's live processes (`listMembers`). Every key of a run sits under
 * `delm:{<runId>}:`; every state change is one call of delm's Redis Functions library, loaded on
 * first use.
 * @packageDocumentation
 */
export { RedisTaskQueue, RedisQueueOptionsSchema, type RedisQueueOptions } from './queue.js';
export { RedisLedger, RedisLedgerWriter, RedisLedgerOptionsSchema, type RedisLedgerOptions } from './ledger.js';
export { RedisBudget, RedisBudgetOptionsSchema, type RedisBudgetOptions } from './budget.js';
export { RedisRateLimiter, RedisRateLimiterOptionsSchema, type RedisRateLimiterOptions } from './rate-limiter.js';
export {
  RedisEventLog,
  RedisEventLogOptionsSchema,
  DEFAULT_MAX_EVENTS,
  type RedisEventLogOptions,
  type StoredEvent,
} from './event-log.js';
export { RedisManualClock } from './manual-clock.js';
export {
  listMembers,
  runUsage,
  RedisMembership,
  type RunMember,
  type MemberRole,
  type MemberInfo,
  type MemberUsage,
} from './members.js';
export { LIBRARY_VERSION, ensureLibrary } from './library.js';
export { runPrefix, type RedisClient, type RedisTarget } from './client.js';
export { FencedError, DuplicateEntryError } from '../errors.js';
