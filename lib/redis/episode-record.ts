import { type EpisodeOutcomeKind, episodeOutcomes, type EpisodeState, episodeStates } from '../domain/lifecycle.js';
import { RedisProtocolError } from '../errors.js';

/**
 * An episode record: the whole state of one signal's episode in a short binary string, so that an open
 * fingerprint with one alert costs ~100 bytes of Redis. A 12-byte header, little-endian, Lua `struct`
 * format `<I4I3I3BB`:
 *
 *   offset 0  uint32  f  episode start: the first alert's startsAt in unix seconds (names the request)
 *   offset 4  uint24  l  last occurrence, seconds after f (saturates at 2^24-1, ~194 days)
 *   offset 7  uint24  n  occurrences (saturates at 2^24-1)
 *   offset 10 uint8   d  8-bit hash of the last delivery key (tells an HA peer's copy from a new occurrence)
 *   offset 11 uint8   m  bits 0-1 state, bits 2-5 last outcome, bit 6 status dirty (of an unconfirmed
 *                          open record: its request is withheld), bit 7 request confirmed
 *
 * then one 8-byte entry `<I4I4` per alert of the resource (several containers are one episode): the
 * alert's 32-bit digest with bit 0 set while it fires, and its startsAt. At most `maxEpisodeAlerts`.
 * States and outcomes are named in lib/domain/lifecycle.ts.
 */
export const episodeHeaderFormat = '<I4I3I3BB';
export const episodeHeaderBytes = 12;
export const episodeAlertBytes = 8;
/** Alerts tracked per episode; more alerts of one resource are counted but not tracked one by one. */
export const maxEpisodeAlerts = 16;
const statusDirtyBit = 64;
const confirmedBit = 128;

/** Lua helpers shared by every script that reads or writes episode records. */
export const luaEpisodeRecord = `
local HEADER, ALERT = '${episodeHeaderFormat}', '<I4I4'
local MAX24, MAX_ALERTS = 16777215, ${maxEpisodeAlerts}
local function decode(raw)
  if not raw then return nil end
  local f, dl, n, d, m = struct.unpack(HEADER, raw)
  local e = {f = f, l = f + dl, n = n, d = d, state = m % 4, outcome = math.floor(m / 4) % 16,
    dirty = math.floor(m / ${statusDirtyBit}) % 2 == 1, confirmed = m >= ${confirmedBit}, alerts = {}}
  for offset = ${episodeHeaderBytes} + 1, #raw, ${episodeAlertBytes} do
    local tagged, startsAt = struct.unpack(ALERT, raw, offset)
    e.alerts[#e.alerts + 1] = {id = tagged - tagged % 2, firing = tagged % 2 == 1, startsAt = startsAt}
  end
  return e
end
local function encode(e)
  local m = e.state + e.outcome * 4
  if e.dirty then m = m + ${statusDirtyBit} end
  if e.confirmed then m = m + ${confirmedBit} end
  local parts = {struct.pack(HEADER, e.f, math.min(math.max(e.l - e.f, 0), MAX24), math.min(e.n, MAX24), e.d, m)}
  for _, a in ipairs(e.alerts) do
    local tagged = a.id
    if a.firing then tagged = tagged + 1 end
    parts[#parts + 1] = struct.pack(ALERT, tagged, a.startsAt)
  end
  return table.concat(parts)
end
local function findAlert(e, id)
  for _, a in ipairs(e.alerts) do if a.id == id then return a end end
  return nil
end
local function firingAlerts(e)
  local firing = 0
  for _, a in ipairs(e.alerts) do if a.firing then firing = firing + 1 end end
  return firing
end
`;

export interface EpisodeAlert {
  /** 32-bit digest of the alert's identity (its label set), bit 0 clear. */
  readonly id: number;
  readonly firing: boolean;
  readonly startsAt: number;
}

export interface EpisodeRecord {
  readonly episodeStart: number;
  readonly lastSeen: number;
  readonly occurrenceCount: number;
  readonly deliveryHash: number;
  readonly state: EpisodeState;
  readonly lastOutcome: EpisodeOutcomeKind;
  readonly statusDirty: boolean;
  /** The request is known to exist. */
  readonly confirmed: boolean;
  /** Open, and dedup withholds its request (the dirty bit of an unconfirmed record; lastOutcome says why). */
  readonly withheld: boolean;
  readonly alerts: readonly EpisodeAlert[];
}

const stateNames = Object.fromEntries(Object.entries(episodeStates).map(([name, code]) => [code, name])) as Record<number, EpisodeState>;
const outcomeNames = Object.fromEntries(Object.entries(episodeOutcomes).map(([name, code]) => [code, name])) as Record<number, EpisodeOutcomeKind>;

/** Decodes a record read with GET (as a Buffer); validates it like any input from outside the process. */
export function decodeEpisodeRecord(raw: Buffer): EpisodeRecord {
  if (raw.length < episodeHeaderBytes || (raw.length - episodeHeaderBytes) % episodeAlertBytes !== 0) {
    throw new RedisProtocolError(`episode record of ${raw.length} bytes`);
  }
  const meta = raw.readUInt8(11);
  const state = stateNames[meta & 3];
  const lastOutcome = outcomeNames[(meta >> 2) & 15];
  if (state === undefined || lastOutcome === undefined) throw new RedisProtocolError(`episode record with unknown state or outcome (${meta})`);
  const episodeStart = raw.readUInt32LE(0);
  const alerts: EpisodeAlert[] = [];
  for (let offset = episodeHeaderBytes; offset < raw.length; offset += episodeAlertBytes) {
    const tagged = raw.readUInt32LE(offset);
    alerts.push({ id: tagged - (tagged % 2), firing: tagged % 2 === 1, startsAt: raw.readUInt32LE(offset + 4) });
  }
  return {
    episodeStart,
    lastSeen: episodeStart + raw.readUIntLE(4, 3),
    occurrenceCount: raw.readUIntLE(7, 3),
    deliveryHash: raw.readUInt8(10),
    state,
    lastOutcome,
    statusDirty: (meta & statusDirtyBit) !== 0,
    confirmed: (meta & confirmedBit) !== 0,
    withheld: state === 'open' && (meta & confirmedBit) === 0 && (meta & statusDirtyBit) !== 0,
    alerts,
  };
}
