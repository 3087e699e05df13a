import { luaLifecycleConstants } from '../../domain/lifecycle.js';
import { luaEpisodeRecord } from '../episode-record.js';
import { luaStormEpisode } from './storm-episode.js';

const prelude = `
${luaLifecycleConstants()}
${luaEpisodeRecord}
${luaStormEpisode}
`;

/** Reply flags of one signal (4th element): a status write is due; no record existed (state may be lost). */
export const observeFlags = { statusWriteDue: 1, noRecord: 2 } as const;

/**
 * The dedup step for a batch of signals of ONE storm key (all KEYS share its hash tag): episodes, storm
 * detection and the storm episode, decided together and atomically. docs/LIFECYCLE.md is the prose of it.
 *
 * KEYS[1] detection ZSET (resource digest -> last seen), KEYS[2] storm episode HASH, KEYS[3] its overflow
 * HLL, KEYS[4] its membership filter, KEYS[5] marker of this batch (a Lambda retry of the same event does
 * not count again), KEYS[5+i] episode record of signal i.
 * ARGV[1] now (s), ARGV[2] idle TTL (ms), ARGV[3] closed-record TTL (ms), ARGV[4] HA window (s),
 * ARGV[5] storm threshold (distinct resources), ARGV[6] detection window (s), ARGV[7] hold (s, 0 = off),
 * ARGV[8] resource cap, ARGV[9] alerts Alertmanager truncated from this storm key's group, ARGV[10] storm
 * TTL (ms), ARGV[11] storm meta (JSON: alertname, namespace, severity), ARGV[12] labels every firing signal
 * of the batch shares (JSON), ARGV[13] batch-marker TTL (ms), ARGV[14] storm inactivity (s), ARGV[15] storm
 * maximum window (s), ARGV[16] status write interval (s); then per signal i at 16+6(i-1): 'f'|'r',
 * delivery hash, resource digest, resource label, alert digest (even uint32), startsAt (s).
 *
 * Returns {storm, outcomes}: storm = {dueAt, start} (dueAt 0: nothing to schedule); outcomes[i] =
 * {outcome, episodeStart, occurrences, flags}.
 */
export const episodeObserve = `
${prelude}
local now = tonumber(ARGV[1])
local idleTtl, closedTtl, haWindow = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local threshold, detection, hold = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local cap, truncated, stormTtl = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local inactivity, maxWindow, statusInterval = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
local DETECT, STORM, OVERFLOW, BLOOM, DONE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local count = #KEYS - 5
local function signal(i)
  local base = 16 + 6 * (i - 1)
  return {firing = ARGV[base + 1] == 'f', delivery = tonumber(ARGV[base + 2]), digest = ARGV[base + 3],
    label = ARGV[base + 4], id = tonumber(ARGV[base + 5]), startsAt = tonumber(ARGV[base + 6])}
end
local function recordKey(i) return KEYS[5 + i] end
local function reply(name, e, flags) if e then return {name, e.f, e.n, flags or 0} end return {name, 0, 0, flags or 0} end

-- A retry of a batch already applied: count nothing again; report the work each episode still needs,
-- from its state now (never the first attempt's decision): an open episode's request is made sure of and
-- its status written (the first attempt may have failed after the create), a resolved one is marked so.
local function retried(key)
  local e = decode(redis.call('GET', key))
  if not e then return reply('retried') end
  if e.state == ST_HELD then return reply('held', e) end
  -- A tombstone made without any record: its lost-state resolve may be what failed.
  if e.state == ST_ENDED and e.outcome == OC_TOMBSTONE and e.n == 0 then return reply('tombstone', e, 2) end
  if e.state == ST_OPEN or (e.state == ST_RESOLVED and not e.confirmed) then return reply('pending', e) end
  if e.state == ST_RESOLVED then return reply('closed', e) end
  return reply('retried', e)
end

-- Whether a record already knows this alert at this start or later (so the signal is an old copy).
local function knowsAsOfOrLater(e, s)
  local a = e and findAlert(e, s.id)
  return a ~= nil and (a.startsAt > s.startsAt or (a.startsAt == s.startsAt and not a.firing))
end
local function isLive(e) return e ~= nil and (e.state == ST_HELD or e.state == ST_OPEN) end
-- Withheld (dedup decided to make no request yet: EpisodeStore.withhold): unconfirmed with the dirty bit,
-- which only a confirmed episode uses otherwise.
local function isWithheld(e) return e.state == ST_OPEN and not e.confirmed and e.dirty end

-- A firing alert on a live episode: a repeat, an HA copy, another alert of the resource, or an old copy.
local function firingOnLive(key, e, s)
  local a = findAlert(e, s.id)
  if knowsAsOfOrLater(e, s) then return reply('stale', e) end
  local outcome = OC_REPEATED
  if a and a.startsAt == s.startsAt then
    if e.d == s.delivery and now - e.l < haWindow then outcome = OC_REDELIVERED end
  elseif a then
    a.startsAt = s.startsAt
    a.firing = true
  elseif #e.alerts < MAX_ALERTS then
    e.alerts[#e.alerts + 1] = {id = s.id, firing = true, startsAt = s.startsAt}
    outcome = OC_JOINED
  else
    -- Full: a resolved alert's entry makes room (the pods a rollout replaced, under owner fingerprints), so
    -- that the episode never closes while a firing alert goes untracked.
    for i, old in ipairs(e.alerts) do
      if not old.firing then
        e.alerts[i] = {id = s.id, firing = true, startsAt = s.startsAt}
        outcome = OC_JOINED
        break
      end
    end
  end
  local flags = 0
  if e.state == ST_OPEN and e.confirmed and not e.dirty then
    e.dirty = true
    flags = 1
  end
  e.n, e.l, e.d = e.n + 1, now, s.delivery
  -- A withheld episode keeps its reason (a deferred one must still be known as such when it resolves).
  if not isWithheld(e) then e.outcome = outcome end
  redis.call('SET', key, encode(e), 'PX', idleTtl)
  if e.state == ST_HELD then return reply('held', e, flags) end
  if not e.confirmed then return reply('pending', e, flags) end
  return reply(OUTCOME_NAME[outcome], e, flags)
end

-- A new episode, opened by this firing alert. Resolved alerts of a closed record stay as tombstones.
local function openEpisode(key, e, s, held)
  local start = s.startsAt
  -- Another alert of the resource starting in the same second as the closed episode: its own request name.
  if e and e.f == start then start = start + 1 end
  local alerts = {{id = s.id, firing = true, startsAt = s.startsAt}}
  if e then
    for _, a in ipairs(e.alerts) do
      if a.id ~= s.id and #alerts < MAX_ALERTS then alerts[#alerts + 1] = {id = a.id, firing = false, startsAt = a.startsAt} end
    end
  end
  local state, outcome = ST_OPEN, OC_OPENED
  if held then state, outcome = ST_HELD, OC_HELD end
  local fresh = {f = start, l = now, n = 1, d = s.delivery, state = state, outcome = outcome, dirty = false, confirmed = false, alerts = alerts}
  redis.call('SET', key, encode(fresh), 'PX', idleTtl)
  -- No record, or only a tombstone of a resolve that came first: Redis may have lost this fingerprint's
  -- state, so an open request of another of its episodes is worth adopting.
  local flags = 0
  if not e or (e.state == ST_ENDED and e.n == 0) then flags = 2 end
  return reply(OUTCOME_NAME[outcome], fresh, flags)
end

-- A resolved alert on an episode record (or on none: a tombstone).
local function resolvedOnEpisode(key, e, s)
  if not e then
    local tomb = {f = s.startsAt, l = now, n = 0, d = s.delivery, state = ST_ENDED, outcome = OC_TOMBSTONE, dirty = false, confirmed = false,
      alerts = {{id = s.id, firing = false, startsAt = s.startsAt}}}
    redis.call('SET', key, encode(tomb), 'PX', closedTtl)
    return reply('tombstone', tomb, 2)
  end
  if knowsAsOfOrLater(e, s) then return reply('stale', e) end
  local a = findAlert(e, s.id)
  if a then
    a.firing, a.startsAt = false, s.startsAt
  elseif #e.alerts < MAX_ALERTS then
    e.alerts[#e.alerts + 1] = {id = s.id, firing = false, startsAt = s.startsAt}
  end
  e.l, e.d = now, s.delivery
  if not isLive(e) or not a then
    -- Remembered so that its late firing creates nothing; the episode itself does not change.
    if isLive(e) then
      redis.call('SET', key, encode(e), 'KEEPTTL')
    else
      redis.call('SET', key, encode(e), 'PX', closedTtl)
    end
    return reply('tombstone', e)
  end
  if firingAlerts(e) > 0 then
    if not isWithheld(e) then e.outcome = OC_MEMBER_RESOLVED end
    redis.call('SET', key, encode(e), 'KEEPTTL')
    return reply('member-resolved', e)
  end
  local withheld = isWithheld(e)
  e.dirty = false
  if withheld then
    -- No request was made: there is nothing to mark. A deferred one came and went too fast (flapped).
    e.state = ST_ENDED
    local name = 'withheld-resolved'
    if e.outcome == OC_DEFERRED then e.outcome, name = OC_FLAPPED, 'flapped' end
    redis.call('SET', key, encode(e), 'PX', closedTtl)
    return reply(name, e)
  end
  if e.state == ST_HELD then
    -- Resolved during the hold: no request was promised, none is made.
    e.state, e.outcome = ST_ENDED, OC_ENDED_IN_HOLD
    redis.call('SET', key, encode(e), 'PX', closedTtl)
    return reply('ended-in-hold', e)
  end
  e.state, e.outcome = ST_RESOLVED, OC_CLOSED
  redis.call('SET', key, encode(e), 'PX', closedTtl)
  return reply('closed', e)
end

local idleSeconds = idleTtl / 1000
local function stormReply(st)
  if not st then return {0, 0} end
  return {stormDueAt(st, now, inactivity, maxWindow, statusInterval, idleSeconds), st.start}
end

if redis.call('EXISTS', DONE) == 1 then
  local out = {}
  for i = 1, count do out[i] = retried(recordKey(i)) end
  -- The first attempt may have failed before it scheduled the storm's due work.
  return {stormReply(stormRead(STORM)), out}
end

-- Pass 1, read-only: which signals the storm takes, and which firing ones are fresh (no episode, no storm).
local st = stormRead(STORM)
local route, fresh, freshResources, seen = {}, {}, 0, {}
for i = 1, count do
  local s = signal(i)
  local e = decode(redis.call('GET', recordKey(i)))
  if isLive(e) or knowsAsOfOrLater(e, s) then
    route[i] = 'episode'
  elseif stormTakes(BLOOM, st, s) then
    route[i] = 'storm'
  elseif s.firing then
    route[i] = 'fresh'
    fresh[#fresh + 1] = i
    if not seen[s.digest] then seen[s.digest], freshResources = true, freshResources + 1 end
  else
    route[i] = 'episode'
  end
end

-- Storm detection over the fresh signals: distinct resources of this storm key within the sliding window.
local trigger, recentBefore = 0, 0
if #fresh > 0 then
  redis.call('ZREMRANGEBYSCORE', DETECT, '-inf', now - detection)
  recentBefore = redis.call('ZCARD', DETECT)
  for _, i in ipairs(fresh) do redis.call('ZADD', DETECT, now, signal(i).digest) end
  if redis.call('ZCARD', DETECT) > threshold then trigger = 2 elseif truncated > 0 then trigger = 3 end
  if trigger > 0 then
    redis.call('DEL', DETECT)
  else
    redis.call('PEXPIRE', DETECT, detection * 1000)
  end
end

if trigger > 0 then
  stormOpen(STORM, OVERFLOW, BLOOM, st, now, trigger, ARGV[11], ARGV[12])
  st = stormRead(STORM)
  for _, i in ipairs(fresh) do route[i] = 'storm' end
end
local holdNew = hold > 0 and trigger == 0 and (recentBefore > 0 or freshResources > 1)

local out, stormFiring = {}, false
for i = 1, count do
  local s, key = signal(i), recordKey(i)
  -- Read again: the same fingerprint may occur twice in one notification.
  local e = decode(redis.call('GET', key))
  if route[i] == 'storm' then
    out[i] = {stormObserve(STORM, OVERFLOW, BLOOM, st, now, cap, s), st.start, 0, 0}
    if s.firing then stormFiring = true end
  elseif isLive(e) and s.firing then
    out[i] = firingOnLive(key, e, s)
  elseif s.firing and not knowsAsOfOrLater(e, s) then
    out[i] = openEpisode(key, e, s, holdNew)
  elseif s.firing then
    out[i] = reply('stale', e)
  else
    out[i] = resolvedOnEpisode(key, e, s)
  end
end

if st then
  if stormFiring then stormIntersectLabels(STORM, ARGV[12]) end
  st = stormRead(STORM)
  -- A finished storm keeps its tombstone TTL: unrelated batches of the key must not prolong it.
  if st and not stormFinished(st) then stormKeep(STORM, OVERFLOW, BLOOM, stormTtl) end
end
redis.call('SET', DONE, 1, 'PX', ARGV[13])
return {stormReply(st), out}
`;

/**
 * After the hold: each held episode joins the storm that formed meanwhile (its record goes, every alert
 * of it becomes a member: firing ones counted, resolved ones remembered), or is released to get its own
 * request. KEYS as for the dedup step (KEYS[1] and KEYS[5] unused). ARGV[1] now (s), ARGV[2] cap,
 * ARGV[3] storm TTL (ms), ARGV[4] status interval (s), ARGV[5] storm inactivity (s), ARGV[6] maximum
 * window (s), ARGV[7] idle TTL (s), then per signal i at 7+4(i-1): resource digest, resource label, alert
 * digest, startsAt (s).
 * Returns {storm, outcomes}: storm as for the dedup step; outcomes[i] = {outcome ('stormed' | 'released'
 * | 'gone'), episodeStart, occurrences}.
 */
export const episodeResolveHeld = `
${prelude}
local now, cap, stormTtl, statusInterval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local inactivity, maxWindow, idleSeconds = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local STORM, OVERFLOW, BLOOM = KEYS[2], KEYS[3], KEYS[4]
local st = stormRead(STORM)
local out = {}
for i = 6, #KEYS do
  local base = 7 + 4 * (i - 6)
  local digest, label = ARGV[base + 1], ARGV[base + 2]
  local e = decode(redis.call('GET', KEYS[i]))
  if not e or e.state == ST_ENDED or e.state == ST_RESOLVED then
    -- Resolved during the hold, or taken into the storm by a concurrent invocation: no request of its own.
    out[i - 5] = {'gone', 0, 0}
  elseif e.state ~= ST_HELD then
    -- Released by a concurrent invocation: completing its request is idempotent.
    out[i - 5] = {'released', e.f, e.n}
  elseif st and not st.ended then
    local firingAlertsSeen = 0
    for _, a in ipairs(e.alerts) do
      stormObserve(STORM, OVERFLOW, BLOOM, st, now, cap, {firing = a.firing, digest = digest, label = label, id = a.id, startsAt = a.startsAt})
      if a.firing then firingAlertsSeen = firingAlertsSeen + 1 end
    end
    if e.n > firingAlertsSeen then redis.call('HINCRBY', STORM, '_a', e.n - firingAlertsSeen) end
    redis.call('DEL', KEYS[i])
    out[i - 5] = {'stormed', st.start, e.n}
  else
    e.state, e.outcome = ST_OPEN, OC_PENDING
    redis.call('SET', KEYS[i], encode(e), 'KEEPTTL')
    out[i - 5] = {'released', e.f, e.n}
  end
end
st = stormRead(STORM)
if st and not stormFinished(st) then stormKeep(STORM, OVERFLOW, BLOOM, stormTtl) end
if not st then return {{0, 0}, out} end
return {{stormDueAt(st, now, inactivity, maxWindow, statusInterval, idleSeconds), st.start}, out}
`;

/**
 * Marks an episode's RemediationRequest as existing and reports the state its status must show.
 * KEYS[1] episode record. ARGV[1] the episode start the caller created, ARGV[2] the start of an existing
 * request it adopted instead (0: none), ARGV[3] 1 when the adopted request is already Resolved, ARGV[4]
 * closed-record TTL (ms).
 * Returns {state, episodeStart, occurrences, lastSeen}: state 'firing', 'resolved', 'superseded' (the
 * record is another episode's now: the created request must show Resolved), or 'reopened' (the adopted
 * request was Resolved, but a newer occurrence joined meanwhile: it is an episode of its own, starting at
 * the returned start, whose request is still to be made); {} when the record is gone.
 */
export const episodeConfirm = `
${prelude}
local e = decode(redis.call('GET', KEYS[1]))
if not e then return {} end
-- The record moved on to another episode while this one's request was created: this one is over.
if e.f ~= tonumber(ARGV[1]) then return {'superseded', tonumber(ARGV[1]), 0, 0} end
local adopted = tonumber(ARGV[2])
if adopted > 0 then e.f = adopted end
e.confirmed, e.dirty = true, false
-- A deferred episode whose resolve came late but showed it fired long enough got its request after all.
if e.outcome == OC_FLAPPED then e.state, e.outcome = ST_RESOLVED, OC_CLOSED end
if ARGV[3] == '1' and e.state ~= ST_RESOLVED then
  -- The request of this very episode is already Resolved: this firing was an old copy (state was lost).
  -- Its alerts are over, so further copies of them are stale too; but an alert that fired again later
  -- (a newer startsAt joined while this was confirmed) is a new occurrence, which must not be lost with them.
  local newer
  for _, a in ipairs(e.alerts) do
    if a.firing and a.startsAt > e.f then
      if newer == nil or a.startsAt < newer then newer = a.startsAt end
    else
      a.firing = false
    end
  end
  if newer then
    e.f, e.state, e.outcome, e.confirmed = newer, ST_OPEN, OC_OPENED, false
    redis.call('SET', KEYS[1], encode(e), 'KEEPTTL')
    return {'reopened', e.f, e.n, e.l}
  end
  e.state, e.outcome = ST_RESOLVED, OC_STALE
  redis.call('SET', KEYS[1], encode(e), 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], encode(e), 'KEEPTTL')
end
local state = 'firing'
if e.state == ST_RESOLVED or e.state == ST_ENDED then state = 'resolved' end
return {state, e.f, e.n, e.l}
`;

/**
 * After a status write: clears the dirty bit if nothing happened since the values that were written.
 * KEYS[1]: episode record. ARGV[1]: episode start written, ARGV[2]: occurrences written.
 * Returns 1 when clean, 0 when newer occurrences arrived (another write is due), -1 when the episode is gone.
 */
export const episodeStatusWritten = `
${prelude}
local e = decode(redis.call('GET', KEYS[1]))
if not e or e.f ~= tonumber(ARGV[1]) then return -1 end
if e.n ~= tonumber(ARGV[2]) then return 0 end
if e.dirty then
  e.dirty = false
  redis.call('SET', KEYS[1], encode(e), 'KEEPTTL')
end
return 1
`;

/**
 * Withholds an episode's request (lib/domain/remediation-gate.ts): marks the open, unconfirmed record as
 * withheld with the reason's outcome code, and keeps the signal for the sweep's next look.
 * KEYS[1] episode record, KEYS[2] the withheld signal's key. ARGV[1] episode start, ARGV[2] outcome code,
 * ARGV[3] the signal (JSON), ARGV[4] its TTL (ms).
 * Returns 'withheld'; 'ended' when the episode resolved before it could be withheld (nothing is owed; a
 * deferred one flapped); 'gone' when the record is another episode's, confirmed, or gone.
 */
export const episodeWithhold = `
${prelude}
local e = decode(redis.call('GET', KEYS[1]))
local code = tonumber(ARGV[2])
if not e or e.f ~= tonumber(ARGV[1]) or e.confirmed then return 'gone' end
if e.state == ST_OPEN then
  e.dirty, e.outcome = true, code
  redis.call('SET', KEYS[1], encode(e), 'KEEPTTL')
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return 'withheld'
end
if e.state == ST_RESOLVED then
  e.state, e.dirty = ST_ENDED, false
  if code == OC_DEFERRED then e.outcome = OC_FLAPPED else e.outcome = code end
  redis.call('SET', KEYS[1], encode(e), 'KEEPTTL')
  return 'ended'
end
return 'gone'
`;
