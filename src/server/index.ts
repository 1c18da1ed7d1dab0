/** `delm serve` as a library: start delm's HTTP API (runs API and OpenAI-compatible chat completions) in-process. */
export { startServer, type DelmServer } from './server.js';
export {
  ServerOptionsSchema,
  resolveServerOptions,
  DEFAULT_MAX_BODY_BYTES,
  type ServerOptions,
  type ResolvedServerOptions,
} from './options.js';
export { HttpError, type ErrorBody, type HttpErrorDetail } from './errors.js';
export { isLoopbackHost, bearerAuthorizer } from '../internal/loopback.js';
export { ChatCompletionRequestSchema, chatToTask, type ChatCompletionRequest } from './chat.js';
export { RunRequestSchema, toRunTask } from './runs-api.js';
export type { RunRecord, RunStatus } from './registry.js';
