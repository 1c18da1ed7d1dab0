/**
 * Model strings: `offline`, `openai:<model>`, `anthropic:<model>`, `openai-compatible:<model>@<baseURL>`.
 * Parsed and checked up front, so a missing key fails before any agent starts.
 */
import { z } from 'zod';
import { InvalidConfigError, MissingApiKeyError } from '../errors.js';

/** A parsed model string. */
export type ModelSpec =
  | { provider: 'offline'; model: 'offline' }
  | { provider: 'openai'; model: string; baseURL: string | undefined }
  | { provider: 'anthropic'; model: string; baseURL: string | undefined }
  | { provider: 'openai-compatible'; model: string; baseURL: string };

const modelName = z
  .string()
  .min(1)
  .regex(/^[\w.:\-/]+$/, 'a model name: letters, digits and . _ : - /');

/** Parses a model string; the error lists the accepted forms. */
export function parseModelSpec(given: string, env: NodeJS.ProcessEnv = process.env): ModelSpec {
  const forms = 'expected offline, openai:<model>, anthropic:<model> or openai-compatible:<model>@<baseURL>';
  if (given === 'offline') return { provider: 'offline', model: 'offline' };
  // What messages show: a base URL's password masked.
  const spec = withoutPassword(given);
  const colon = given.indexOf(':');
  const provider = colon < 0 ? given : given.slice(0, colon);
  const rest = colon < 0 ? '' : given.slice(colon + 1);
  const name = (value: string) => {
    const parsed = modelName.safeParse(value);
    if (!parsed.success)
      throw new InvalidConfigError(`invalid model "${spec}": ${parsed.error.issues[0]!.message}; ${forms}`);
    return parsed.data;
  };
  switch (provider) {
    case 'openai':
      return { provider, model: name(rest), baseURL: env.OPENAI_BASE_URL || undefined };
    case 'anthropic':
      return { provider, model: name(rest), baseURL: env.ANTHROPIC_BASE_URL || undefined };
    case 'openai-compatible': {
      // A model name has no "@": the first one starts the base URL, which may hold one of its own (user:password@host).
      const at = rest.indexOf('@');
      if (at < 0)
        throw new InvalidConfigError(`invalid model "${spec}": give the server as openai-compatible:<model>@<baseURL>`);
      const baseURL = rest.slice(at + 1);
      if (!z.url().safeParse(baseURL).success)
        throw new InvalidConfigError(`invalid model "${spec}": "${withoutPassword(baseURL)}" is not a URL`);
      // fetch refuses a URL with credentials: every call would fail as a connection error.
      const { username, password } = new URL(baseURL);
      if (username || password)
        throw new InvalidConfigError(
          `invalid model "${spec}": the base URL cannot carry a user name or password; give the server's key in OPENAI_API_KEY`,
        );
      return { provider, model: name(rest.slice(0, at)), baseURL };
    }
    default:
      throw new InvalidConfigError(`unknown model provider "${provider}" in "${spec}"; ${forms}`);
  }
}

/** `text` with the password of any URL in it (`//user:password@`) masked. */
function withoutPassword(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^/@\s]*@/g, '$1***@');
}

/** Throws MissingApiKeyError (naming the variable) when the spec needs a key the environment lacks. */
export function checkModelCredentials(spec: ModelSpec, env: NodeJS.ProcessEnv = process.env): void {
  if (spec.provider === 'openai' && !env.OPENAI_API_KEY) throw new MissingApiKeyError('openai', 'OPENAI_API_KEY');
  if (spec.provider === 'anthropic' && !env.ANTHROPIC_API_KEY)
    throw new MissingApiKeyError('anthropic', 'ANTHROPIC_API_KEY');
}

/** The id a model reports: the model string without any base URL or key. */
export function modelId(spec: ModelSpec): string {
  return spec.provider === 'offline' ? 'offline' : `${spec.provider}:${spec.model}`;
}
