import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../lib/errors.js';
import { environmentSchema } from '../../lib/config/schema.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { KubeStandin } from '../../local/kube-standin/server.js';
import { redisTargetOf, startRedisStandalone } from '../../local/redis-runner.js';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.js';
import { readRecording, RecordingError } from '../replay/recording.js';
import { type ReplayInfrastructure, type ReplayOutcome, type ReplayProgress, replayConfig, replayThrough } from '../replay/replay-pipeline.js';
import { compareReport, progressBar, settingName, singleReport, totals } from '../replay/replay-report.js';

/** Variables --set and --compare refuse, and why. */
const notForReplay: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_PASSWORD', 'REDIS_TLS', 'REDIS_AUTH_SECRET_ID', 'KUBECONFIG', 'KUBE_API_URL', 'KUBE_TOKEN', 'KUBE_CA_DATA', 'EKS_CLUSTER_NAME', 'KUBECONFIG_SECRET_ID', 'RR_NAMESPACE'].map(
      (name) => [name, 'a replay runs on its own Redis and Kubernetes stand-in'],
    ),
  ),
  ...Object.fromEntries(['AUTH_TOKENS', 'AUTH_TOKENS_SECRET_ID'].map((name) => [name, 'a replay does not authenticate']),
  ),
  ...Object.fromEntries(
    ['TENANT_RATE_ALERTS_PER_SECOND', 'TENANT_RATE_BURST'].map((name) => [name, 'the tenant budget meters real seconds, which a replay compresses: it is not replayed']),
  ),
  ...Object.fromEntries(
    ['LOG_LEVEL', 'AWS_REGION', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'DEDUP_FUNCTION_NAME', 'STORM_AGGREGATOR_FUNCTION_NAME', 'SWEEP_INTERVAL_SECONDS'].map(
      (name) => [name, 'it changes nothing a replay shows (the sweep runs every minute, as deployed)'],
    ),
  ),
};

/** TTLs run in real seconds while the replay's clock is virtual: short ones expire at the speed of the machine. */
const ttlVariables = ['DEDUP_IDLE_TTL_SECONDS', 'DEDUP_CLOSED_TTL_SECONDS', 'DEDUP_RETRY_HORIZON_SECONDS'];

/** `NAME=value` pairs of --set / --compare: stormgate variables only, each named when wrong. */
export function parseAssignments(option: string, given: readonly string[]): Record<string, string> {
  const assignments: Record<string, string> = {};
  for (const assignment of given) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(assignment);
    if (!match) throw new UsageError(`${option} takes NAME=value, e.g. ${option} STORM_THRESHOLD=10; got ${assignment}`);
    const [, name = '', value = ''] = match;
    if (!Object.hasOwn(environmentSchema.shape, name)) throw new UsageError(`${option} ${name}: not a stormgate variable (README, Configuration)`);
    const refused = notForReplay[name];
    if (refused !== undefined) throw new UsageError(`${option} ${name}: ${refused}`);
    assignments[name] = value;
  }
  return assignments;
}

/** `10x`, `2.5x`, `max`: how fast virtual time runs against the wall clock (undefined: as fast as it can). */
export function parseSpeed(text: string): number | undefined {
  if (text === 'max') return undefined;
  const match = /^(\d+(?:\.\d+)?)x?$/.exec(text);
  const factor = match ? Number(match[1]) : Number.NaN;
  if (!(factor > 0)) throw new UsageError(`--speed takes a factor such as 10x, or max; got ${text}`);
  return factor;
}

/** Progress on stderr: one line rewritten in place on a terminal, else (with --progress) a line every 10%. */
function progressReporter(io: CommandIo, forced: boolean): ((progress: ReplayProgress) => void) | undefined {
  if (io.status) {
    const status = io.status;
    return (progress) => status(progressBar(progress));
  }
  if (!forced) return undefined;
  let shownTenth = -1;
  return (progress) => {
    const tenth = Math.floor((progress.done / progress.total) * 10);
    if (tenth > shownTenth) {
      shownTenth = tenth;
      io.err(progressBar(progress));
    }
  };
}

const outcomeJson = (outcome: ReplayOutcome) => ({
  setting: outcome.setting,
  name: settingName(outcome.setting),
  totals: totals(outcome),
  byAlertname: Object.fromEntries([...outcome.byAlertname.entries()].sort(([a], [b]) => a.localeCompare(b))),
  metrics: outcome.metrics,
  refused: outcome.refused,
});

export const replay: Command = {
  name: 'replay',
  summary: 'replay a recording through the real pipeline on a virtual clock: what would be created, per alertname',
  usage: `Usage: stormgate replay <file.jsonl> [options]

Replays a recording (stormgate record writes one; test/fixtures/recordings has five) through the real
pipeline (ingest's validation, dedup, the storm sweep) on a Redis of its own and the Kubernetes stand-in, on
a virtual clock: an hour of alerts takes seconds. Prints, per alertname, the alerts received, duplicates
counted, alerts absorbed into storms, the RemediationRequests and storm requests created, and how many
ended Resolved. Settings are stormgate's defaults (README, Configuration), the sweep every minute as
deployed, changed with --set; --compare replays a second time with more changes and shows both side by side.

  --set NAME=value       a stormgate variable for the replay (repeatable), e.g. --set STORM_THRESHOLD=10
  --compare NAME=value   replay again with this change too (repeatable) and show A and B side by side
  --speed Nx|max         pace the replay at N times the recorded speed (default max: no waiting)
  --progress             a progress line every 10% even when stderr is not a terminal
  --json                 print JSON instead of tables

Not replayed: the tenant rate budget (it meters real seconds) and Redis TTL expiry (idle 24 h, closed 6 h).

Exit codes: 0 replayed, 1 some notifications would be refused (listed) or the replay failed, 2 usage.`,
  options: {
    set: { type: 'string', multiple: true },
    compare: { type: 'string', multiple: true },
    speed: { type: 'string', default: 'max' },
    progress: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  run: async (values, positionals, io) => {
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError('replay takes one recording (a .jsonl file)');
    const asList = (value: unknown) => (Array.isArray(value) ? (value as string[]) : []);
    const base = parseAssignments('--set', asList(values.set));
    const settings = [base, ...(values.compare === undefined ? [] : [{ ...base, ...parseAssignments('--compare', asList(values.compare)) }])];
    const speed = parseSpeed(String(values.speed));
    for (const setting of settings) {
      for (const name of ttlVariables) {
        const value = setting[name];
        if (value !== undefined && Number(value) < 3_600) {
          io.err(`warning: ${name}=${value}: Redis TTLs run in real seconds during a replay, so a short one expires at the speed of this machine and results may vary`);
        }
      }
    }
    let notifications;
    try {
      notifications = readRecording(file);
    } catch (error) {
      if (error instanceof RecordingError) throw new UsageError(error.message);
      throw error;
    }

    const server = await startRedisStandalone({ maxmemory: '256mb' }).catch((error: unknown) => {
      throw new Error(`could not start redis-server for the replay (npm run setup installs it): ${(error as Error).message}`);
    });
    const standinToken = 'stormgate-replay';
    const standin = await KubeStandin.start({ token: standinToken });
    const redis = createRedisClient(redisTargetOf(server));
    const infrastructure: ReplayInfrastructure = { redis, redisUrl: server.url as string, standin, standinToken };
    try {
      // Every setting is checked before the first replay starts, naming the variable.
      for (const setting of settings) {
        try {
          replayConfig(infrastructure, setting);
        } catch (error) {
          if (error instanceof ConfigError) throw new UsageError(`${settingName(setting)}: ${error.message}`);
          throw error;
        }
      }
      const started = Date.now();
      const outcomes: ReplayOutcome[] = [];
      const first = notifications[0]?.offsetMs ?? 0;
      for (const setting of settings) {
        const paceStarted = Date.now();
        const before =
          speed === undefined
            ? undefined
            : async (offsetMs: number) => {
                const wait = paceStarted + (offsetMs - first) / speed - Date.now();
                if (wait > 0) await sleep(wait);
              };
        const onProgress = progressReporter(io, values.progress === true);
        outcomes.push(await replayThrough(notifications, setting, infrastructure, { ...(before && { before }), ...(onProgress && { onProgress }) }));
        io.status?.('');
      }
      const elapsed = Date.now() - started;
      const name = basename(file);
      if (values.json) io.out(JSON.stringify({ file: name, notifications: notifications.length, spanMs: outcomes[0]?.spanMs ?? 0, settings: outcomes.map(outcomeJson) }));
      else {
        const lines = outcomes.length === 2 ? compareReport(name, outcomes as [ReplayOutcome, ReplayOutcome], elapsed) : singleReport(name, outcomes[0] as ReplayOutcome, elapsed);
        for (const line of lines) io.out(line);
      }
      return outcomes.some((outcome) => outcome.refused.length > 0) ? exitCodes.failed : exitCodes.ok;
    } finally {
      await redis.quit().catch(() => undefined);
      await standin.stop();
      await server.stop();
    }
  },
};
