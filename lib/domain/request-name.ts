/**
 * Deterministic RemediationRequest name for one episode of one fingerprint: the episode is (fingerprint,
 * the first alert's startsAt), so a retried create, or a create after Redis lost its state, meets
 * AlreadyExists instead of making a second request. `episodeStart` is in unix seconds. DNS-1123
 * subdomain, at most 42 chars.
 */
export function remediationRequestName(fingerprint: string, episodeStart: number): string {
  return `rr-${fingerprint}-${episodeStart.toString(36)}`;
}

/** The episode start a request's name carries (for adopting a request found after lost state). */
export function episodeStartOfRequestName(name: string): number | undefined {
  const match = /^rr-[0-9a-f]{32}-([0-9a-z]{1,7})$/.exec(name);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 36);
}
