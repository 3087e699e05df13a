/**
 * Bits of a storm episode's membership filter and hash functions per token. 16 KiB less 16 bytes, so that
 * the string with Redis's header fits the allocator's 16 KiB size class (16 KiB exactly would take 20 KiB).
 */
export const stormBloomBits = (16_384 - 16) * 8;
export const stormBloomHashes = 5;

/**
 * Lua helpers for a storm episode: one HASH per storm key plus an HLL of resources beyond the cap and a
 * Bloom filter of member tokens. Fields:
 *   _s start (s; identifies the episode and names its request), _k the start of an adopted request's
 *   name (after Redis lost the storm), _l last new resource (s), _w last occurrence (s),
 *   _a alerts (firing deliveries absorbed), _m members (distinct firing alerts), _f members firing,
 *   _r members resolved, _n resources listed, _t trigger (1 rate, 2 resources, 3 truncated-payload),
 *   _p phase (lifecycle.ts stormPhases), _P the request start of the previous storm episode of the key
 *   whose Resolved is still to be shown (it ended, and a new storm began before the sweep wrote it), _E ended (1: every member resolved, or idle), _v version of the
 *   state the request's status should show, _W version last written, _A alertname, _N namespace,
 *   _V severity, _L<name> labels every alert shared, #<digest> one listed resource ("Kind/name" or
 *   "Kind/namespace/name").
 * Values stay short (≤ 64 bytes) so that a window of up to 128 fields keeps the compact listpack encoding.
 *
 * Membership: a member is one alert occurrence (signal digest, alert digest, startsAt). The filter holds a
 * firing token for each member seen firing in this storm episode and a resolved token for each alert
 * occurrence seen resolved (kept across the key's storm episodes while the filter lives), so a
 * re-sent member is recognised (absorbed, not a new member), a resolved member is counted once however
 * often it is re-sent, and a firing that arrives after its resolved is stale. Fixed size, whatever the
 * storm's size; its false-positive rate is measured by `npm run bench`.
 */
export const luaStormEpisode = `
local BLOOM_BITS, BLOOM_HASHES = ${stormBloomBits}, ${stormBloomHashes}
local function bloomPositions(token)
  local digest, positions = redis.sha1hex(token), {}
  for j = 1, BLOOM_HASHES do
    positions[j] = tonumber(string.sub(digest, 5 * j - 4, 5 * j), 16) % BLOOM_BITS
  end
  return positions
end
local function bloomHas(bloom, token)
  for _, position in ipairs(bloomPositions(token)) do
    if redis.call('GETBIT', bloom, position) == 0 then return false end
  end
  return true
end
local function bloomAdd(bloom, token)
  for _, position in ipairs(bloomPositions(token)) do redis.call('SETBIT', bloom, position, 1) end
end
-- A firing token belongs to one storm episode (its start): a late resolve of an earlier storm's member must
-- never count against the current one. A resolved token belongs to the alert occurrence alone: its late
-- firing copies are stale whichever storm episode is live.
local function firingToken(st, s) return 'f' .. st.start .. ':' .. s.digest .. ':' .. s.id .. ':' .. s.startsAt end
local function resolvedToken(s) return 'r' .. s.digest .. ':' .. s.id .. ':' .. s.startsAt end

local function stormRead(storm)
  if redis.call('EXISTS', storm) == 0 then return nil end
  local f = redis.call('HMGET', storm, '_p', '_E', '_v', '_W', '_s', '_l', '_w', '_f', '_k', '_P')
  return {phase = f[1], ended = f[2] == '1', version = tonumber(f[3]), written = tonumber(f[4]),
    start = tonumber(f[5]), lastNew = tonumber(f[6]), lastSeen = tonumber(f[7]), firing = tonumber(f[8]),
    requestStart = tonumber(f[9] or f[5]), previous = tonumber(f[10])}
end
-- The storm's request shows its end (Resolved): the record is only a tombstone now.
local function stormFinished(st) return st.ended and st.phase == PH_OPEN and st.written >= st.version and not st.previous end

-- When the sweep must next look at this storm episode (0: never again). Adding it on every step is
-- harmless (the due index moves an unclaimed entry only earlier) and a lost entry cannot stay lost.
local function stormDueAt(st, now, inactivity, maxWindow, statusInterval, idleSeconds)
  if not st or stormFinished(st) then return 0 end
  if st.previous or (st.ended and st.phase ~= PH_CREATING) then return now end
  if st.phase == PH_COLLECTING then return math.min(st.lastNew + inactivity, st.start + maxWindow) end
  if st.phase == PH_CREATING or st.written < st.version then return now + statusInterval end
  return st.lastSeen + idleSeconds
end
local function stormChanged(storm, now)
  redis.call('HINCRBY', storm, '_v', 1)
  redis.call('HSET', storm, '_w', now)
end

local function stormOpen(storm, overflow, bloom, st, now, trigger, metaJson, labelsJson)
  if st and (st.phase == PH_COLLECTING or st.phase == PH_CREATING) then
    -- Ended before its request existed: the same storm goes on (a create in progress writes the status
    -- it reads after the create, so nothing has shown the end).
    redis.call('HSET', storm, '_E', 0)
    return false
  end
  -- A request that was created for the ended storm must still be marked Resolved (a sweep may be writing
  -- it right now): the new storm episode carries it along, and never reopens it.
  local previous = nil
  if st and not stormFinished(st) then previous = st.previous or st.requestStart end
  -- The filter outlives storm episodes of the key (its resolved tokens are the tombstones of earlier ones).
  -- Allocated whole at once: grown bit by bit, Redis would double the string to 32 KiB.
  redis.call('DEL', storm, overflow)
  redis.call('SET', bloom, string.rep('\\0', BLOOM_BITS / 8), 'NX')
  local meta = cjson.decode(metaJson)
  redis.call('HSET', storm, '_s', now, '_l', now, '_w', now, '_a', 0, '_m', 0, '_f', 0, '_r', 0, '_n', 0,
    '_t', trigger, '_p', PH_COLLECTING, '_E', 0, '_v', 1, '_W', 0)
  if type(meta.alertname) == 'string' then redis.call('HSET', storm, '_A', meta.alertname) end
  if type(meta.namespace) == 'string' then redis.call('HSET', storm, '_N', meta.namespace) end
  if type(meta.severity) == 'string' then redis.call('HSET', storm, '_V', meta.severity) end
  for name, value in pairs(cjson.decode(labelsJson)) do redis.call('HSET', storm, '_L' .. name, value) end
  if previous then redis.call('HSET', storm, '_P', previous) end
  return true
end

-- Keeps only the common labels that this batch's alerts share too.
local function stormIntersectLabels(storm, labelsJson)
  local shared = cjson.decode(labelsJson)
  for _, field in ipairs(redis.call('HKEYS', storm)) do
    if string.sub(field, 1, 2) == '_L' and shared[string.sub(field, 3)] ~= redis.call('HGET', storm, field) then
      redis.call('HDEL', storm, field)
    end
  end
end

local function stormAddResource(storm, overflow, now, cap, digest, label)
  local field = '#' .. digest
  if redis.call('HEXISTS', storm, field) == 1 then return end
  local listed = tonumber(redis.call('HGET', storm, '_n'))
  if listed < cap then
    redis.call('HSET', storm, field, label, '_n', listed + 1, '_l', now)
  elseif redis.call('PFADD', overflow, field) == 1 then
    redis.call('HSET', storm, '_l', now)
  end
end

local function stormKeep(storm, overflow, bloom, ttl)
  for _, key in ipairs({storm, overflow, bloom}) do
    if redis.call('EXISTS', key) == 1 then redis.call('PEXPIRE', key, ttl) end
  end
end

-- Whether the storm takes this signal (read-only): a live storm takes every signal without an episode of
-- its own; an ended one only the copies of its own members.
local function stormTakes(bloom, st, s)
  if not st then return false end
  if not st.ended then return true end
  if bloomHas(bloom, resolvedToken(s)) then return true end
  return (not s.firing) and bloomHas(bloom, firingToken(st, s))
end

-- One signal into the storm: returns the outcome name.
local function stormObserve(storm, overflow, bloom, st, now, cap, s)
  local firing, resolved = firingToken(st, s), resolvedToken(s)
  if bloomHas(bloom, resolved) then return 'stale' end
  if s.firing then
    redis.call('HINCRBY', storm, '_a', 1)
    stormChanged(storm, now)
    if st.ended then
      -- Its last members resolved earlier in this same batch (nothing has shown the end yet): it goes on.
      redis.call('HSET', storm, '_E', 0)
      st.ended = false
    end
    if bloomHas(bloom, firing) then return 'absorbed' end
    bloomAdd(bloom, firing)
    redis.call('HINCRBY', storm, '_m', 1)
    redis.call('HINCRBY', storm, '_f', 1)
    stormAddResource(storm, overflow, now, cap, s.digest, s.label)
    return 'stormed'
  end
  bloomAdd(bloom, resolved)
  if not bloomHas(bloom, firing) then
    -- Resolved before its firing arrived (or a member of an earlier storm): the token is the tombstone.
    return 'tombstone'
  end
  redis.call('HINCRBY', storm, '_r', 1)
  local stillFiring = redis.call('HINCRBY', storm, '_f', -1)
  if stillFiring < 0 then redis.call('HSET', storm, '_f', 0) end
  stormChanged(storm, now)
  if stillFiring <= 0 and not st.ended then
    redis.call('HSET', storm, '_E', 1)
    st.ended = true
    return 'storm-resolved'
  end
  return 'storm-member-resolved'
end
`;
