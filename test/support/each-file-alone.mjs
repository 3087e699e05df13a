#!/usr/bin/env node
// Runs every test file of a jest project on its own, in random test order, and says which fail: a file
// that passes only after another file (or only in file order) fails here. The seed is printed and can be
// given back (SEED=n) to replay the same orders. `npm run test:isolation [-- --project unit]`; CI runs
// it for the integration project after `npm test`.
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';

const args = process.argv.slice(2);
const project = args.includes('--project') ? args[args.indexOf('--project') + 1] : 'integration';
const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
const jest = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js'];

const listed = spawnSync(process.execPath, [...jest, '--listTests', '--selectProjects', project], { encoding: 'utf8' });
if (listed.status !== 0) {
  process.stderr.write(listed.stderr);
  process.exit(1);
}
const files = listed.stdout.split('\n').filter((line) => line.endsWith('.test.ts')).sort();
process.stderr.write(`[isolation] ${files.length} ${project} files, each alone, test order randomized with seed ${seed}\n`);

const failed = [];
for (const file of files) {
  const name = relative(process.cwd(), file);
  const started = Date.now();
  const run = spawnSync(process.execPath, [...jest, name, '--selectProjects', project, '--randomize', `--seed=${seed}`, '--ci'], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const verdict = run.status === 0 ? 'passed' : 'FAILED';
  process.stderr.write(`[isolation] ${verdict} ${name} (${seconds} s)\n`);
  if (run.status !== 0) {
    failed.push(name);
    process.stderr.write(run.stderr.split('\n').slice(-60).join('\n'));
  }
}
if (failed.length > 0) {
  process.stderr.write(`[isolation] ${failed.length} of ${files.length} failed alone with seed ${seed}; replay one with:\n`);
  for (const name of failed) process.stderr.write(`  npm run test:jest -- ${name} --selectProjects ${project} --randomize --seed=${seed}\n`);
  process.exit(1);
}
process.stderr.write(`[isolation] all ${files.length} ${project} files pass alone (seed ${seed})\n`);
