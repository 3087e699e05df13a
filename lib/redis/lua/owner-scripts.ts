/**
 * Remembers a pod's owner in its namespace's owner cache (a HASH: pod → JSON with its expiry `x`, unix
 * seconds). The hash holds at most ARGV[4] pods: when it is full, expired entries are removed first, and
 * a pod that still finds no room is not cached (its owner is looked up again when it is next needed).
 * KEYS[1] the namespace's hash. ARGV[1] pod, ARGV[2] entry (JSON), ARGV[3] its TTL (s), ARGV[4] cap,
 * ARGV[5] now (s). Returns 1 when cached, 0 when the hash had no room.
 */
export const ownerRemember = `
local key, pod, ttl, cap, now = KEYS[1], ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('HEXISTS', key, pod) == 0 and redis.call('HLEN', key) >= cap then
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local ok, entry = pcall(cjson.decode, all[i + 1])
    if not ok or type(entry) ~= 'table' or type(entry.x) ~= 'number' or entry.x <= now then redis.call('HDEL', key, all[i]) end
  end
  if redis.call('HLEN', key) >= cap then return 0 end
end
redis.call('HSET', key, pod, ARGV[2])
if redis.call('TTL', key) < ttl then redis.call('EXPIRE', key, ttl) end
return 1
`;
