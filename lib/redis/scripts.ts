import type { Cluster, Redis, Result } from 'ioredis';

/**
 * Lua scripts: every read-decide-write on shared state is one script, so concurrent invocations and HA
 * duplicate deliveries serialize inside Redis. All KEYS of one call share a hash tag (one cluster slot).
 */

/**
 * Episode step for a batch of signals of one storm key.
 * KEYS[i]: episode hash of signal i. ARGV[1]: now (ms), ARGV[2]: idle TTL (ms), ARGV[2+i]: 'f' firing | 'r' resolved.
 * Episode hash fields: s state ('r' reserved, request not yet confirmed | 'c' request created),
 * n occurrence count, f first seen (ms, identifies the episode), l last seen (ms).
 * Returns one {outcome, episodeStartMs, occurrenceCount} per key.
 */
const episodeObserve = `
local now = ARGV[1]
local ttl = tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local state = redis.call('HGET', key, 's')
  if ARGV[2 + i] == 'f' then
    if not state then
      redis.call('HSET', key, 's', 'r', 'n', 1, 'f', now, 'l', now)
      redis.call('PEXPIRE', key, ttl)
      out[i] = {'opened', now, 1}
    else
      local n = redis.call('HINCRBY', key, 'n', 1)
      redis.call('HSET', key, 'l', now)
      redis.call('PEXPIRE', key, ttl)
      local outcome = 'repeated'
      if state == 'r' then outcome = 'pending' end
      out[i] = {outcome, redis.call('HGET', key, 'f'), n}
    end
  elseif not state then
    out[i] = {'unmatched', '0', 0}
  else
    local fields = redis.call('HMGET', key, 'f', 'n')
    redis.call('DEL', key)
    out[i] = {'closed', fields[1], tonumber(fields[2])}
  end
end
return out
`;

/**
 * Marks episodes whose RemediationRequest now exists. Only the same episode is marked: if it was closed
 * (and maybe reopened) meanwhile, the first-seen stamp differs and nothing changes.
 * KEYS[i]: episode hash. ARGV[i]: the episode's first-seen stamp.
 */
const episodeConfirm = `
for i, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'f') == ARGV[i] then
    redis.call('HSET', key, 's', 'c')
  end
end
return #KEYS
`;

export const scripts = {
  sgEpisodeObserve: episodeObserve,
  sgEpisodeConfirm: episodeConfirm,
} as const;

type ScriptName = keyof typeof scripts;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sgEpisodeObserve(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    sgEpisodeConfirm(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
  }
}

/** Registers every script on a client; ioredis runs them with EVALSHA and reloads on NOSCRIPT. */
export function defineScripts(client: Redis | Cluster): void {
  for (const name of Object.keys(scripts) as ScriptName[]) {
    client.defineCommand(name, { lua: scripts[name] });
  }
}
