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
export function parseModelSpec(spec: string, env: NodeJS.ProcessEnv = process.env): ModelSpec {
  const forms = 'expected offline, openai:<model>, anthropic:<model> or openai-compatible:<model>@<baseURL>';
  if (spec === 'offline') return { provider: 'offline', model: 'offline' };
  const colon = spec.indexOf(':');
  const provider = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
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
      const at = rest.lastIndexOf('@');
      if (at < 0)
        throw new InvalidConfigError(`invalid model "${spec}": give the server as openai-compatible:<model>@<baseURL>`);
      const baseURL = rest.slice(at + 1);
      if (!z.url().safeParse(baseURL).success)
        throw new InvalidConfigError(`invalid model "${spec}": "${baseURL}" is not a URL`);
      return { provider, model: name(rest.slice(0, at)), baseURL };
    }
    default:
      throw new InvalidConfigError(`unknown model provider "${provider}" in "${spec}"; ${forms}`);
  }
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
