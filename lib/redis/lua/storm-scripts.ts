/**
 * Closing a storm window, in two atomic steps around the Kubernetes create, so that a sweep crashing in
 * between leaves a closing record the next sweep resumes (the request's name is deterministic).
 *
 * Close: KEYS[1] window, KEYS[2] overflow HLL, KEYS[3] closing record, KEYS[4] hot marker.
 * ARGV[1] now (s), ARGV[2] inactivity (s), ARGV[3] max length (s), ARGV[4] hot TTL (ms),
 * ARGV[5] closing-record TTL (ms). Returns {'none'} | {'not-due', dueAt} | {'closing', field, value, …}.
 */
export const stormClose = `
local WINDOW, OVERFLOW, CLOSING, HOT = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = tonumber(ARGV[1])
-- A finished record (kept readable for the decision receipt) is not a close in progress.
if redis.call('EXISTS', CLOSING) == 0 or redis.call('HEXISTS', CLOSING, '_f') == 1 then
  if redis.call('EXISTS', WINDOW) == 0 then return {'none'} end
  local start = tonumber(redis.call('HGET', WINDOW, '_s'))
  local lastNew = tonumber(redis.call('HGET', WINDOW, '_l'))
  local dueAt = math.min(lastNew + tonumber(ARGV[2]), start + tonumber(ARGV[3]))
  if now < dueAt then return {'not-due', dueAt} end
  local beyond = 0
  if redis.call('EXISTS', OVERFLOW) == 1 then
    beyond = redis.call('PFCOUNT', OVERFLOW)
    redis.call('DEL', OVERFLOW)
  end
  redis.call('RENAME', WINDOW, CLOSING)
  redis.call('HDEL', CLOSING, '_f')
  redis.call('HSET', CLOSING, '_e', now, '_x', beyond)
  redis.call('PEXPIRE', CLOSING, ARGV[5])
  -- Late alerts of this storm key open a follow-up window instead of individual requests.
  redis.call('SET', HOT, redis.call('HGET', CLOSING, '_t'), 'PX', ARGV[4])
end
local reply = {'closing'}
for _, item in ipairs(redis.call('HGETALL', CLOSING)) do reply[#reply + 1] = item end
return reply
`;

/**
 * Finish: the aggregated request exists. The closing record stays readable (which signals the storm took)
 * for as long as the storm key is hot, then expires. KEYS[1] closing record, KEYS[2] window.
 * ARGV[1] how long it stays (ms). Returns {start, lastNew} of a follow-up window opened meanwhile, or {}.
 */
export const stormFinish = `
redis.call('HSET', KEYS[1], '_f', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 0 then return {} end
return {tonumber(redis.call('HGET', KEYS[2], '_s')), tonumber(redis.call('HGET', KEYS[2], '_l'))}
`;
