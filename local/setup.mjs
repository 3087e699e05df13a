#!/usr/bin/env node
// Set-up that `npm start` and `npm test` run first, on any machine: npm dependencies when absent or stale,
// and the Debian packages the local runtime and the tests run for real (redis-server, and for the
// end-to-end tests prometheus-alertmanager). Plain Node, no dependencies: it runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'test';

const say = (line) => process.stderr.write(`[setup] ${line}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...options });
  if (result.status !== 0) {
    say(`'${command} ${args.join(' ')}' failed with exit code ${result.status ?? result.signal}`);
    process.exit(1);
  }
}

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

// 1. npm dependencies: a clean install from the lockfile when node_modules is missing or older than it.
// The lockfile is complete (every platform's optional binaries recorded), so `npm ci` installs exactly it
// and never rewrites it: the tree stays clean after `npm start` and `npm test`.
const installedMarker = join(root, 'node_modules', '.package-lock.json');
const lockfile = join(root, 'package-lock.json');
if (!existsSync(installedMarker) || statSync(lockfile).mtimeMs > statSync(installedMarker).mtimeMs) {
  say('installing npm dependencies (npm ci, from package-lock.json)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Debian packages: binary → package.
const wanted = [['redis-server', 'redis-server'], ['redis-cli', 'redis-tools']];
// openssl makes the self-signed API server certificate of the TLS test.
if (purpose === 'test') wanted.push(['prometheus-alertmanager', 'prometheus-alertmanager'], ['kubectl', 'kubernetes-client'], ['openssl', 'openssl']);
const missing = [...new Set(wanted.filter(([binary]) => !onPath(binary)).map(([, pkg]) => pkg))];
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    say(`missing: ${missing.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}) and run again.`);
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  // Packages may start their own daemon; stormgate runs its own servers on free ports.
  for (const service of ['redis-server', 'prometheus-alertmanager']) {
    spawnSync('sh', ['-c', `command -v service >/dev/null && service ${service} stop`], { stdio: 'ignore' });
  }
}
say(`ready (${execFileSync('redis-server', ['--version']).toString().trim().split(' ').slice(0, 3).join(' ')})`);
