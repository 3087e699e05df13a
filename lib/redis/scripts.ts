import type { Cluster, Redis, Result } from 'ioredis';

/**
 * Lua scripts: every read-decide-write on shared state is one script, so concurrent invocations and HA
 * duplicate deliveries serialize inside Redis. All KEYS of one call share a hash tag (one cluster slot).
 */

/**
 * Episode step for a batch of signals of one storm key.
 * KEYS[i]: episode hash of signal i.
 * ARGV[1] now (ms), ARGV[2] idle TTL (ms), ARGV[3] TTL of a closed episode's record (ms), ARGV[4] HA
 * redelivery window (ms), then per signal i: ARGV[3+2i] 'f' firing | 'r' resolved, ARGV[4+2i] delivery key.
 * Episode hash fields: s state ('r' reserved, request not yet confirmed | 'c' request created | 'x' closed),
 * n occurrence count, f first seen (ms, identifies the episode), l last seen (ms), d last delivery key,
 * o last outcome code (for the decision receipt).
 * Returns one {outcome, episodeStartMs, occurrenceCount} per key.
 */
const episodeObserve = `
pcall(redis.replicate_commands)
local now = tonumber(ARGV[1])
local idleTtl = ARGV[2]
local closedTtl = ARGV[3]
local haWindow = tonumber(ARGV[4])
local codes = {opened = 'o', pending = 'p', repeated = 'd', redelivered = 'h', closed = 'c'}
local out = {}
for i, key in ipairs(KEYS) do
  local firing = ARGV[3 + 2 * i] == 'f'
  local delivery = ARGV[4 + 2 * i]
  local e = redis.call('HMGET', key, 's', 'n', 'f', 'l', 'd')
  local open = e[1] == 'r' or e[1] == 'c'
  if firing and not open then
    redis.call('HSET', key, 's', 'r', 'n', 1, 'f', now, 'l', now, 'd', delivery, 'o', codes.opened)
    redis.call('PEXPIRE', key, idleTtl)
    out[i] = {'opened', now, 1}
  elseif firing then
    local n = tonumber(e[2]) + 1
    local outcome = 'repeated'
    if e[1] == 'r' then
      outcome = 'pending'
    elseif e[5] == delivery and now - tonumber(e[4]) < haWindow then
      outcome = 'redelivered'
    end
    redis.call('HSET', key, 'n', n, 'l', now, 'd', delivery, 'o', codes[outcome])
    redis.call('PEXPIRE', key, idleTtl)
    out[i] = {outcome, e[3], n}
  elseif open then
    redis.call('HSET', key, 's', 'x', 'l', now, 'd', delivery, 'o', codes.closed)
    redis.call('PEXPIRE', key, closedTtl)
    out[i] = {'closed', e[3], tonumber(e[2])}
  else
    out[i] = {'unmatched', e[3] or '0', tonumber(e[2] or '0')}
  end
end
return out
`;

/**
 * Marks episodes whose RemediationRequest now exists. Only the same, still reserved episode is marked:
 * if it was closed (and maybe reopened) meanwhile, the state or first-seen stamp differs and nothing changes.
 * KEYS[i]: episode hash. ARGV[i]: the episode's first-seen stamp.
 */
const episodeConfirm = `
for i, key in ipairs(KEYS) do
  local e = redis.call('HMGET', key, 's', 'f')
  if e[1] == 'r' and e[2] == ARGV[i] then
    redis.call('HSET', key, 's', 'c')
  end
end
return #KEYS
`;

/**
 * GCRA rate budget on one key holding the theoretical arrival time (µs, Redis clock, so that skewed
 * Lambda clocks do not matter). KEYS[1]: budget key. ARGV[1]: emission interval per unit (µs),
 * ARGV[2]: burst tolerance (µs), ARGV[3]: cost in units. Returns {1, 0} when allowed, {0, retryAfterMs}.
 */
const rateBudgetTake = `
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

export const scripts = {
  sgEpisodeObserve: episodeObserve,
  sgEpisodeConfirm: episodeConfirm,
  sgRateBudgetTake: rateBudgetTake,
} as const;

type ScriptName = keyof typeof scripts;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sgEpisodeObserve(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    sgEpisodeConfirm(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    sgRateBudgetTake(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
  }
}

/** Registers every script on a client; ioredis runs them with EVALSHA and reloads on NOSCRIPT. */
export function defineScripts(client: Redis | Cluster): void {
  for (const name of Object.keys(scripts) as ScriptName[]) {
    client.defineCommand(name, { lua: scripts[name] });
  }
}
