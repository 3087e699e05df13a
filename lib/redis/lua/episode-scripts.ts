import { luaEpisodeRecord } from '../episode-record.js';

/**
 * Episode step for a batch of signals of one storm key (all KEYS share its hash tag).
 * KEYS[i]: episode record of signal i.
 * ARGV[1] now (unix s), ARGV[2] idle TTL (ms), ARGV[3] closed-record TTL (ms), ARGV[4] HA window (s),
 * then per signal i: ARGV[3+2i] 'f' firing | 'r' resolved, ARGV[4+2i] delivery hash (0-255).
 * Returns per key {outcome, episodeStart, occurrences, scheduleStatus}: scheduleStatus is 1 when this
 * occurrence made the request's status stale (the first since its last status write).
 */
export const episodeObserve = `
${luaEpisodeRecord}
local now = tonumber(ARGV[1])
local idleTtl = ARGV[2]
local closedTtl = ARGV[3]
local haWindow = tonumber(ARGV[4])
local out = {}
for i, key in ipairs(KEYS) do
  local firing = ARGV[3 + 2 * i] == 'f'
  local delivery = tonumber(ARGV[4 + 2 * i])
  local e = decode(redis.call('GET', key))
  local open = e and e.state ~= 3
  if firing and not open then
    local start = now
    -- A new episode starting in the same second as the closed one still needs its own request name.
    if e and e.f >= now then start = e.f + 1 end
    redis.call('SET', key, encode({f = start, l = now, n = 1, d = delivery, state = 1, outcome = 1, dirty = false}), 'PX', idleTtl)
    out[i] = {'opened', start, 1, 0}
  elseif firing then
    local outcome = 3
    if e.state == 1 then
      outcome = 2
    elseif e.d == delivery and now - e.l < haWindow then
      outcome = 4
    end
    local schedule = 0
    if e.state == 2 and not e.dirty then
      e.dirty = true
      schedule = 1
    end
    e.n = e.n + 1
    e.l = now
    e.d = delivery
    e.outcome = outcome
    redis.call('SET', key, encode(e), 'PX', idleTtl)
    local names = {'opened', 'pending', 'repeated', 'redelivered'}
    out[i] = {names[outcome], e.f, e.n, schedule}
  elseif open then
    e.state = 3
    e.outcome = 5
    e.dirty = false
    e.l = now
    e.d = delivery
    redis.call('SET', key, encode(e), 'PX', closedTtl)
    out[i] = {'closed', e.f, e.n, 0}
  else
    out[i] = {'unmatched', 0, 0, 0}
  end
end
return out
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
