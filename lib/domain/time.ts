/** Unix seconds as an RFC 3339 timestamp without fractions (stormgate keeps time in whole seconds). */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** An RFC 3339 timestamp (any fraction, any offset) as whole unix seconds, clamped to the uint32 range. */
export function unixSeconds(timestamp: string): number {
  const milliseconds = Date.parse(timestamp);
  if (Number.isNaN(milliseconds)) return 0;
  return Math.min(Math.max(Math.floor(milliseconds / 1000), 0), 0xffffffff);
}
