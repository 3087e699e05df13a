/**
 * etcd refuses a write over 1.5 MiB (its --max-request-bytes) and the API server answers 500 without a
 * reason, which a writer retries for ever (kubernetes/kubernetes#74600). A custom resource is stored as
 * JSON, so every request stormgate builds stays under 1 MiB of JSON, leaving the rest for status and
 * the controller's fields.
 */
export const requestJsonByteBudget = 1024 * 1024;

/** The shortest a label or annotation value is cut to, to fit: long enough to keep the hash that tells values apart. */
export const shortestFittedValue = 64;

/**
 * The largest limit, halving from `start` down to `floor`, at which `bytesAt(limit)` is within `budget`
 * (`floor` when none is). `bytesAt` must grow with the limit.
 */
export function largestFittingLimit(bytesAt: (limit: number) => number, start: number, floor: number, budget: number): number {
  let limit = start;
  while (limit > floor && bytesAt(limit) > budget) limit = Math.max(floor, Math.floor(limit / 2));
  return limit;
}
