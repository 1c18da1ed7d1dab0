/** Reading JSON request bodies (media type, size limit, syntax, schema) and writing JSON responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { HttpError, invalidBody, toErrorResponse } from './errors.js';
import { assertWellFormedText } from './task-check.js';

/** Writes `body` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Writes the error response for `error` (see {@link toErrorResponse}); ends the response if headers already went out. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const { status, body, headers } = toErrorResponse(error);
  sendJson(res, status, body, headers);
}

const isJsonType = (type: string | undefined) => {
  const essence = (type ?? '').split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[\w.+-]+\+json$/.test(essence);
};

/**
 * Reads and parses a JSON body: 415 unless the content type is JSON, 413 past `maxBytes` (from
 * `Content-Length` before reading, or while reading a chunked body), 400 for malformed JSON or text
 * that is not valid Unicode (a lone surrogate escaped as `\ud800`).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!isJsonType(req.headers['content-type'])) {
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `request body must be JSON (Content-Type: application/json), got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`,
    );
  }
  // No `Connection: close`: node:http would then close at once, and the body still arriving would reset the connection (see discardBody).
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${maxBytes} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  // Listeners rather than `for await`: leaving a for-await loop destroys the socket, and the 413 with it.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (fn: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else {
        req.pause();
        settle(() => reject(tooLarge()));
      }
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks).toString('utf8')));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () =>
      settle(() =>
        reject(new HttpError(400, 'INVALID_ARGUMENT', 'the request body ended early (client disconnected)')),
      );
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'request body is not valid JSON');
  }
  assertWellFormedText(body);
  return body;
}

/** Validates `value` with `schema`, or throws a 400 naming every problem as `path: problem`. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  const first = parsed.error.issues[0];
  throw invalidBody(issues, first && first.path.length ? first.path.join('.') : undefined);
}
