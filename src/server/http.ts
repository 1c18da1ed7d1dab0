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
  const [first = '', ...parameters] = (type ?? '').toLowerCase().split(';');
  const charset = parameters.map((p) => /^\s*charset\s*=\s*"?([^"\s]*)"?\s*$/.exec(p)?.[1]).find(Boolean);
  // JSON is UTF-8 (RFC 8259): a body declared in another charset would be misread, not converted.
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return false;
  const essence = first.trim();
  return essence === 'application/json' || /^application\/[\w.+-]+\+json$/.test(essence);
};

/** Fails on bytes that are not UTF-8, which a lenient decode would turn into U+FFFD unseen; a BOM is kept (and is no JSON). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads and parses a JSON body: 415 unless the content type is JSON, 413 past `maxBytes` (from
 * `Content-Length` before reading, or while reading a chunked body), 400 for bytes that are not UTF-8,
 * malformed JSON or text that is not valid Unicode (a lone surrogate escaped as `\ud800`). A charset
 * other than UTF-8 or a `Content-Encoding` (gzip, …) is a 415.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!isJsonType(req.headers['content-type'])) {
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `request body must be UTF-8 JSON (Content-Type: application/json), got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`,
    );
  }
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity')
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `request body must not be encoded (Content-Encoding: ${JSON.stringify(encoding)}); send it uncompressed`,
    );
  // No `Connection: close`: node:http would then close at once, and the body still arriving would reset the connection (see discardBody).
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${maxBytes} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  // Listeners rather than `for await`: leaving a for-await loop destroys the socket, and the 413 with it.
  const bytes = await new Promise<Buffer>((resolve, reject) => {
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
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks)));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () =>
      settle(() =>
        reject(new HttpError(400, 'INVALID_ARGUMENT', 'the request body ended early (client disconnected)')),
      );
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'request body is not valid UTF-8');
  }
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
