/**
 * HTTP errors of `delm serve`: a {@link DelmError} with the status to answer, rendered as an
 * OpenAI-style body `{ error: { message, type, code, param } }` on every route, so OpenAI clients
 * surface them as their own `APIError`s. Messages never contain the bearer token or request bodies.
 */
import { DelmError, type DelmErrorCode } from '../errors.js';
import { listedIssues } from '../issue-list.js';

/** What an error response carries besides its message. */
export interface HttpErrorDetail {
  /** The request field at fault (`messages.0.content`), OpenAI's `param`. */
  param?: string;
  /** Every validation problem, `path: problem`. */
  issues?: readonly string[];
  /** Extra response headers (`Retry-After`, `Allow`, `WWW-Authenticate`). */
  headers?: Record<string, string>;
}

/** An error answered with `status`. */
export class HttpError extends DelmError {
  constructor(
    readonly status: number,
    code: DelmErrorCode,
    message: string,
    readonly detail: HttpErrorDetail = {},
  ) {
    super(code, message);
  }
}

/** A 400 for a request body that failed validation: every problem in `issues`, the first ten in the message. */
export function invalidBody(issues: readonly string[], param?: string): HttpError {
  return new HttpError(400, 'INVALID_ARGUMENT', `invalid request body: ${listedIssues(issues).join('; ')}`, {
    issues,
    ...(param ? { param } : {}),
  });
}

/** The body of an error response. */
export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null; issues?: readonly string[] };
}

/** OpenAI's error `type` for a status. */
export function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * The status and body for any thrown value: an {@link HttpError} as it says, another
 * {@link DelmError} as a 500 with its message and code, anything else as a bare 500 (its message may
 * hold details a client should not see).
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      headers: error.detail.headers ?? {},
      body: {
        error: {
          message: error.message,
          type: errorType(error.status),
          code: error.code.toLowerCase(),
          param: error.detail.param ?? null,
          ...(error.detail.issues ? { issues: error.detail.issues } : {}),
        },
      },
    };
  }
  if (error instanceof DelmError)
    return {
      status: 500,
      headers: {},
      body: { error: { message: error.message, type: 'server_error', code: error.code.toLowerCase(), param: null } },
    };
  return {
    status: 500,
    headers: {},
    body: { error: { message: 'internal server error', type: 'server_error', code: 'internal_error', param: null } },
  };
}
