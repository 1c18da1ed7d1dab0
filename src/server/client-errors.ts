/**
 * The connection-level edges of `delm serve`: requests node:http's parser rejects get the JSON error
 * body every route uses, and a request answered before its body was read (413, 401, …) has the rest
 * of its body read and dropped, so the client reads the answer instead of a connection reset.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError, toErrorResponse } from './errors.js';

/** How much of a body answered early is read and dropped before the connection is closed instead. */
export interface DiscardLimits {
  maxBytes: number;
  maxMs: number;
}

/** The limits for a server whose bodies may be `maxBodyBytes` long: 4× that (4 to 64 MiB), for up to 30 s. */
export function discardLimits(maxBodyBytes: number): DiscardLimits {
  return { maxBytes: Math.min(64 << 20, Math.max(4 << 20, 4 * maxBodyBytes)), maxMs: 30_000 };
}
/** After closing our side, how long the client may take to close its own before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** The error a parser failure is answered with. */
function parserError(error: Error & { code?: string; reason?: string }): HttpError {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return new HttpError(431, 'HEADERS_TOO_LARGE', 'the request headers are too large');
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new HttpError(408, 'REQUEST_TIMEOUT', 'the request did not arrive in full in time');
  const what = error.reason ?? error.message.replace(/^Parse Error:\s*/, '');
  return new HttpError(
    400,
    'INVALID_ARGUMENT',
    `malformed HTTP request: ${what.slice(0, 200)}${error.code ? ` (${error.code})` : ''}`,
  );
}

/** Ends `socket` from our side and destroys it once the client closes too (or after a grace period). */
function closeGently(socket: Duplex): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end();
  socket.resume(); // keep reading (and dropping) so unread bytes never turn the close into a reset
}

/** The server's `clientError` listener: answers with the JSON error shape (400, 408 or 431) when it still can, then closes. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A response already under way on this socket cannot be followed by another one.
  const busy = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || busy?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, body } = toErrorResponse(parserError(error));
  const text = JSON.stringify(body);
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${text}`,
  );
  closeGently(socket);
}

/**
 * After `res` answers a request whose body has not been read in full: reads and drops the rest, so the
 * connection stays usable and the client (fetch reads the answer only once its body is sent) gets the
 * answer; past `limits` the connection is closed gently instead (our side first, no reset).
 */
export function discardBody(req: IncomingMessage, res: ServerResponse, limits: DiscardLimits): void {
  const start = () => {
    if (req.complete || req.destroyed) return;
    let dropped = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData);
      closeGently(req.socket);
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > limits.maxBytes) stop();
    };
    const timer = setTimeout(stop, limits.maxMs);
    timer.unref();
    req.on('data', onData);
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  };
  if (res.writableFinished) start();
  else res.once('finish', start);
}
