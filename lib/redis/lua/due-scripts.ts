/**
 * The due index: ZSETs (one per bucket, each its own slot) of work with a due time in unix seconds:
 * deferred status writes and storm episodes' deadlines. The sweep claims due members with a lease (their
 * score becomes the lease's end plus half a second: due times are whole seconds, so a claimed entry is
 * recognisable), so that two sweeps never do the same work and a sweep that crashes mid-way leaves the
 * work to the next one. Dedup replaces a claimed entry's score with its own due time, and otherwise only
 * moves entries earlier; the sweep then finds the score changed and leaves the entry for the next round
 * instead of dropping work that arrived while it held the claim.
 */

/** KEYS[1]: bucket. ARGV[1]: key TTL (ms), then score/member pairs. Adds members, moves them earlier, or takes a claimed one back. */
export const dueAdd = `
for i = 2, #ARGV, 2 do
  local current = redis.call('ZSCORE', KEYS[1], ARGV[i + 1])
  if not current or tonumber(current) % 1 ~= 0 or tonumber(ARGV[i]) < tonumber(current) then
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  end
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
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[2]) + 0.5
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], until_, member)
end
if #due > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return due
`;

/**
 * Finishes a claimed member: KEYS[1] bucket, ARGV[1] member, ARGV[2] the claim's score, ARGV[3] the next
 * due time (absent: remove). Only while the score is still the claim's: when dedup moved it meanwhile,
 * that newer work stays due. Returns 1 when applied, 0 when left alone.
 */
export const dueFinish = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
`;
