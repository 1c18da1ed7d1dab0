/**
 * The ledger's Redis Functions (Lua). Keys under the run prefix `p`: `l:meta` (hash: limits, count,
 * bytes, and the writer lease: `epoch` last issued, `writer` the current one, `holder`, `deadline`,
 * `leaseMs`), `l:stream` (entry n is stream id `n-1`, so readers address entries by number; field `w` is the
 * epoch of the writer that appended it) and
 * `l:hashes` (SHA-1 of kind and text → entry id, refusing duplicates). Only the current epoch may
 * append: a deposed writer gets FENCED, even if it wakes up long after it lost the lease.
 */
export const LEDGER_LUA = String.raw`
local function lmeta(p) return p .. 'l:meta' end

-- ARGV maxEntries, maxBytes → maxEntries, maxBytes, count
local function l_init(keys, args)
  local m = lmeta(keys[1])
  if redis.call('EXISTS', m) == 0 then
    redis.call('HSET', m, 'maxEntries', args[1], 'maxBytes', args[2], 'count', 0, 'bytes', 0, 'epoch', 0,
      'writer', 0, 'holder', '', 'deadline', 0, 'leaseMs', 0)
  end
  local r = redis.call('HMGET', m, 'maxEntries', 'maxBytes', 'count')
  return { tonumber(r[1]), tonumber(r[2]), tonumber(r[3]) }
end

-- ARGV holder, leaseMs → { epoch, deadline } or, while another holder's lease is live, { 0, holder, deadline }
local function l_acquire(keys, args)
  local p = keys[1]
  local m = lmeta(p)
  local now = delm_now(p)
  local w = redis.call('HMGET', m, 'writer', 'holder', 'deadline')
  if w[1] ~= '0' and tonumber(w[3]) > now and w[2] ~= args[1] then
    return { 0, w[2], tonumber(w[3]) }
  end
  -- A run whose proposal channel is closed and drained has nothing left to write: its last holder
  -- resigned as it ended, and a standby that saw the channel open a moment before gets no new epoch.
  -- Picking the run up (r_recount) reopens the channel first.
  if redis.call('HGET', p .. 'r:meta', 'pclosed') == '1' and redis.call('XLEN', p .. 'p:stream') == 0 then
    return { 0, w[2], tonumber(w[3]) }
  end
  local epoch = redis.call('HINCRBY', m, 'epoch', 1)
  local deadline = now + tonumber(args[2])
  redis.call('HSET', m, 'writer', epoch, 'holder', args[1], 'deadline', deadline, 'leaseMs', args[2])
  return { epoch, deadline }
end

local function fenced(m, epoch)
  local writer = redis.call('HGET', m, 'writer')
  if writer ~= epoch then
    return redis.error_reply('FENCED epoch ' .. epoch .. ' is not the ledger writer (epoch ' .. writer .. ' is)')
  end
  return nil
end

-- ARGV epoch → the new deadline
local function l_renew(keys, args)
  local p = keys[1]
  local m = lmeta(p)
  local err = fenced(m, args[1])
  if err then return err end
  local deadline = delm_now(p) + tonumber(redis.call('HGET', m, 'leaseMs'))
  redis.call('HSET', m, 'deadline', deadline)
  return deadline
end

-- ARGV epoch: gives the lease up so a standby need not wait for it to expire.
local function l_resign(keys, args)
  local m = lmeta(keys[1])
  if redis.call('HGET', m, 'writer') == args[1] then redis.call('HSET', m, 'writer', 0, 'deadline', 0) end
  return 'OK'
end

-- ARGV epoch, kind, level, text, taskId, authorId, parentId, tokenCount, expiresAt, meta, timestamp ('' = now), hash
-- → { id, timestamp }
local function l_append(keys, args)
  local p = keys[1]
  local m = lmeta(p)
  local err = fenced(m, args[1])
  if err then return err end
  local kind, text, meta = args[2], args[4], args[10]
  local sha = redis.sha1hex(kind .. '\n' .. text)
  local existing = redis.call('HGET', p .. 'l:hashes', sha)
  if existing then return redis.error_reply('DUPLICATE ' .. existing) end
  local r = redis.call('HMGET', m, 'count', 'maxEntries', 'bytes', 'maxBytes', 'leaseMs')
  local id, bytes = tonumber(r[1]), tonumber(r[3]) + #text + #meta
  if id + 1 > tonumber(r[2]) then return redis.error_reply('LEDGER_FULL ' .. (id + 1) .. ' ' .. r[2] .. ' entries') end
  if bytes > tonumber(r[4]) then return redis.error_reply('LEDGER_FULL ' .. bytes .. ' ' .. r[4] .. ' bytes') end
  local parent = tonumber(args[7])
  if parent >= id then
    return redis.error_reply('NOT_FOUND no ledger entry ' .. parent .. ' (' .. id .. ' published)')
  end
  local now = delm_now(p)
  local ts = args[11] ~= '' and args[11] or tostring(now)
  redis.call('XADD', p .. 'l:stream', id .. '-1', 'k', kind, 'l', args[3], 'x', text, 't', args[5], 'a', args[6],
    'p', args[7], 'n', args[8], 'e', args[9], 'h', args[12], 'ts', ts, 'm', meta, 'w', args[1])
  redis.call('HSET', p .. 'l:hashes', sha, id)
  -- An append is proof of life: it renews the writer's lease.
  redis.call('HSET', m, 'count', id + 1, 'bytes', bytes, 'deadline', now + tonumber(r[5]))
  return { id, tonumber(ts) }
end

-- → count, bytes, writer epoch, holder, deadline
local function l_stats(keys, _)
  local r = redis.call('HMGET', lmeta(keys[1]), 'count', 'bytes', 'writer', 'holder', 'deadline')
  return { tonumber(r[1]), tonumber(r[2]), tonumber(r[3]), r[4], tonumber(r[5]) }
end

redis.register_function(F .. 'l_init', l_init)
redis.register_function(F .. 'l_acquire', l_acquire)
redis.register_function(F .. 'l_renew', l_renew)
redis.register_function(F .. 'l_resign', l_resign)
redis.register_function(F .. 'l_append', l_append)
redis.register_function{function_name = F .. 'l_stats', callback = l_stats, flags = { 'no-writes' }}
`;
