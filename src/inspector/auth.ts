/**
 * Who may talk to the inspector: on a loopback address anyone on this machine whose request names
 * a loopback host (which defeats DNS rebinding); elsewhere only holders of the token.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidConfigError } from '../errors.js';
import { isLoopbackHost, TokenSchema } from '../internal/loopback.js';

export { MIN_TOKEN_LENGTH } from '../internal/loopback.js';

/** Checks the bind options: a non-loopback host needs a token; a token must be long enough. */
export function checkBindOptions(host: string, token: string | undefined): void {
  const problems: string[] = [];
  if (!isLoopbackHost(host) && token === undefined)
    problems.push(
      `host "${host}" is not a loopback address: set a token (--token or DELM_INSPECTOR_TOKEN) so only you can read the run`,
    );
  if (token !== undefined) problems.push(...(TokenSchema.safeParse(token).error?.issues.map((i) => i.message) ?? []));
  if (problems.length) throw new InvalidConfigError('invalid inspector options', problems);
}

/** The token a request presents: `Authorization: Bearer …`, else the `token` query parameter. */
export function presentedToken(req: IncomingMessage, queryToken: string | undefined): string | undefined {
  const header = req.headers.authorization;
  const bearer = header !== undefined ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  return bearer ?? queryToken;
}
