/**
 * Lua helpers for a storm window (a HASH, with an HLL for resources beyond the cap). Fields:
 * _s start (s), _l last new resource (s), _a alerts, _n resources listed, _t trigger (1 rate,
 * 2 resources, 3 truncated-payload), _A alertname, _N namespace, _V severity, _L<name> labels every
 * alert shared, #<digest> one affected resource ("Kind/name" or "Kind/namespace/name").
 * Values stay short (≤ 64 bytes) so that a window of up to 128 fields keeps the compact listpack
 * encoding: a 15-resource storm costs well under 1 KB.
 * Resources beyond the cap are only counted, in the HLL (O(1) memory: a 10,000-resource storm costs
 * the cap's worth of fields plus at most 12 KB).
 */
export const luaStormWindow = `
local function openWindow(window, now, trigger, metaJson, labelsJson)
  local meta = cjson.decode(metaJson)
  redis.call('HSET', window, '_s', now, '_l', now, '_a', 0, '_n', 0, '_t', trigger)
  if type(meta.alertname) == 'string' then redis.call('HSET', window, '_A', meta.alertname) end
  if type(meta.namespace) == 'string' then redis.call('HSET', window, '_N', meta.namespace) end
  if type(meta.severity) == 'string' then redis.call('HSET', window, '_V', meta.severity) end
  for name, value in pairs(cjson.decode(labelsJson)) do redis.call('HSET', window, '_L' .. name, value) end
end

-- Keeps only the common labels that this batch's alerts share too.
local function intersectLabels(window, labelsJson)
  local shared = cjson.decode(labelsJson)
  for _, field in ipairs(redis.call('HKEYS', window)) do
    if string.sub(field, 1, 2) == '_L' and shared[string.sub(field, 3)] ~= redis.call('HGET', window, field) then
      redis.call('HDEL', window, field)
    end
  end
end

local function addResource(window, overflow, now, cap, digest, label)
  local member = '#' .. digest
  if redis.call('HEXISTS', window, member) == 1 then return end
  local listed = tonumber(redis.call('HGET', window, '_n'))
  if listed < cap then
    redis.call('HSET', window, member, label, '_n', listed + 1, '_l', now)
  elseif redis.call('PFADD', overflow, member) == 1 then
    redis.call('HSET', window, '_l', now)
  end
end

local function keepWindow(window, overflow, ttl)
  redis.call('PEXPIRE', window, ttl)
  if redis.call('EXISTS', overflow) == 1 then redis.call('PEXPIRE', overflow, ttl) end
end
`;
