/**
 * The run budget's and the rate limiter's Redis Functions (Lua). Budget keys under the run prefix
 * `p`: `b:meta` (hash: limit and committed and used per resource — tokens, cost, calls), `b:res`
 * (sorted set of open reservations by expiry), `b:r:<id>` (a reservation's amounts) and `b:s:<id>` (a
 * settled reservation, kept 10 minutes so a repeated settle counts once). A reservation
 * that is neither settled nor cancelled before it expires (its process died) goes back to the pool at
 * the next reserve. Rate limiter: `rl` (hash: per-minute rates, burst window and the GCRA theoretical
 * arrival time of each, in µs of the server clock).
 */
export const BUDGET_LUA = String.raw`
local RES = { 'tokens', 'cost', 'calls' }

local function now_us(p)
  local manual = redis.call('GET', p .. 'clock')
  if manual then return tonumber(manual) * 1000 end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- ARGV limit per resource ('' = unlimited) → 'OK'
local function b_init(keys, args)
  local m = keys[1] .. 'b:meta'
  if redis.call('EXISTS', m) == 0 then
    for i, r in ipairs(RES) do
      redis.call('HSET', m, r .. ':limit', args[i] == '' and -1 or args[i], r .. ':committed', 0, r .. ':used', 0)
    end
  end
  return 'OK'
end

local function release_expired(p, now)
  local m = p .. 'b:meta'
  for _, rid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'b:res', '-inf', now, 'LIMIT', 0, 64)) do
    local held = redis.call('HMGET', p .. 'b:r:' .. rid, unpack(RES))
    -- 0 - n, not -n: -(0) formats as "-0", which HINCRBY refuses.
    for i, r in ipairs(RES) do redis.call('HINCRBY', m, r .. ':committed', 0 - (tonumber(held[i]) or 0)) end
    redis.call('DEL', p .. 'b:r:' .. rid)
    redis.call('ZREM', p .. 'b:res', rid)
  end
end

-- ARGV reservationId, tokens, cost, calls, ttlMs → { 1 } or { 0, resource, limit, committed }
local function b_reserve(keys, args)
  local p = keys[1]
  local m = p .. 'b:meta'
  -- A repeated call (its reply lost with the connection) finds its reservation made: nothing more to do.
  if redis.call('EXISTS', p .. 'b:r:' .. args[1]) == 1 then return { 1 } end
  local now = delm_now(p)
  release_expired(p, now)
  for i, r in ipairs(RES) do
    local n = tonumber(args[i + 1])
    local v = redis.call('HMGET', m, r .. ':limit', r .. ':committed')
    local limit, committed = tonumber(v[1]), tonumber(v[2])
    if n > 0 and limit >= 0 and committed + n > limit then return { 0, r, limit, committed } end
  end
  for i, r in ipairs(RES) do
    redis.call('HINCRBY', m, r .. ':committed', args[i + 1])
    redis.call('HSET', p .. 'b:r:' .. args[1], r, args[i + 1])
  end
  redis.call('ZADD', p .. 'b:res', now + tonumber(args[5]), args[1])
  return { 1 }
end

-- ARGV reservationId, then the actual tokens, cost, calls (or 'cancel') → 1, or 0 when the reservation
-- had expired and been returned already (the actual use is still counted).
local function b_settle(keys, args)
  local p = keys[1]
  local m = p .. 'b:meta'
  local rkey = p .. 'b:r:' .. args[1]
  -- Settled already (a repeated call whose first reply was lost): counted once.
  local settled = p .. 'b:s:' .. args[1]
  if redis.call('EXISTS', settled) == 1 then return 0 end
  local held = redis.call('HMGET', rkey, unpack(RES))
  local open = held[1] and 1 or 0
  for i, r in ipairs(RES) do
    local h = tonumber(held[i]) or 0
    local actual = args[2] == 'cancel' and 0 or tonumber(args[i + 1])
    redis.call('HINCRBY', m, r .. ':committed', actual - h)
    if actual > 0 then redis.call('HINCRBY', m, r .. ':used', actual) end
  end
  redis.call('DEL', rkey)
  redis.call('ZREM', p .. 'b:res', args[1])
  redis.call('SET', settled, 1, 'PX', 600000)
  return open
end

-- → per resource: limit, committed, used
local function b_snapshot(keys, _)
  local m = keys[1] .. 'b:meta'
  local out = {}
  for _, r in ipairs(RES) do
    local v = redis.call('HMGET', m, r .. ':limit', r .. ':committed', r .. ':used')
    for j = 1, 3 do out[#out + 1] = tonumber(v[j]) end
  end
  return out
end

-- ARGV requestsPerMinute, tokensPerMinute (0 = unlimited), burstWindowMs
local function rl_init(keys, args)
  local k = keys[1] .. 'rl'
  if redis.call('EXISTS', k) == 0 then
    redis.call('HSET', k, 'rpm', args[1], 'tpm', args[2], 'tau', tonumber(args[3]) * 1000, 'tat_req', 0, 'tat_tok', 0)
  end
  return 'OK'
end

-- GCRA: the next theoretical arrival time when n units are admitted now, or nil and the µs to wait.
local function gcra(rate, tau, tat, n, now)
  if rate == 0 or n == 0 then return tat, 0 end
  local cost = math.ceil(n * 60000000 / rate)
  local start = math.max(tat, now)
  if cost > tau then
    if tat > now then return nil, tat - now end -- oversized: only into a full bucket
  elseif start + cost - now > tau then
    return nil, start + cost - now - tau
  end
  return start + cost, 0
end

-- ARGV tokens → 0 when admitted under both rates (together or not at all), else ms to wait
local function rl_acquire(keys, args)
  local p = keys[1]
  local k = p .. 'rl'
  local v = redis.call('HMGET', k, 'rpm', 'tpm', 'tau', 'tat_req', 'tat_tok')
  local now = now_us(p)
  local tau = tonumber(v[3])
  local req, wait_req = gcra(tonumber(v[1]), tau, tonumber(v[4]), 1, now)
  local tok, wait_tok = gcra(tonumber(v[2]), tau, tonumber(v[5]), tonumber(args[1]), now)
  if not req or not tok then return math.ceil(math.max(wait_req, wait_tok) / 1000) end
  redis.call('HSET', k, 'tat_req', string.format('%.0f', req), 'tat_tok', string.format('%.0f', tok))
  return 0
end

redis.register_function(F .. 'b_init', b_init)
redis.register_function(F .. 'b_reserve', b_reserve)
redis.register_function(F .. 'b_settle', b_settle)
redis.register_function{function_name = F .. 'b_snapshot', callback = b_snapshot, flags = { 'no-writes' }}
redis.register_function(F .. 'rl_init', rl_init)
redis.register_function(F .. 'rl_acquire', rl_acquire)
`;
