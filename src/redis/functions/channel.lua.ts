/**
 * The proposal channel's Redis Functions (Lua). Keys under the run prefix `p`: `p:stream` (proposals,
 * read by the consumer group `verifier`), `l:meta` (the ledger's writer epoch) and `r:meta` (the
 * `processed` counter the finalizer waits on; `swait` set while it waits, see r_settled) and `r:settle`
 * (a stream of one entry, added when the last proposal sent is processed while the finalizer waits). Only the current ledger writer may acknowledge a
 * proposal, and a proposal is counted processed exactly once: a verifier deposed while it held a
 * proposal (frozen, then thawed) can neither commit nor acknowledge it; its successor claims it.
 */
export const CHANNEL_LUA = String.raw`
-- ARGV epoch, id, count ('1': a proposal, counted; '0': the close marker) → 1 acknowledged now, 0 already was
local function p_done(keys, args)
  local p = keys[1]
  local writer = redis.call('HGET', p .. 'l:meta', 'writer')
  if writer ~= args[1] then
    return redis.error_reply('FENCED epoch ' .. args[1] .. ' is not the ledger writer (epoch ' .. tostring(writer) .. ' is)')
  end
  local stream = p .. 'p:stream'
  local acked = redis.call('XACK', stream, 'verifier', args[2])
  redis.call('XDEL', stream, args[2])
  if acked == 1 and args[3] == '1' then
    local m = p .. 'r:meta'
    local processed = redis.call('HINCRBY', m, 'processed', 1)
    -- A finalizer waits for this (r_settled): wake it.
    if redis.call('HGET', m, 'swait') and processed >= tonumber(redis.call('HGET', m, 'sent') or '0') then
      redis.call('HDEL', m, 'swait')
      redis.call('XADD', p .. 'r:settle', 'MAXLEN', '1', '*', 'w', '1')
    end
  end
  return acked
end

-- ARGV message → 'OK': adds a proposal and counts it sent, in one step (a repeated call adds it twice
-- and counts it twice, so the verifier's processed count still meets the sent count).
local function p_send(keys, args)
  local p = keys[1]
  redis.call('XADD', p .. 'p:stream', '*', 'm', args[1])
  redis.call('HINCRBY', p .. 'r:meta', 'sent', 1)
  return 'OK'
end

-- Closes the channel: sets the flag and, the first time only, adds the marker entry that wakes a
-- blocked verifier (a second closer's marker would outlive the verifier that drained the first).
local function p_close(keys, _)
  local p = keys[1]
  if redis.call('HSETNX', p .. 'r:meta', 'pclosed', '1') == 1 then
    redis.call('XADD', p .. 'p:stream', '*', 'c', '1')
  end
  return 'OK'
end

redis.register_function(F .. 'p_close', p_close)
redis.register_function(F .. 'p_send', p_send)
redis.register_function(F .. 'p_done', p_done)
`;
