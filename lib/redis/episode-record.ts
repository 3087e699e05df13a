import { RedisProtocolError } from '../errors.js';

/**
 * An episode record: the whole state of one signal's episode in 12 bytes, so that an open fingerprint
 * costs 88 bytes of Redis (MEMORY USAGE of a 20-char key with a 12-byte string; a 14-byte value already
 * costs 104). Little-endian, Lua `struct` format `<I4I3I3BB`:
 *
 *   offset 0  uint32  f  episode start, unix seconds (identifies the episode; part of the request name)
 *   offset 4  uint24  l  last occurrence, seconds after f (saturates at 2^24-1, ~194 days)
 *   offset 7  uint24  n  occurrences (saturates at 2^24-1)
 *   offset 10 uint8   d  8-bit hash of the last delivery key (tells an HA peer's copy from a new occurrence)
 *   offset 11 uint8   m  bits 0-1 state, bits 2-4 last outcome, bit 5 status dirty
 *
 * States: held (0: waiting a few seconds to see whether a storm forms), reserved (1: request not yet
 * confirmed), created (2), closed (3: resolved; the record stays readable for a while).
 */
export const episodeRecordFormat = '<I4I3I3BB';
export const episodeRecordBytes = 12;

export const episodeStates = { held: 0, reserved: 1, created: 2, closed: 3 } as const;
export const episodeOutcomeCodes = { opened: 1, pending: 2, repeated: 3, redelivered: 4, closed: 5, held: 6 } as const;
export const statusDirtyBit = 32;

export type EpisodeState = keyof typeof episodeStates;
export type RecordedOutcome = keyof typeof episodeOutcomeCodes;

/** Lua helpers shared by every script that reads or writes episode records. */
export const luaEpisodeRecord = `
local RECORD = '${episodeRecordFormat}'
local MAX24 = 16777215
local function decode(raw)
  if not raw then return nil end
  local f, dl, n, d, m = struct.unpack(RECORD, raw)
  return {f = f, l = f + dl, n = n, d = d, state = bit.band(m, 3), outcome = bit.rshift(bit.band(m, 28), 2), dirty = bit.band(m, ${statusDirtyBit}) ~= 0}
end
local function encode(e)
  local m = e.state + e.outcome * 4
  if e.dirty then m = m + ${statusDirtyBit} end
  return struct.pack(RECORD, e.f, math.min(math.max(e.l - e.f, 0), MAX24), math.min(e.n, MAX24), e.d, m)
end
`;

export interface EpisodeRecord {
  readonly episodeStart: number;
  readonly lastSeen: number;
  readonly occurrenceCount: number;
  readonly deliveryHash: number;
  readonly state: EpisodeState;
  readonly lastOutcome: RecordedOutcome;
  readonly statusDirty: boolean;
}

const stateNames = Object.fromEntries(Object.entries(episodeStates).map(([name, code]) => [code, name])) as Record<number, EpisodeState>;
const outcomeNames = Object.fromEntries(Object.entries(episodeOutcomeCodes).map(([name, code]) => [code, name])) as Record<number, RecordedOutcome>;

/** Decodes a record read with GET (as a Buffer); validates it like any input from outside the process. */
export function decodeEpisodeRecord(raw: Buffer): EpisodeRecord {
  if (raw.length !== episodeRecordBytes) throw new RedisProtocolError(`episode record of ${raw.length} bytes, expected ${episodeRecordBytes}`);
  const episodeStart = raw.readUInt32LE(0);
  const meta = raw.readUInt8(11);
  const state = stateNames[meta & 3];
  const lastOutcome = outcomeNames[(meta >> 2) & 7];
  if (state === undefined || lastOutcome === undefined) throw new RedisProtocolError(`episode record with unknown state or outcome (${meta})`);
  return {
    episodeStart,
    lastSeen: episodeStart + raw.readUIntLE(4, 3),
    occurrenceCount: raw.readUIntLE(7, 3),
    deliveryHash: raw.readUInt8(10),
    state,
    lastOutcome,
    statusDirty: (meta & statusDirtyBit) !== 0,
  };
}
