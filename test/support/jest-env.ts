import fc from 'fast-check';

// Tests read the logs they need from return values, not stdout: keep the structured logger quiet.
process.env.LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Functions run in-process print no EMF; tests count metrics with onMetric, and one test reads the EMF.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

// Property tests are deterministic: every fast-check run uses this seed (printed with any counterexample).
// FC_SEED=<n> replays another; FC_SEED=random explores new histories, as a nightly or a curious human may.

const fastCheckSeed = process.env.FC_SEED ?? '20261130';
if (fastCheckSeed !== 'random') fc.configureGlobal({ seed: Number(fastCheckSeed) });
