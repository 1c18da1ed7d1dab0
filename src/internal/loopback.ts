/**
 * Bearer-token checks and which hosts count as loopback (no token needed), for `delm serve` and the
 * inspector alike.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';

/** Shortest bearer token accepted: long enough not to be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * The one rule for a bearer token, shared by `delm serve` and the inspector: 16 to 4096 printable
 * ASCII characters without spaces (what an `Authorization` header can carry unchanged).
 */
export const TokenSchema = z
  .string()
  .min(MIN_TOKEN_LENGTH, `the token must be at least ${MIN_TOKEN_LENGTH} characters`)
  .max(4_096, 'the token must be at most 4096 characters')
  .regex(/^[\x21-\x7e]+$/, 'the token must be printable ASCII without spaces');

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The host name a request's `Host` header names (brackets and port removed); '' when absent. */
function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  return bracketed ? bracketed[1]! : host.replace(/:\d+$/, '');
}

/** Whether a request addresses this machine by a loopback name, which defeats DNS rebinding. */
export function hostHeaderIsLoopback(req: IncomingMessage): boolean {
  return isLoopbackHost(hostnameOf(req.headers.host));
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time comparison of a presented token with the expected one (both hashed first, so lengths never leak). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected));
}

/** A check of the `Authorization: Bearer <token>` header against `token` ({@link tokenMatches}). Without a token every request passes. */
export function bearerAuthorizer(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Always compare, even without a well-formed header, so timing says nothing about the format.
    return tokenMatches(match?.[1] ?? '', token) && match !== null;
  };
}
