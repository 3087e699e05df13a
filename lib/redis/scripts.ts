import type { ClientContext, Cluster, Redis, Result } from 'ioredis';
import { dueAdd, dueClaim, dueFinish } from './lua/due-scripts.js';
import { episodeConfirm, episodeObserve, episodeResolveHeld, episodeStatusWritten, episodeWithhold } from './lua/episode-scripts.js';
import { stormCreated, stormDue, stormPreviousShown, stormStatusWritten } from './lua/storm-scripts.js';
import { ownerRemember } from './lua/owner-scripts.js';
import { rateBudgetTake } from './lua/rate-budget-script.js';

/**
 * Lua scripts: every read-decide-write on shared state is one script, so concurrent invocations and HA
 * duplicate deliveries serialize inside Redis. All KEYS of one call share a hash tag (one cluster slot).
 */
export const scripts = {
  sgEpisodeObserve: episodeObserve,
  sgEpisodeResolveHeld: episodeResolveHeld,
  sgEpisodeConfirm: episodeConfirm,
  sgEpisodeWithhold: episodeWithhold,
  sgStormDue: stormDue,
  sgStormCreated: stormCreated,
  sgStormStatusWritten: stormStatusWritten,
  sgStormPreviousShown: stormPreviousShown,
  sgEpisodeStatusWritten: episodeStatusWritten,
  sgDueAdd: dueAdd,
  sgDueClaim: dueClaim,
  sgDueFinish: dueFinish,
  sgRateBudgetTake: rateBudgetTake,
  sgOwnerRemember: ownerRemember,
} as const;

type ScriptName = keyof typeof scripts;
type ScriptCall<Context extends ClientContext> = (numKeys: number, ...keysAndArgs: (string | Buffer | number)[]) => Result<unknown, Context>;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sgEpisodeObserve: ScriptCall<Context>;
    sgEpisodeResolveHeld: ScriptCall<Context>;
    sgEpisodeConfirm: ScriptCall<Context>;
    sgEpisodeWithhold: ScriptCall<Context>;
    sgStormDue: ScriptCall<Context>;
    sgStormCreated: ScriptCall<Context>;
    sgStormStatusWritten: ScriptCall<Context>;
    sgStormPreviousShown: ScriptCall<Context>;
    sgEpisodeStatusWritten: ScriptCall<Context>;
    sgDueAdd: ScriptCall<Context>;
    sgDueClaim: ScriptCall<Context>;
    sgDueFinish: ScriptCall<Context>;
    sgRateBudgetTake: ScriptCall<Context>;
    sgOwnerRemember: ScriptCall<Context>;
  }
}

/** Registers every script on a client; ioredis runs them with EVALSHA and reloads on NOSCRIPT. */
export function defineScripts(client: Redis | Cluster): void {
  for (const name of Object.keys(scripts) as ScriptName[]) {
    client.defineCommand(name, { lua: scripts[name] });
  }
}
