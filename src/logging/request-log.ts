/**
 * One child logger per HTTP request, bound to its request id (the caller's `x-request-id` when it
 * is a sane token, else a new one, echoed in the response), and one line when the response ends.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';

const loggers = new WeakMap<IncomingMessage, Logger>();
const SANE_ID = /^[\w.:-]{1,128}$/;

/** Assigns the request its id and logger, and logs its outcome when the response ends. */
export function logRequest(logger: Logger | undefined, req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const reqId = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', reqId);
  if (!logger) return reqId;
  const log = logger.child({ reqId });
  loggers.set(req, log);
  const started = performance.now();
  const path = (req.url ?? '').split('?')[0]!.slice(0, 200);
  log.debug({ method: req.method, path }, 'request received');
  res.once('close', () => {
    const line = {
      method: req.method,
      path,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (res.statusCode >= 500) log.error(line, 'request failed');
    else log.info(line, 'request completed');
  });
  return reqId;
}

/** The logger bound to this request's id, if the server has a logger. */
export function requestLogger(req: IncomingMessage): Logger | undefined {
  return loggers.get(req);
}
