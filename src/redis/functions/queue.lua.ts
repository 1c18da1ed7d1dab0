/**
 * The task queue's Redis Functions (Lua). Keys of a run, under the prefix `p` = `delm:{<runId>}:`:
 * `q:meta` (hash: limits, the id counter and counts by state, `waiters`, `closed`), `q:pending` (sorted
 * set by priority band then id), `q:leases` (sorted set by lease deadline), `q:t:<id>` (hash per task:
 * payload, priority, parent, maxAttempts, attempts, gen, state, agent, deadline, text) and `q:wake`
 * (the list idle claimers block on). A task's `gen` rises on every claim and on a lease's expiry: a
 * holder whose generation is not the task's, or whose task is no longer claimed, gets LEASE_LOST.
 */
export const QUEUE_LUA = String.raw`
local BAND = 4294967296

local function qkey(p, id) return p .. 'q:t:' .. id end

local function count(p, field, by) return redis.call('HINCRBY', p .. 'q:meta', field, by) end

-- Wakes up to n registered waiters (n = math.huge: all), never queueing more tokens than waiters.
local function wake(p, n)
  local waiters = tonumber(redis.call('HGET', p .. 'q:meta', 'waiters') or '0')
  if waiters <= 0 then return end
  local want = math.min(n, waiters - redis.call('LLEN', p .. 'q:wake'))
  for _ = 1, want do redis.call('RPUSH', p .. 'q:wake', '1') end
end

local function closed(p) return redis.call('HGET', p .. 'q:meta', 'closed') == '1' end

local function describe_loss(state, gen, held)
  if gen ~= held then return 'it expired and was claimed again' end
  if state == 'done' then return 'the task is already done' end
  if state == 'failed' then return 'the task has failed' end
  if state == 'pending' then return 'the task was released' end
  return 'its state changed'
end

-- Checks that (id, gen) holds the task's lease; returns the task's hash key or an error reply.
local function held(p, id, gen)
  local t = qkey(p, id)
  local s = redis.call('HMGET', t, 'state', 'gen')
  if not s[1] then return nil, redis.error_reply('NOT_FOUND no task with id ' .. id) end
  if s[1] ~= 'claimed' or tonumber(s[2]) ~= tonumber(gen) then
    return nil, redis.error_reply('LEASE_LOST ' .. id .. ' ' .. describe_loss(s[1], tonumber(s[2]), tonumber(gen)))
  end
  return t, nil
end

-- Ends a claimed task as done or failed with its text.
local function finish(p, id, t, state, text)
  redis.call('HSET', t, 'state', state, 'text', text)
  redis.call('ZREM', p .. 'q:leases', id)
  count(p, 'claimed', -1)
  count(p, state, 1)
  if count(p, 'open', -1) == 0 then wake(p, math.huge) end
end

local function to_pending(p, id, t)
  redis.call('HSET', t, 'state', 'pending')
  redis.call('ZREM', p .. 'q:leases', id)
  redis.call('ZADD', p .. 'q:pending', (3 - tonumber(redis.call('HGET', t, 'priority'))) * BAND + tonumber(id), id)
  count(p, 'claimed', -1)
  count(p, 'pending', 1)
  wake(p, 1)
end

-- Ends a claimed task's lease: back to pending (a new generation fences the old holder), or failed
-- when the task has used up its attempts.
local function expire(p, id)
  local t = qkey(p, id)
  redis.call('HINCRBY', t, 'gen', 1)
  local a = redis.call('HMGET', t, 'attempts', 'maxAttempts')
  if tonumber(a[1]) >= tonumber(a[2]) then
    finish(p, id, t, 'failed', 'lease expired on each of ' .. a[1] ..
      ' attempt(s); the agent holding it crashed or stalled')
  else
    to_pending(p, id, t)
  end
end

-- Leases whose deadline passed.
local function sweep(p, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'q:leases', '-inf', now, 'LIMIT', 0, 64)) do expire(p, id) end
end

-- Claims the first pending task (highest band, then lowest id); nil when none.
local function claim_one(p, agent, lease_ms, now)
  sweep(p, now)
  local top = redis.call('ZPOPMIN', p .. 'q:pending')
  if #top == 0 then return nil end
  local id = top[1]
  local t = qkey(p, id)
  local gen = redis.call('HINCRBY', t, 'gen', 1)
  local attempt = redis.call('HINCRBY', t, 'attempts', 1)
  local deadline = now + lease_ms
  redis.call('HSET', t, 'state', 'claimed', 'agent', agent, 'deadline', deadline)
  redis.call('ZADD', p .. 'q:leases', deadline, id)
  count(p, 'pending', -1)
  count(p, 'claimed', 1)
  local f = redis.call('HMGET', t, 'payload', 'priority', 'parent')
  return { 'lease', tonumber(id), gen, deadline, attempt, f[1], tonumber(f[2]), tonumber(f[3]) }
end

-- After a claim found nothing: 'closed', 'drained', or 'empty' with the next lease deadline (-1: none)
-- and the clock, having registered the caller as a waiter when asked to.
local function nothing(p, now, stop_when_drained, register)
  if stop_when_drained == '1' and tonumber(redis.call('HGET', p .. 'q:meta', 'open')) == 0 then
    return { 'drained', now }
  end
  if register == '1' then count(p, 'waiters', 1) end
  local next = redis.call('ZRANGE', p .. 'q:leases', 0, 0, 'WITHSCORES')
  return { 'empty', now, next[2] and tonumber(next[2]) or -1 }
end

local function meta_num(p, field) return tonumber(redis.call('HGET', p .. 'q:meta', field)) end

-- KEYS[1] prefix; ARGV leaseMs, maxAttempts, maxTasks, maxPayloadBytes, clock ('server' | 'manual')
local function q_init(keys, args)
  local p = keys[1]
  local m = p .. 'q:meta'
  if redis.call('EXISTS', m) == 0 then
    redis.call('HSET', m, 'leaseMs', args[1], 'maxAttempts', args[2], 'maxTasks', args[3],
      'maxPayloadBytes', args[4], 'next', 0, 'open', 0, 'pending', 0, 'claimed', 0, 'done', 0, 'failed', 0,
      'waiters', 0, 'closed', 0)
    if args[5] == 'manual' then redis.call('SET', p .. 'clock', 0, 'NX') end
  end
  local r = redis.call('HMGET', m, 'leaseMs', 'maxAttempts', 'maxTasks', 'maxPayloadBytes')
  return { tonumber(r[1]), tonumber(r[2]), tonumber(r[3]), tonumber(r[4]),
    redis.call('EXISTS', p .. 'clock') == 1 and 'manual' or 'server' }
end

-- ARGV payload, priority (0..3), maxAttempts ('' = the queue's), parentId
local function q_enqueue(keys, args)
  local p = keys[1]
  if closed(p) then return redis.error_reply('CLOSED task queue is closed') end
  local id = meta_num(p, 'next')
  local max_tasks = meta_num(p, 'maxTasks')
  if id >= max_tasks then return redis.error_reply('QUEUE_FULL ' .. (id + 1) .. ' ' .. max_tasks .. ' tasks') end
  local max_bytes = meta_num(p, 'maxPayloadBytes')
  if #args[1] > max_bytes then return redis.error_reply('QUEUE_FULL ' .. #args[1] .. ' ' .. max_bytes .. ' bytes') end
  local priority = tonumber(args[2])
  local max_attempts = args[3] ~= '' and args[3] or redis.call('HGET', p .. 'q:meta', 'maxAttempts')
  redis.call('HSET', p .. 'q:meta', 'next', id + 1)
  redis.call('HSET', qkey(p, id), 'payload', args[1], 'priority', priority, 'parent', args[4],
    'maxAttempts', max_attempts, 'attempts', 0, 'gen', 0, 'state', 'pending')
  redis.call('ZADD', p .. 'q:pending', (3 - priority) * BAND + id, id)
  count(p, 'open', 1)
  count(p, 'pending', 1)
  wake(p, 1)
  return id
end

-- ARGV agentId, leaseMs ('' = the queue's), wasWaiting, register, stopWhenDrained
local function q_claim(keys, args)
  local p = keys[1]
  if args[3] == '1' then count(p, 'waiters', -1) end
  local now = delm_now(p)
  if closed(p) then return { 'closed', now } end
  local lease_ms = args[2] ~= '' and tonumber(args[2]) or meta_num(p, 'leaseMs')
  return claim_one(p, args[1], lease_ms, now) or nothing(p, now, args[5], args[4])
end

-- A waiter that gives up without claiming again.
local function q_unwait(keys, _)
  count(keys[1], 'waiters', -1)
  return 'OK'
end

-- ARGV id, gen, leaseMs ('' = the queue's) → the new deadline
local function q_extend(keys, args)
  local p = keys[1]
  local t, err = held(p, args[1], args[2])
  if err then return err end
  local lease_ms = args[3] ~= '' and tonumber(args[3]) or meta_num(p, 'leaseMs')
  local deadline = math.max(tonumber(redis.call('HGET', t, 'deadline')), delm_now(p) + lease_ms)
  redis.call('HSET', t, 'deadline', deadline)
  redis.call('ZADD', p .. 'q:leases', deadline, args[1])
  return deadline
end

-- ARGV id, gen, how ('done' | 'failed' | 'retry' | 'release'), text, then optionally the next claim:
-- agentId ('' = none), leaseMs, stopWhenDrained. Returns 'OK' or the next claim's reply.
local function q_finish(keys, args)
  local p = keys[1]
  local id, how = args[1], args[3]
  local t, err = held(p, id, args[2])
  if err then return err end
  if how == 'done' then
    finish(p, id, t, 'done', args[4])
  elseif how == 'release' then
    redis.call('HINCRBY', t, 'attempts', -1)
    to_pending(p, id, t)
  elseif how == 'retry' and tonumber(redis.call('HGET', t, 'attempts')) < tonumber(redis.call('HGET', t, 'maxAttempts')) then
    to_pending(p, id, t)
  else
    finish(p, id, t, 'failed', args[4])
  end
  if not args[5] or args[5] == '' then return 'OK' end
  local now = delm_now(p)
  if closed(p) then return { 'closed', now } end
  local lease_ms = args[6] ~= '' and tonumber(args[6]) or meta_num(p, 'leaseMs')
  return claim_one(p, args[5], lease_ms, now) or nothing(p, now, args[7], '0')
end

-- ARGV id → state, payload, priority, parent, attempts, text
local function q_get(keys, args)
  local p = keys[1]
  local r = redis.call('HMGET', qkey(p, args[1]), 'state', 'payload', 'priority', 'parent', 'attempts', 'text')
  if not r[1] then return redis.error_reply('NOT_FOUND no task with id ' .. args[1]) end
  return { r[1], r[2], tonumber(r[3]), tonumber(r[4]), tonumber(r[5]), r[6] or false }
end

-- → total, pending, claimed, done, failed, open, closed
local function q_stats(keys, _)
  local r = redis.call('HMGET', keys[1] .. 'q:meta', 'next', 'pending', 'claimed', 'done', 'failed', 'open', 'closed')
  for i = 1, 7 do r[i] = tonumber(r[i]) end
  return r
end

local function q_close(keys, _)
  redis.call('HSET', keys[1] .. 'q:meta', 'closed', 1)
  wake(keys[1], math.huge)
  return 'OK'
end

-- ARGV agent ids of a process that left the run: their leases end now, as their deadlines would
-- end them (the attempt counts). → the ids of the tasks taken back
local function q_expire_agents(keys, args)
  local p = keys[1]
  local agents = {}
  for _, a in ipairs(args) do agents[a] = true end
  local taken = {}
  for _, id in ipairs(redis.call('ZRANGE', p .. 'q:leases', 0, -1)) do
    if agents[redis.call('HGET', qkey(p, id), 'agent')] then
      expire(p, id)
      taken[#taken + 1] = tonumber(id)
    end
  end
  return taken
end

-- Wakes every waiter of this queue (an aborted claimer in another process asks for it), as a no-op change.
local function q_wake_all(keys, _)
  wake(keys[1], math.huge)
  return 'OK'
end

redis.register_function(F .. 'q_init', q_init)
redis.register_function(F .. 'q_enqueue', q_enqueue)
redis.register_function(F .. 'q_claim', q_claim)
redis.register_function(F .. 'q_unwait', q_unwait)
redis.register_function(F .. 'q_extend', q_extend)
redis.register_function(F .. 'q_finish', q_finish)
redis.register_function{function_name = F .. 'q_get', callback = q_get, flags = { 'no-writes' }}
redis.register_function{function_name = F .. 'q_stats', callback = q_stats, flags = { 'no-writes' }}
redis.register_function(F .. 'q_close', q_close)
redis.register_function(F .. 'q_wake_all', q_wake_all)
redis.register_function(F .. 'q_expire_agents', q_expire_agents)
`;
