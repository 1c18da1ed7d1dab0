/**
 * Who may talk to the inspector: on a loopback address anyone on this machine whose request names
 * a loopback host (which defeats DNS rebinding); elsewhere only holders of the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { InvalidConfigError } from '../errors.js';

/** Shortest token accepted: long enough not to be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether `host` is a loopback address or `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::ffff:127.0.0.1';
}

/** Checks the bind options: a non-loopback host needs a token; a token must be long enough. */
export function checkBindOptions(host: string, token: string | undefined): void {
  const problems: string[] = [];
  if (!isLoopback(host) && token === undefined) problems.push(`host "${host}" is not a loopback address: set a token (--token or DELM_INSPECTOR_TOKEN) so only you can read the run`);
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) problems.push(`the token must be at least ${MIN_TOKEN_LENGTH} characters`);
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) problems.push('the token must be printable ASCII without spaces');
  if (problems.length) throw new InvalidConfigError('invalid inspector options', problems);
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token a request presents: `Authorization: Bearer …`, else the `token` query parameter. */
export function presentedToken(req: IncomingMessage, queryToken: string | undefined): string | undefined {
  const header = req.headers.authorization;
  const bearer = header !== undefined ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  return bearer ?? queryToken;
}

/** Whether the request's Host header names a loopback host (checked when bound to loopback). */
export function hostHeaderIsLoopback(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return isLoopback(name);
}
