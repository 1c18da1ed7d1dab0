/**
 * A run's event stream on Redis (Lua): many events appended in one call, in order, each its own
 * stream entry (`t` its type, `d` its JSON) in `e:stream`, capped with `MAXLEN ~`.
 */
export const EVENTS_LUA = String.raw`
-- ARGV maxEvents, then type and JSON of each event → the stream ids of the events, in order
local function e_add(keys, args)
  local key = keys[1] .. 'e:stream'
  local ids = {}
  for i = 2, #args - 1, 2 do
    ids[#ids + 1] = redis.call('XADD', key, 'MAXLEN', '~', args[1], '*', 't', args[i], 'd', args[i + 1])
  end
  return ids
end

redis.register_function(F .. 'e_add', e_add)
`;
