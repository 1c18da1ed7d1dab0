/**
 * Membership of a run (Lua). Keys under the run prefix `p`: `m:<member id>` (the member's JSON, with
 * an expiry its process refreshes), `m:index` (set of member ids) and `r:usage` (hash: member id → the
 * usage of its model calls so far, as JSON; kept after the member is gone, so the run's usage is the
 * sum over every process that ever took part). A member that stops refreshing (its process died) is
 * gone when its key expires; listing drops its id from the index.
 */
export const MEMBERS_LUA = String.raw`
-- ARGV id, json, ttlMs, usage JSON ('' = none) → 'OK': (re)writes the member's key with its expiry,
-- indexes it, and records its usage so far.
local function m_beat(keys, args)
  local p = keys[1]
  redis.call('SET', p .. 'm:' .. args[1], args[2], 'PX', args[3])
  redis.call('SADD', p .. 'm:index', args[1])
  if args[4] ~= '' then redis.call('HSET', p .. 'r:usage', args[1], args[4]) end
  return 'OK'
end

-- ARGV id, usage JSON ('' = none) → 'OK': a clean exit removes the member at once (its final usage stays).
local function m_leave(keys, args)
  local p = keys[1]
  redis.call('DEL', p .. 'm:' .. args[1])
  redis.call('SREM', p .. 'm:index', args[1])
  if args[2] ~= '' then redis.call('HSET', p .. 'r:usage', args[1], args[2]) end
  return 'OK'
end

-- → the usage JSON of every process that took part in the run
local function m_usage(keys, _)
  return redis.call('HVALS', keys[1] .. 'r:usage')
end

-- → the JSON of every live member; ids whose key expired leave the index.
local function m_list(keys, _)
  local p = keys[1]
  local out = {}
  for _, id in ipairs(redis.call('SMEMBERS', p .. 'm:index')) do
    local v = redis.call('GET', p .. 'm:' .. id)
    if v then out[#out + 1] = v else redis.call('SREM', p .. 'm:index', id) end
  end
  return out
end

redis.register_function(F .. 'm_beat', m_beat)
redis.register_function(F .. 'm_leave', m_leave)
redis.register_function(F .. 'm_list', m_list)
redis.register_function{function_name = F .. 'm_usage', callback = m_usage, flags = { 'no-writes' }}
`;
