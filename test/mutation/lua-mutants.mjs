#!/usr/bin/env node
// Mutation testing for the Redis scripts (`npm run test:mutation:lua`): StrykerJS does not look inside the
// Lua of lib/redis/lua/*.ts, so this changes it one mutant at a time (relational and arithmetic
// operators, and/or, numeric constants, if-conditions negated) in a sandbox copy of the repository and
// runs the integration tests that drive the scripts against a real redis-server. A mutant no test notices
// survives and is listed (reports/lua-mutation.json, and the console).
//
//   node test/mutation/lua-mutants.mjs [--file episode-scripts] [--limit N] [--seed S] [--timeout-seconds T] [--list]
//
// --limit takes a seeded random sample (each mutant costs a jest run of a few seconds to a minute);
// --list prints the mutants without running anything.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const onlyFile = option('--file');
const limit = option('--limit') === undefined ? Infinity : Number(option('--limit'));
const seed = Number(option('--seed') ?? 1);
const listOnly = args.includes('--list');
// The suites that run the scripts against a real redis-server (standalone; the cluster twins run the same
// scripts): the episode store's scenarios, both sides of the scripts' thresholds and windows
// (lua-boundaries), and the lifecycle model (LUA_MUTANTS_MODEL_RUNS generated histories each, default 40: a
// mutant costs ~30 s instead of ~100). --tests adds others (storms.standalone).
const tests = (
  option('--tests') ??
  'test/integration/episode-store.standalone.test.ts,test/integration/lua-boundaries.standalone.test.ts,test/integration/lifecycle-model.standalone.test.ts'
).split(',');
const modelRuns = process.env.LUA_MUTANTS_MODEL_RUNS ?? '40';
// A mutant that makes the suites hang (a window that never closes) is detected when this runs out.
const timeoutMs = Number(option('--timeout-seconds') ?? 360) * 1000;

const root = process.cwd();
const luaDirectory = 'lib/redis/lua';
const files = spawnSync('git', ['ls-files', luaDirectory], { encoding: 'utf8' })
  .stdout.split('\n')
  .filter((file) => file.endsWith('.ts') && (onlyFile === undefined || file.includes(onlyFile)));

/** Ranges of Lua code in a TypeScript file: inside `...` template literals, outside ${...}, comments and Lua strings. */
function luaCodeRanges(source) {
  const ranges = [];
  let index = 0;
  while ((index = source.indexOf('`', index)) !== -1) {
    const end = source.indexOf('`', index + 1);
    if (end === -1) break;
    let start = index + 1;
    let cursor = start;
    const flush = (stop) => stop > start && ranges.push([start, stop]);
    while (cursor < end) {
      const rest = source.slice(cursor, end);
      if (rest.startsWith('${')) {
        flush(cursor);
        cursor = source.indexOf('}', cursor) + 1;
        start = cursor;
      } else if (rest.startsWith('--')) {
        flush(cursor);
        const lineEnd = source.indexOf('\n', cursor);
        cursor = lineEnd === -1 || lineEnd > end ? end : lineEnd;
        start = cursor;
      } else if (rest[0] === "'" || rest[0] === '"') {
        flush(cursor);
        cursor = source.indexOf(rest[0], cursor + 1) + 1;
        start = cursor;
      } else {
        cursor += 1;
      }
    }
    flush(end);
    index = end + 1;
  }
  return ranges;
}

const operators = [
  { pattern: /<=/g, replacements: ['<'] },
  { pattern: />=/g, replacements: ['>'] },
  { pattern: /(?<![<>~=])<(?!=)/g, replacements: ['<='] },
  { pattern: /(?<![<>~=-])>(?!=)/g, replacements: ['>='] },
  { pattern: /==/g, replacements: ['~='] },
  { pattern: /~=/g, replacements: ['=='] },
  { pattern: / \+ /g, replacements: [' - '] },
  { pattern: / - /g, replacements: [' + '] },
  { pattern: /\band\b/g, replacements: ['or'] },
  { pattern: /\bor\b/g, replacements: ['and'] },
  { pattern: /\bnot /g, replacements: [''] },
  { pattern: /(?<![\w.])\d+(?![\w.])/g, replacements: (text) => [String(Number(text) + 1), ...(Number(text) > 0 ? [String(Number(text) - 1)] : [])] },
];

function mutantsOf(file) {
  const source = readFileSync(file, 'utf8');
  const mutants = [];
  for (const [start, stop] of luaCodeRanges(source)) {
    const code = source.slice(start, stop);
    for (const { pattern, replacements } of operators) {
      for (const match of code.matchAll(pattern)) {
        const list = typeof replacements === 'function' ? replacements(match[0]) : replacements;
        for (const replacement of list) mutants.push({ file, at: start + match.index, original: match[0], replacement });
      }
    }
    // Branches: every if-condition negated.
    for (const match of code.matchAll(/\bif (.+?) then\b/g)) {
      mutants.push({ file, at: start + match.index, original: match[0], replacement: `if not (${match[1]}) then` });
    }
  }
  return mutants.map((mutant) => {
    const line = source.slice(0, mutant.at).split('\n').length;
    const lineText = source.split('\n')[line - 1].trim();
    return { ...mutant, line, lineText, mutated: source.slice(0, mutant.at) + mutant.replacement + source.slice(mutant.at + mutant.original.length) };
  });
}

let mutants = files.flatMap(mutantsOf);
const total = mutants.length;
if (Number.isFinite(limit) && limit < mutants.length) {
  // A sample repeatable with its seed: mutants ordered by a hash of the seed and their place.
  const rank = (index) => createHash('sha256').update(`${seed}:${index}`).digest('hex');
  mutants = mutants
    .map((mutant, index) => [rank(index), mutant])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([, mutant]) => mutant);
}
process.stderr.write(`[lua-mutants] ${total} mutants in ${files.length} files; running ${mutants.length} (seed ${seed}) against ${tests.join(' ')}\n`);
if (listOnly) {
  for (const mutant of mutants) process.stdout.write(`${mutant.file}:${mutant.line} ${mutant.original} -> ${mutant.replacement}   ${mutant.lineText}\n`);
  process.exit(0);
}

// A sandbox copy of the tracked files, sharing node_modules: the working tree is never touched.
const sandbox = join(tmpdir(), `sg-lua-mutants-${process.pid}`);
for (const file of spawnSync('git', ['ls-files'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
  mkdirSync(dirname(join(sandbox, file)), { recursive: true });
  cpSync(join(root, file), join(sandbox, file));
}
symlinkSync(join(root, 'node_modules'), join(sandbox, 'node_modules'));

const jest = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--ci', '--bail', '--selectProjects', 'integration', ...tests];
const results = [];
try {
  for (const [index, mutant] of mutants.entries()) {
    writeFileSync(join(sandbox, mutant.file), mutant.mutated);
    const started = Date.now();
    const run = spawnSync(process.execPath, jest, { cwd: sandbox, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CI: 'true', LIFECYCLE_MODEL_RUNS: modelRuns } });
    writeFileSync(join(sandbox, mutant.file), readFileSync(join(root, mutant.file)));
    const status = run.error ? 'timeout' : run.status === 0 ? 'survived' : 'killed';
    const killedBy = status === 'killed' ? /● (.+)/.exec(run.stderr)?.[1]?.trim() : undefined;
    results.push({ file: mutant.file, line: mutant.line, original: mutant.original, replacement: mutant.replacement, lineText: mutant.lineText, status, ...(killedBy && { killedBy }) });
    process.stderr.write(`[lua-mutants] ${index + 1}/${mutants.length} ${status.padEnd(8)} ${mutant.file}:${mutant.line} ${mutant.original} -> ${mutant.replacement} (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}

const survived = results.filter((result) => result.status === 'survived');
const detected = results.length - survived.length;
const score = results.length === 0 ? 100 : (100 * detected) / results.length;
mkdirSync('reports', { recursive: true });
writeFileSync('reports/lua-mutation.json', `${JSON.stringify({ seed, total, ran: results.length, score, results }, null, 2)}\n`);
process.stdout.write(`Lua mutation score: ${score.toFixed(2)}% (${detected} of ${results.length} detected; ${total} mutants in all)\n`);
for (const mutant of survived) process.stdout.write(`  survived ${mutant.file}:${mutant.line} ${mutant.original} -> ${mutant.replacement}   ${mutant.lineText}\n`);
