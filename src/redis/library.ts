/**
 * delm's one Redis Functions library: the queue's, the ledger's, the budget's, the rate limiter's, the run coordination's, the proposal channel's, the run membership's and the event stream's functions (Lua) with a shared
 * header, versioned by name (`delm_v<N>`, every function prefixed `delm_v<N>_`, so two versions can
 * be loaded side by side during an upgrade) and fingerprinted by content: a client loads it with
 * `FUNCTION LOAD REPLACE` when the server has no library of that version or a different text.
 */
import { createHash } from 'node:crypto';
import { BUDGET_LUA } from './functions/budget.lua.js';
import { CHANNEL_LUA } from './functions/channel.lua.js';
import { EVENTS_LUA } from './functions/events.lua.js';
import { LEDGER_LUA } from './functions/ledger.lua.js';
import { QUEUE_LUA } from './functions/queue.lua.js';
import { MEMBERS_LUA } from './functions/members.lua.js';
import { RUN_LUA } from './functions/run.lua.js';
import type { RedisClient } from './client.js';

/** Version of the library's function signatures and key layout; bump on any incompatible change. */
export const LIBRARY_VERSION = 3;
/** Prefix of every function name of this version. */
export const FN = `delm_v${LIBRARY_VERSION}_`;

const HEADER = String.raw`
local F = '${FN}'

-- ms on the run's clock: a test's manual clock when the run has one, else the server's (TIME), so
-- every process of a run reads one time and no machine's clock skew moves a deadline.
local function delm_now(p)
  local manual = redis.call('GET', p .. 'clock')
  if manual then return tonumber(manual) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

const BODY = HEADER + QUEUE_LUA + LEDGER_LUA + BUDGET_LUA + RUN_LUA + CHANNEL_LUA + MEMBERS_LUA + EVENTS_LUA;
/** Content fingerprint of the library's body. */
export const LIBRARY_FINGERPRINT = createHash('sha1').update(BODY).digest('hex');

/** The library's source, as FUNCTION LOAD takes it. */
export const LIBRARY_SOURCE = `#!lua name=delm_v${LIBRARY_VERSION}
${BODY}
redis.register_function{function_name = F .. 'fingerprint', callback = function() return '${LIBRARY_FINGERPRINT}' end, flags = { 'no-writes' }}
`;

const loaded = new WeakSet<object>();

/**
 * Makes sure the server runs this exact library (once per client), loading or replacing it if not;
 * `recheck` checks again a client that was checked (the server said a function is missing: it restarted
 * without its data, or someone flushed its functions).
 */
export async function ensureLibrary(client: RedisClient, recheck = false): Promise<void> {
  if (loaded.has(client) && !recheck) return;
  let current: unknown;
  try {
    current = await client.sendCommand(['FCALL_RO', `${FN}fingerprint`, '0']);
  } catch {
    current = undefined; // no such function: not loaded yet
  }
  if (current !== LIBRARY_FINGERPRINT) await client.sendCommand(['FUNCTION', 'LOAD', 'REPLACE', LIBRARY_SOURCE]);
  loaded.add(client);
}
