/** Bearer-token checks of `delm serve`, and which hosts count as loopback (no token needed). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A check of the `Authorization: Bearer <token>` header against `token`, in constant time (both
 * sides are hashed first, so their lengths never leak either). Without a token every request passes.
 */
export function bearerAuthorizer(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Always compare, even without a well-formed header, so timing says nothing about the format.
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  };
}
