/** Unix seconds as an RFC 3339 timestamp without fractions (stormgate keeps time in whole seconds). */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
