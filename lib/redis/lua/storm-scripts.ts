import { luaLifecycleConstants } from '../../domain/lifecycle.js';
import { luaStormEpisode } from './storm-episode.js';

const prelude = `
${luaLifecycleConstants()}
${luaStormEpisode}
local function snapshot(kind, storm, overflow)
  local reply = {kind, 0}
  for _, item in ipairs(redis.call('HGETALL', storm)) do reply[#reply + 1] = item end
  reply[#reply + 1] = '_X'
  reply[#reply + 1] = redis.call('PFCOUNT', overflow)
  return reply
end
`;

/**
 * The sweep's step on a storm episode's due entry. KEYS[1] storm HASH, KEYS[2] overflow HLL, KEYS[3]
 * membership filter. ARGV[1] now (s), ARGV[2] inactivity (s), ARGV[3] maximum window (s), ARGV[4] idle
 * TTL (s). Returns {kind, previous, …}: previous is the request start of an earlier storm episode whose
 * Resolved is still to be shown (0: none); kind 'none' (nothing left to do) | 'not-due', dueAt |
 * 'create', field, value, … (the window closed: create the aggregated request; resumable, the name is
 * deterministic) | 'write', field, value, … (the request's status is behind the storm's state).
 */
export const stormDue = `
${prelude}
local STORM, OVERFLOW = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local st = stormRead(STORM)
if not st then return {'none', 0} end
local function answer(kind, dueAt)
  if dueAt then return {kind, st.previous or 0, dueAt} end
  if kind == 'none' then return {kind, st.previous or 0} end
  local reply = snapshot(kind, STORM, OVERFLOW)
  reply[2] = st.previous or 0
  return reply
end
if st.phase == PH_COLLECTING then
  local dueAt = math.min(st.lastNew + tonumber(ARGV[2]), st.start + tonumber(ARGV[3]))
  if now < dueAt and not st.ended then return answer('not-due', dueAt) end
  redis.call('HSET', STORM, '_p', PH_CREATING)
  return answer('create')
end
if st.phase == PH_CREATING then return answer('create') end
local idleUntil = st.lastSeen + tonumber(ARGV[4])
if not st.ended and now >= idleUntil then
  -- No occurrence for the idle TTL: Alertmanager would have repeated a firing alert by now.
  redis.call('HSET', STORM, '_E', 1)
  redis.call('HINCRBY', STORM, '_v', 1)
  st = stormRead(STORM)
end
if st.written < st.version then return answer('write') end
if st.ended then return answer('none') end
return answer('not-due', idleUntil)
`;

/** The previous storm episode's request shows Resolved. KEYS[1] storm HASH. ARGV[1] its request start. */
export const stormPreviousShown = `
if redis.call('HGET', KEYS[1], '_P') == ARGV[1] then redis.call('HDEL', KEYS[1], '_P') end
return 1
`;

/**
 * The aggregated request exists (created, or an open one of the storm key adopted after lost state).
 * KEYS[1] storm HASH, KEYS[2] overflow HLL. ARGV[1] the start the sweep created it for, ARGV[2] the start
 * of an adopted request (0: none). Returns the snapshot its status must show, or {} for another episode.
 */
export const stormCreated = `
${prelude}
local STORM, OVERFLOW = KEYS[1], KEYS[2]
local st = stormRead(STORM)
if not st or st.start ~= tonumber(ARGV[1]) then return {} end
redis.call('HSET', STORM, '_p', PH_OPEN)
-- The adopted request keeps its name; the episode keeps its start (its members' tokens carry it).
if tonumber(ARGV[2]) > 0 then redis.call('HSET', STORM, '_k', ARGV[2]) end
return snapshot('write', STORM, OVERFLOW)
`;

/**
 * After a status write of version ARGV[2] for the episode started at ARGV[1]. KEYS as for stormDue.
 * ARGV[3] closed-record TTL (ms), ARGV[4] idle TTL (s), ARGV[5] status interval (s), ARGV[6] now (s).
 * Returns {'done'} (ended and shown: the record stays as a tombstone for the closed TTL), {'again', dueAt}
 * (changed meanwhile) or {'idle', dueAt} (shown; check for idleness then).
 */
export const stormStatusWritten = `
${prelude}
local STORM, OVERFLOW, BLOOM = KEYS[1], KEYS[2], KEYS[3]
local st = stormRead(STORM)
if not st or st.start ~= tonumber(ARGV[1]) then return {'done'} end
local written = math.max(st.written, tonumber(ARGV[2]))
redis.call('HSET', STORM, '_W', written)
if written < st.version then return {'again', tonumber(ARGV[6]) + tonumber(ARGV[5])} end
if st.previous then return {'again', tonumber(ARGV[6])} end
if st.ended then
  stormKeep(STORM, OVERFLOW, BLOOM, ARGV[3])
  return {'done'}
end
return {'idle', st.lastSeen + tonumber(ARGV[4])}
`;
