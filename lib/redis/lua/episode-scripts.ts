import { luaEpisodeRecord } from '../episode-record.js';
import { luaStormWindow } from './storm-window.js';

/**
 * The dedup step for a batch of signals of ONE storm key (all KEYS share its hash tag): episode records,
 * storm detection, storm windows and the hold, decided together and atomically.
 *
 * KEYS[1] detection ZSET (member digest -> last seen), KEYS[2] window HASH, KEYS[3] window overflow HLL,
 * KEYS[4] hot marker (a storm just closed; its value is the trigger), KEYS[5] idempotency record of this
 * batch (a Lambda retry of the same event replays the stored reply instead of counting again),
 * KEYS[5+i] episode record of signal i.
 * ARGV[1] now (s), ARGV[2] idle TTL (ms), ARGV[3] closed-record TTL (ms), ARGV[4] HA window (s),
 * ARGV[5] storm threshold (distinct resources), ARGV[6] detection window (s), ARGV[7] hold (s, 0 = off),
 * ARGV[8] resource cap, ARGV[9] truncated alerts in the notification, ARGV[10] window TTL (ms),
 * ARGV[11] window meta (JSON: alertname, namespace, severity), ARGV[12] labels every signal of the batch
 * shares (JSON), ARGV[13] idempotency TTL (ms), then per signal i at 13+4(i-1): 'f'|'r', delivery hash,
 * member digest, resource label.
 *
 * The window's layout is in storm-window.ts.
 *
 * Returns {window, outcomes}: window = {opened (0|1), start, lastNew} or {0, 0, 0} without a window;
 * outcomes[i] = {outcome, episodeStart, occurrences, scheduleStatus}.
 */
export const episodeObserve = `
${luaEpisodeRecord}
${luaStormWindow}
local now = tonumber(ARGV[1])
local idleTtl, closedTtl, haWindow = ARGV[2], ARGV[3], tonumber(ARGV[4])
local threshold, detection, hold = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local cap, truncated, windowTtl = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
local DETECT, WINDOW, OVERFLOW, HOT, DONE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local count = #KEYS - 5
local function arg(i, k) return ARGV[13 + 4 * (i - 1) + k] end
local function record(i) return KEYS[5 + i] end

-- Already done: this is a retry of the same batch. Replay, do not count again.
local replay = redis.call('GET', DONE)
if replay then return cjson.decode(replay) end

local fresh, freshResources, seen = {}, 0, {}
for i = 1, count do
  local e = decode(redis.call('GET', record(i)))
  if arg(i, 1) == 'f' and not (e and e.state ~= 3) then
    fresh[#fresh + 1] = i
    if not seen[arg(i, 3)] then seen[arg(i, 3)], freshResources = true, freshResources + 1 end
  end
end

-- Storm detection: distinct resources of this storm key within the sliding window.
local windowOpen = redis.call('EXISTS', WINDOW) == 1
local trigger = tonumber(redis.call('GET', HOT) or '0')
local joinStorm = windowOpen or trigger > 0
local recentBefore = 0
if #fresh > 0 and not joinStorm then
  redis.call('ZREMRANGEBYSCORE', DETECT, '-inf', now - detection)
  recentBefore = redis.call('ZCARD', DETECT)
  for _, i in ipairs(fresh) do redis.call('ZADD', DETECT, now, arg(i, 3)) end
  if redis.call('ZCARD', DETECT) > threshold then trigger = 2 elseif truncated > 0 then trigger = 3 end
  if trigger > 0 then
    joinStorm = true
    redis.call('DEL', DETECT)
  else
    redis.call('PEXPIRE', DETECT, detection * 1000)
  end
end

local windowOpened = 0
if joinStorm and #fresh > 0 then
  if windowOpen then
    intersectLabels(WINDOW, ARGV[12])
  else
    openWindow(WINDOW, now, trigger, ARGV[11], ARGV[12])
    redis.call('DEL', HOT)
    windowOpened, windowOpen = 1, true
  end
end
local holdNew = hold > 0 and not joinStorm and (recentBefore > 0 or freshResources > 1)

local out = {}
for i = 1, count do
  -- Read again: the same fingerprint may occur twice in one notification.
  local key = record(i)
  local e = decode(redis.call('GET', key))
  local firing, delivery = arg(i, 1) == 'f', tonumber(arg(i, 2))
  local isFresh = firing and not (e and e.state ~= 3)
  if isFresh and joinStorm then
    addResource(WINDOW, OVERFLOW, now, cap, arg(i, 3), arg(i, 4))
    redis.call('HINCRBY', WINDOW, '_a', 1)
    out[i] = {'stormed', tonumber(redis.call('HGET', WINDOW, '_s')), 0, 0}
  elseif isFresh then
    local start = now
    -- A new episode starting in the same second as the closed one still needs its own request name.
    if e and e.f >= now then start = e.f + 1 end
    local state, outcome, name = 1, 1, 'opened'
    if holdNew then state, outcome, name = 0, 6, 'held' end
    redis.call('SET', key, encode({f = start, l = now, n = 1, d = delivery, state = state, outcome = outcome, dirty = false}), 'PX', idleTtl)
    out[i] = {name, start, 1, 0}
  elseif firing then
    local outcome, name = 3, 'repeated'
    if e.state == 0 then
      outcome, name = 6, 'held'
    elseif e.state == 1 then
      outcome, name = 2, 'pending'
    elseif e.d == delivery and now - e.l < haWindow then
      outcome, name = 4, 'redelivered'
    end
    local schedule = 0
    if e.state == 2 and not e.dirty then
      e.dirty = true
      schedule = 1
    end
    e.n, e.l, e.d, e.outcome = e.n + 1, now, delivery, outcome
    redis.call('SET', key, encode(e), 'PX', idleTtl)
    out[i] = {name, e.f, e.n, schedule}
  elseif e and e.state ~= 3 then
    e.state, e.outcome, e.dirty, e.l, e.d = 3, 5, false, now, delivery
    redis.call('SET', key, encode(e), 'PX', closedTtl)
    out[i] = {'closed', e.f, e.n, 0}
  else
    out[i] = {'unmatched', 0, 0, 0}
  end
end
if windowOpen then keepWindow(WINDOW, OVERFLOW, windowTtl) end
local window = {0, 0, 0}
if windowOpen then window = {windowOpened, tonumber(redis.call('HGET', WINDOW, '_s')), tonumber(redis.call('HGET', WINDOW, '_l'))} end
redis.call('SET', DONE, cjson.encode({window, out}), 'PX', ARGV[13])
return {window, out}
`;

/**
 * After the hold: each held episode either joins the storm that formed meanwhile (its record goes, the
 * window counts its occurrences) or is released to get its own request (reserved). A storm that closed
 * meanwhile (hot) gets a follow-up window. KEYS as for the episode step (KEYS[5] unused). ARGV[1] now (s), ARGV[2] cap,
 * ARGV[3] window TTL (ms), ARGV[4] window meta, ARGV[5] common labels (JSON), then per signal i at
 * 5+2(i-1): member digest, resource label.
 * Returns {window, outcomes}: window as for the episode step; outcomes[i] = {outcome ('stormed' |
 * 'released' | 'gone'), episodeStart, occurrences}.
 */
export const episodeResolveHeld = `
${luaEpisodeRecord}
${luaStormWindow}
local now, cap, windowTtl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local WINDOW, OVERFLOW, HOT = KEYS[2], KEYS[3], KEYS[4]
local windowOpen = redis.call('EXISTS', WINDOW) == 1
local windowOpened = 0
local out = {}
for i = 6, #KEYS do
  local e = decode(redis.call('GET', KEYS[i]))
  local digest, label = ARGV[6 + 2 * (i - 6)], ARGV[7 + 2 * (i - 6)]
  if not e then
    out[i - 5] = {'gone', 0, 0}
  elseif e.state ~= 0 then
    -- Released by a concurrent invocation: completing its request is idempotent.
    out[i - 5] = {'released', e.f, e.n}
  elseif windowOpen or redis.call('EXISTS', HOT) == 1 then
    if not windowOpen then
      openWindow(WINDOW, now, tonumber(redis.call('GET', HOT)), ARGV[4], ARGV[5])
      redis.call('DEL', HOT)
      windowOpen, windowOpened = true, 1
    end
    addResource(WINDOW, OVERFLOW, now, cap, digest, label)
    redis.call('HINCRBY', WINDOW, '_a', e.n)
    redis.call('DEL', KEYS[i])
    out[i - 5] = {'stormed', tonumber(redis.call('HGET', WINDOW, '_s')), e.n}
  else
    e.state = 1
    redis.call('SET', KEYS[i], encode(e), 'KEEPTTL')
    out[i - 5] = {'released', e.f, e.n}
  end
end
local window = {0, 0, 0}
if windowOpen then
  keepWindow(WINDOW, OVERFLOW, windowTtl)
  window = {windowOpened, tonumber(redis.call('HGET', WINDOW, '_s')), tonumber(redis.call('HGET', WINDOW, '_l'))}
end
return {window, out}
`;

/**
 * Marks episodes whose RemediationRequest now exists. Only the same, still reserved episode is marked.
 * KEYS[i]: episode record. ARGV[i]: the episode's start.
 */
export const episodeConfirm = `
${luaEpisodeRecord}
for i, key in ipairs(KEYS) do
  local e = decode(redis.call('GET', key))
  if e and e.state == 1 and e.f == tonumber(ARGV[i]) then
    e.state = 2
    redis.call('SET', key, encode(e), 'KEEPTTL')
  end
end
return #KEYS
`;

/**
 * After a status write: clears the dirty bit if nothing happened since the values that were written.
 * KEYS[1]: episode record. ARGV[1]: episode start written, ARGV[2]: occurrences written.
 * Returns 1 when clean, 0 when newer occurrences arrived (another write is due), -1 when the episode is gone.
 */
export const episodeStatusWritten = `
${luaEpisodeRecord}
local e = decode(redis.call('GET', KEYS[1]))
if not e or e.f ~= tonumber(ARGV[1]) then return -1 end
if e.n ~= tonumber(ARGV[2]) then return 0 end
if e.dirty then
  e.dirty = false
  redis.call('SET', KEYS[1], encode(e), 'KEEPTTL')
end
return 1
`;
