/**
 * Every protocol delm ships, as objects to read or wrap. Importing this loads all three; a run
 * loads only the one it names (see `registry.ts`).
 */
import { protocol as basic } from './basic/protocol.js';
import { protocol as debug } from './debug/protocol.js';
import { protocol as delm } from './delm/protocol.js';
import type { SwarmProtocol } from './kit/protocol.js';
import type { BuiltInProtocolName } from './registry.js';

/** Every protocol delm ships, by the name `SwarmOptions.protocol` takes. */
export const BUILT_IN_PROTOCOLS = { delm, basic, debug } as const satisfies Record<BuiltInProtocolName, SwarmProtocol>;
