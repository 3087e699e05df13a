import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export type FunctionName = 'ingest' | 'dedup' | 'storm-aggregator';

const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * How a handler is bundled for Lambda: the stack (cdk synth) and `npm run bench` both use these options,
 * so that what is measured is what is deployed. Minified ESM for nodejs22.x, no source maps, the AWS SDK left to the
 * runtime (README, "Cold start"). Split into chunks: what a function loads on first use of a system
 * (the Kubernetes client, ~1.1 MB) is a separate file, read only when that system is first used.
 */
export function functionBuildOptions(name: FunctionName, outdir: string): BuildOptions {
  return {
    entryPoints: { handler: join(root, 'functions', name, 'handler.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    // Error class names are part of the logs and the dead-letter records.
    keepNames: true,
    // No source maps: Node's --enable-source-maps parses them at every cold start (~30 ms for ingest,
    // measured with npm run bench); names kept above make minified stack traces readable enough.
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    // Some bundled CommonJS dependencies call require(); give each ESM file one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  };
}

/** Bundles a handler into `outdir` in a child process (esbuild's JS API misbehaves inside jest's VM realms). */
export function bundleFunction(name: FunctionName, outdir: string): void {
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name, outdir], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, outdir] = process.argv.slice(2);
  if ((name !== 'ingest' && name !== 'dedup' && name !== 'storm-aggregator') || outdir === undefined) {
    throw new Error('usage: function-bundle.ts <ingest|dedup|storm-aggregator> <outdir>');
  }
  const { build } = await import('esbuild');
  await build(functionBuildOptions(name, outdir));
}
