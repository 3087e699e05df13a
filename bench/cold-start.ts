/**
 * Cold start per function: each handler bundled as the CDK stack bundles it (esbuild, minified ESM,
 * node22, the AWS SDK left to the runtime), its size, and the time a fresh Node process takes to import
 * it (median of 5). Run alone with `node --import tsx bench/cold-start.ts`; `npm run bench` includes it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const functions = ['ingest', 'dedup', 'storm-aggregator'] as const;

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

const importer = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
process.exit(0);
`;

export async function measureColdStarts(): Promise<Record<string, number>> {
  // Inside the repository (ignored), so that the SDK left external resolves as the Lambda runtime provides it.
  const directory = join(root, '.local', 'bundles');
  mkdirSync(directory, { recursive: true });
  const result: Record<string, number> = {};
  for (const name of functions) {
    const outfile = join(directory, `${name}.mjs`);
    await build({
      entryPoints: [join(root, 'functions', name, 'handler.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      keepNames: true,
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      outfile,
      logLevel: 'silent',
    });
    const times = Array.from({ length: 5 }, () =>
      Number(execFileSync(process.execPath, ['--input-type=module', '-e', importer, outfile], { cwd: root, env: environment }).toString()),
    ).sort((a, b) => a - b);
    result[`bundle_bytes_${name.replace('-', '_')}`] = statSync(outfile).size;
    result[`import_ms_${name.replace('-', '_')}`] = Number((times[2] ?? Number.NaN).toFixed(1));
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await measureColdStarts())}\n`);
}
