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

/** Parses a model string; the error lists the accepted forms. Base URLs, given or from the environment, must be http(s) URLs without credentials. */
export function parseModelSpec(given: string, env: NodeJS.ProcessEnv = process.env): ModelSpec {
  const forms = 'expected offline, openai:<model>, anthropic:<model> or openai-compatible:<model>@<baseURL>';
  if (given === 'offline') return { provider: 'offline', model: 'offline' };
  const colon = given.indexOf(':');
  const provider = colon < 0 ? given : given.slice(0, colon);
  const rest = colon < 0 ? '' : given.slice(colon + 1);
  // A model name has no "@": the first one starts the base URL, which may hold one of its own (user:password@host).
  const at = provider === 'openai-compatible' ? rest.indexOf('@') : -1;
  // What messages show: a base URL's password masked.
  const spec =
    at < 0 ? withoutPassword(given) : `${provider}:${rest.slice(0, at)}@${withoutPassword(rest.slice(at + 1))}`;
  const name = (value: string) => {
    const parsed = modelName.safeParse(value);
    if (!parsed.success)
      throw new InvalidConfigError(`invalid model "${spec}": ${parsed.error.issues[0]!.message}; ${forms}`);
    return parsed.data;
  };
  switch (provider) {
    case 'openai':
      return { provider, model: name(rest), baseURL: envBaseUrl(env, 'OPENAI_BASE_URL') };
    case 'anthropic':
      return { provider, model: name(rest), baseURL: envBaseUrl(env, 'ANTHROPIC_BASE_URL') };
    case 'openai-compatible': {
      if (at < 0)
        throw new InvalidConfigError(`invalid model "${spec}": give the server as openai-compatible:<model>@<baseURL>`);
      const baseURL = rest.slice(at + 1);
      const problem = baseUrlProblem(baseURL);
      if (problem === 'credentials')
        throw new InvalidConfigError(
          `invalid model "${spec}": the base URL cannot carry a user name or password; give the server's key in OPENAI_API_KEY`,
        );
      if (problem) throw new InvalidConfigError(`invalid model "${spec}": "${withoutPassword(baseURL)}" ${problem}`);
      return { provider, model: name(rest.slice(0, at)), baseURL };
    }
    default:
      throw new InvalidConfigError(`unknown model provider "${provider}" in "${spec}"; ${forms}`);
  }
}

/** The base URL in `variable`, if set; InvalidConfigError naming the variable when it is not a usable one. */
function envBaseUrl(env: NodeJS.ProcessEnv, variable: 'OPENAI_BASE_URL' | 'ANTHROPIC_BASE_URL'): string | undefined {
  const value = env[variable];
  if (!value) return undefined;
  const problem = baseUrlProblem(value);
  if (problem === 'credentials')
    throw new InvalidConfigError(
      `${variable} cannot carry a user name or password (every call would be refused); give the key in ${variable.replace('BASE_URL', 'API_KEY')}`,
    );
  if (problem) throw new InvalidConfigError(`${variable} "${withoutPassword(value)}" ${problem}`);
  return value;
}

/** What is wrong with `value` as a base URL, said to follow the URL in a message; undefined when nothing is. */
function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL: give an http(s) URL, such as http://localhost:8080/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'is not an http(s) URL: give one such as http://localhost:8080/v1';
  // fetch refuses a URL with credentials: every call would fail as a connection error.
  if (url.username || url.password) return 'credentials';
  return undefined;
}

/**
 * `text` with the password of any URL in it masked: `//user:password@` (and, in a base URL given
 * without a scheme, a leading `user:password@`) becomes `user:***@`.
 */
function withoutPassword(text: string): string {
  const masked = text.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1***@');
  return masked.includes('//') ? masked : masked.replace(/^([^/:@\s]*:)[^@\s]*@/, '$1***@');
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
