/**
 * A run's coordination on Redis (Lua): the finalizer election, the run's phase and stop reason, and
 * the proposal counters the finalizer waits on — what `RunControl` keeps in shared memory on one
 * machine. Keys under the run prefix `p`: `r:meta` (hash: `phase` 0 running, 1 finalizing, 2 finished,
 * 3 stopped; `round`; `finalizer` agent id or 0; `stop` reason or ''; `sent`, `processed`; `agents`
 * the last agent id handed out; `memberTtl` the expiry of its members' keys, ms; `keep` how long a finished or stopped run's keys are kept, ms) and
 * `r:config` (the run's settings as JSON, written once), `r:settle` (see r_settled), `r:wake` (a stream of one entry, added at every
 * change of phase an agent waiting for the finalizer's decision may wait for: waiters block in XREAD
 * on it from the id `r_elect` handed them, so every one wakes at once). A finished or stopped run's keys get that
 * expiry from each process leaving it (`r_expire`); a running run's keys never expire, and a stopped run
 * that `delm resume` picks up has its expiry removed (`r_persist`).
 */
export const RUN_LUA = String.raw`
local function rmeta(p) return p .. 'r:meta' end

local function rget(m, field) return tonumber(redis.call('HGET', m, field) or '0') end

-- The last entry id of stream k, or '0-0'.
local function last_id(k)
  local last = redis.call('XREVRANGE', k, '+', '-', 'COUNT', 1)[1]
  return last and last[1] or '0-0'
end

-- Wakes every agent blocked waiting for the finalizer's decision (see r_elect).
local function rwake(p) redis.call('XADD', p .. 'r:wake', 'MAXLEN', '1', '*', 'w', '1') end

-- ARGV config JSON, keepMs, memberTtlMs (each written only when the run has none) → 'OK'
local function r_init(keys, args)
  local p = keys[1]
  redis.call('SET', p .. 'r:config', args[1], 'NX')
  redis.call('HSETNX', rmeta(p), 'phase', 0)
  redis.call('HSETNX', rmeta(p), 'keep', args[2])
  redis.call('HSETNX', rmeta(p), 'memberTtl', args[3])
  return 'OK'
end

-- Every key of run p: the fixed ones, each task's hash, each open budget reservation. (Member keys
-- and settled-reservation markers expire on their own.) A new kind of run key must be added here.
local FIXED = { 'r:meta', 'r:config', 'r:wake', 'r:settle', 'q:meta', 'q:pending', 'q:leases', 'q:wake', 'l:meta', 'l:stream',
  'l:hashes', 'p:stream', 'b:meta', 'b:res', 'rl', 'clock', 'm:index', 'r:usage', 'e:stream' }
local function run_keys(p)
  local out = {}
  for _, k in ipairs(FIXED) do out[#out + 1] = p .. k end
  local tasks = tonumber(redis.call('HGET', p .. 'q:meta', 'next') or '0')
  for id = 0, tasks - 1 do out[#out + 1] = p .. 'q:t:' .. id end
  for _, rid in ipairs(redis.call('ZRANGE', p .. 'b:res', 0, -1)) do out[#out + 1] = p .. 'b:r:' .. rid end
  return out
end

-- A finished or stopped run's keys expire after the run's 'keep' ms → keys given the expiry (0 while
-- the run goes on: a running run's keys never expire).
local function r_expire(keys, _)
  local p = keys[1]
  local m = rmeta(p)
  local phase = rget(m, 'phase')
  if phase ~= 2 and phase ~= 3 then return 0 end
  local keep = rget(m, 'keep')
  if keep <= 0 then return 0 end
  local n = 0
  for _, k in ipairs(run_keys(p)) do n = n + redis.call('PEXPIRE', k, keep) end
  return n
end

-- The run goes on again ('delm resume' of a stopped run): its keys no longer expire → keys persisted.
local function r_persist(keys, _)
  local n = 0
  for _, k in ipairs(run_keys(keys[1])) do n = n + redis.call('PERSIST', k) end
  return n
end

-- ARGV agentId → { 'exit' } | { 'claim' } | { 'wait', wakeId } | { 'finalize', round }. The drain check
-- and the election are one step, so exactly one agent finalizes each drain (the queue's open count is
-- 0). A waiter blocks on r:wake after wakeId (the last entry now): the next change of phase wakes it.
local function r_elect(keys, args)
  local p = keys[1]
  local m = rmeta(p)
  local phase = rget(m, 'phase')
  if phase == 2 or phase == 3 then return { 'exit' } end
  if phase == 1 then
    -- A repeated call of the elected agent (its first reply lost with the connection) is elected again.
    if redis.call('HGET', m, 'finalizer') == args[1] then return { 'finalize', rget(m, 'round') } end
    return { 'wait', last_id(p .. 'r:wake') }
  end
  if tonumber(redis.call('HGET', p .. 'q:meta', 'open') or '0') > 0 then return { 'claim' } end
  redis.call('HSET', m, 'phase', 1, 'finalizer', args[1])
  return { 'finalize', redis.call('HINCRBY', m, 'round', 1) }
end

-- ARGV to, from: moves the phase only from 'from'; finishing or resuming clears the finalizer.
local function r_phase(keys, args)
  local m = rmeta(keys[1])
  if rget(m, 'phase') ~= tonumber(args[2]) then return 0 end
  redis.call('HSET', m, 'phase', args[1], 'finalizer', 0)
  rwake(keys[1])
  return 1
end

-- ARGV reason: the first reason wins; a finished run stays finished.
local function r_stop(keys, args)
  local m = rmeta(keys[1])
  if (redis.call('HGET', m, 'stop') or '') == '' then redis.call('HSET', m, 'stop', args[1]) end
  if rget(m, 'phase') ~= 2 then
    redis.call('HSET', m, 'phase', 3)
    rwake(keys[1])
  end
  return 'OK'
end

-- ARGV agentId ('' = whoever): reopens the election if that agent died while finalizing → 1 or 0
local function r_release(keys, args)
  local m = rmeta(keys[1])
  if rget(m, 'phase') ~= 1 then return 0 end
  if args[1] ~= '' and redis.call('HGET', m, 'finalizer') ~= args[1] then return 0 end
  redis.call('HSET', m, 'phase', 0, 'finalizer', 0)
  rwake(keys[1])
  return 1
end

-- → { 1 } when every proposal sent so far is processed, or the run stopped; else { 0, wakeId,
-- settleId }: the caller blocks on r:wake (a change of phase) and r:settle (p_done wakes it once the
-- last proposal sent is processed: 'swait' asks it to) after those ids.
local function r_settled(keys, _)
  local p = keys[1]
  local m = rmeta(p)
  local r = redis.call('HMGET', m, 'phase', 'sent', 'processed')
  if tonumber(r[1] or '0') == 3 or tonumber(r[3] or '0') >= tonumber(r[2] or '0') then return { 1 } end
  redis.call('HSET', m, 'swait', 1)
  return { 0, last_id(p .. 'r:wake'), last_id(p .. 'r:settle') }
end

-- → phase, round, finalizer, stop, sent, processed, agents
local function r_state(keys, _)
  local r = redis.call('HMGET', rmeta(keys[1]), 'phase', 'round', 'finalizer', 'stop', 'sent', 'processed', 'agents')
  return { tonumber(r[1] or '0'), tonumber(r[2] or '0'), tonumber(r[3] or '0'), r[4] or '',
    tonumber(r[5] or '0'), tonumber(r[6] or '0'), tonumber(r[7] or '0') }
end

-- ARGV n → the first of n fresh agent ids (ids are unique across every process of the run)
local function r_agents(keys, args)
  return redis.call('HINCRBY', rmeta(keys[1]), 'agents', args[1]) - tonumber(args[1]) + 1
end

-- A process that picks a run up counts every proposal still in the stream as sent and not processed
-- (a process that died between counting a proposal and adding it would otherwise be waited for), and
-- reopens the proposal channel its predecessor may have closed (removing its close marker).
local function r_recount(keys, _)
  local p = keys[1]
  local m = rmeta(p)
  local stream = p .. 'p:stream'
  local waiting = 0
  for _, e in ipairs(redis.call('XRANGE', stream, '-', '+')) do
    if e[2][1] == 'c' then
      redis.call('XACK', stream, 'verifier', e[1])
      redis.call('XDEL', stream, e[1])
    else
      waiting = waiting + 1
    end
  end
  redis.call('HSET', m, 'sent', rget(m, 'processed') + waiting)
  redis.call('HDEL', m, 'pclosed')
  return 'OK'
end

redis.register_function(F .. 'r_init', r_init)
redis.register_function(F .. 'r_elect', r_elect)
redis.register_function(F .. 'r_phase', r_phase)
redis.register_function(F .. 'r_stop', r_stop)
redis.register_function(F .. 'r_release', r_release)
redis.register_function(F .. 'r_settled', r_settled)
redis.register_function{function_name = F .. 'r_state', callback = r_state, flags = { 'no-writes' }}
redis.register_function(F .. 'r_agents', r_agents)
redis.register_function(F .. 'r_recount', r_recount)
redis.register_function(F .. 'r_expire', r_expire)
redis.register_function(F .. 'r_persist', r_persist)
`;
