/**
 * GCRA rate budget on one key holding the theoretical arrival time (µs, Redis clock, so that skewed
 * Lambda clocks do not matter). KEYS[1]: budget key. ARGV[1]: emission interval per unit (µs),
 * ARGV[2]: burst tolerance (µs), ARGV[3]: cost in units. Returns {1, 0} when allowed, {0, retryAfterMs}.
 */
export const rateBudgetTake = `
pcall(redis.replicate_commands)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newTat = tat + tonumber(ARGV[1]) * tonumber(ARGV[3])
local allowAt = newTat - tonumber(ARGV[2])
if allowAt > now then
  return {0, math.ceil((allowAt - now) / 1000)}
end
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1)
return {1, 0}
`;
