/**
 * The names of the built-in protocols and the one function that turns a {@link ProtocolRef} into a
 * protocol in any thread. Workers are told a built-in protocol by name and import only that one: a
 * thread of a `basic` run never loads the debugging protocol's parsers and diff library. Only a
 * protocol of your own travels as a module URL. (`built-in.ts` holds all three, for library users.)
 */
import { importModule } from '../internal/import-module.js';
import { InvalidConfigError } from '../errors.js';
import { registerOfflineSkill } from '../providers/offline.js';
import type { SwarmProtocol } from './kit/protocol.js';

/** How each built-in protocol is imported, by the name `SwarmOptions.protocol` takes. */
const BUILT_IN_LOADERS = {
  delm: async () => (await import('./delm/protocol.js')).protocol,
  basic: async () => (await import('./basic/protocol.js')).protocol,
  debug: async () => (await import('./debug/protocol.js')).protocol,
} as const satisfies Record<string, () => Promise<SwarmProtocol>>;

/** Name of a built-in protocol. */
export type BuiltInProtocolName = keyof typeof BUILT_IN_LOADERS;

/** Names of the built-in protocols, for option schemas. */
export const BUILT_IN_PROTOCOL_NAMES = Object.keys(BUILT_IN_LOADERS) as [BuiltInProtocolName, ...BuiltInProtocolName[]];

/** How a worker finds its protocol: a built-in by name, or a module of your own and its export. */
export type ProtocolRef =
  { readonly builtIn: BuiltInProtocolName } | { readonly module: string; readonly export: string };

/** Registers a protocol's offline skills in this thread (idempotent: a name maps to one skill). */
function registerSkills(protocol: SwarmProtocol): SwarmProtocol {
  for (const [name, skill] of protocol.offlineSkills ?? [])
    registerOfflineSkill(name, (prompt, request) => skill(prompt, request));
  return protocol;
}

/** Loads the protocol a ref names and registers its offline skills in this thread. */
export async function loadProtocol(ref: ProtocolRef): Promise<SwarmProtocol> {
  if ('builtIn' in ref) return registerSkills(await BUILT_IN_LOADERS[ref.builtIn]());
  const mod = await importModule(ref.module);
  const value = mod[ref.export];
  if (!isProtocol(value))
    throw new InvalidConfigError(
      `module ${ref.module} has no protocol export "${ref.export}" (an object with name, plan, readDigest, step, unfold, check, finalDigest and decide)`,
    );
  return registerSkills(value);
}

const HOOKS = ['plan', 'readDigest', 'step', 'unfold', 'check', 'finalDigest', 'decide'] as const;

function isProtocol(value: unknown): value is SwarmProtocol {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.name === 'string' && HOOKS.every((hook) => typeof record[hook] === 'function');
}
