/**
 * The due index: ZSETs (one per bucket, each its own slot) of work with a due time in unix seconds:
 * deferred status writes and storm-window deadlines. The sweep claims due members with a lease, so that
 * two sweeps never do the same work and a sweep that crashes mid-way leaves the work to the next one.
 */

/** KEYS[1]: bucket. ARGV[1]: key TTL (ms), then score/member pairs. Adds members that are not there yet. */
export const dueAdd = `
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'NX', ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return (#ARGV - 1) / 2
`;

/**
 * KEYS[1]: bucket. ARGV[1]: now (s), ARGV[2]: lease (s), ARGV[3]: limit, ARGV[4]: key TTL (ms).
 * Returns the members due now and pushes each one's due time to now + lease (the claim).
 */
export const dueClaim = `
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], until_, member)
end
if #due > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return due
`;
