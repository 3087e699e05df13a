/**
 * Cold start per function, from the production bundles (infra/function-bundle.ts, the options the stack
 * deploys): the size of what loads at start (handler.mjs and the chunks it imports statically), and the
 * time a fresh Node process takes to import it (median of 10). Also what is
 * deferred to first use (the chunks loaded by dynamic import, e.g. the Kubernetes client, and the AWS SDK
 * client of ingest's hand-off) and how long loading it takes after the import: that cost moves
 * to the first invocation that needs the system, it does not go away. Run alone with
 * `node --import tsx bench/cold-start.ts`; `npm run bench` includes it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type FunctionName, functionBuildOptions } from '../infra/function-bundle.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const functions: readonly FunctionName[] = ['ingest', 'dedup', 'storm-aggregator'];

/**
 * The AWS SDK clients each function loads on first use: ingest's hand-off. (Deployed, a function that
 * reads a secret at start, ingest's accepted tokens or the Redis AUTH token, loads the Secrets Manager
 * client during its start instead: not in these figures.)
 */
const deferredSdk: Record<FunctionName, readonly string[]> = {
  ingest: ['@aws-sdk/client-lambda'],
  dedup: [],
  'storm-aggregator': [],
};

// Enough configuration for a handler's cold start; nothing answers on these addresses (clients connect lazily or fail later).
const environment = {
  ...process.env,
  AUTH_TOKENS: 'bench-token-0123456789',
  REDIS_URL: 'redis://127.0.0.1:1',
  KUBE_API_URL: 'http://127.0.0.1:1',
  KUBE_TOKEN: 'bench',
  LOG_LEVEL: 'SILENT',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

// Prints "<import ms> <deferred ms>": the handler, then every chunk and SDK client it defers.
const importer = `
const [entry, ...deferred] = process.argv.slice(1);
const started = performance.now();
await import(entry);
const imported = performance.now();
for (const module of deferred) await import(module);
process.stdout.write(\`\${imported - started} \${performance.now() - imported}\`);
process.exit(0);
`;

const median = (values: number[]): number => Number(([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN).toFixed(1));

/** The files an ESM file imports statically by relative path (esbuild's minified `import ... from "./chunks/x.mjs"`). */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:^|[;}\s])import\s*(?:[^"'()]*?from\s*)?["'](\.\.?\/[^"']+)["']/g)) {
    const target = match[1];
    if (target !== undefined) staticImports(join(file, '..', target), seen);
  }
  return seen;
}

export async function measureColdStarts(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const name of functions) {
    // Inside the repository (ignored), so that the SDK left external resolves as the Lambda runtime provides it.
    const directory = join(root, '.local', 'bundles', name);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    await build({ ...functionBuildOptions(name, directory), logLevel: 'silent' });
    const entry = join(directory, 'handler.mjs');
    const chunkDirectory = join(directory, 'chunks');
    const chunks = (existsSync(chunkDirectory) ? readdirSync(chunkDirectory) : []).filter((file) => file.endsWith('.mjs')).map((file) => join(chunkDirectory, file));
    const atStart = staticImports(entry);
    const deferredChunks = chunks.filter((chunk) => !atStart.has(chunk));
    const bytes = (files: Iterable<string>) => [...files].reduce((sum, file) => sum + statSync(file).size, 0);
    const runs = Array.from({ length: 10 }, () =>
      execFileSync(process.execPath, ['--input-type=module', '-e', importer, entry, ...deferredChunks, ...deferredSdk[name]], { cwd: directory, env: environment })
        .toString()
        .split(' ')
        .map(Number),
    );
    const key = name.replace('-', '_');
    result[`bundle_bytes_${key}`] = bytes(atStart);
    result[`import_ms_${key}`] = median(runs.map(([imported]) => imported ?? Number.NaN));
    result[`deferred_bytes_${key}`] = bytes(deferredChunks);
    result[`deferred_load_ms_${key}`] = median(runs.map(([, deferred]) => deferred ?? Number.NaN));
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await measureColdStarts())}\n`);
}
