// CI's mutation step: StrykerJS over the mutated files (stryker.config.mjs `mutate`) that the last commit
// changed, so that a rule changed without a test that notices fails CI. The whole set runs with
// `npm run test:mutation` (about 50 minutes from scratch on 2 cores: see TESTING.md).
import { execFileSync, spawnSync } from 'node:child_process';

const scope = ['lib/domain/', 'lib/alertmanager/', 'lib/http/', 'lib/config/', 'lib/kube/kube-guard.ts', 'lib/kube/remediation-request.ts'];
const base = process.env.MUTATION_BASE ?? 'HEAD~1';
let changed = [];
try {
  changed = execFileSync('git', ['diff', '--name-only', '--diff-filter=AM', base, 'HEAD'], { encoding: 'utf8' })
    .split('\n')
    .filter((file) => file.endsWith('.ts') && scope.some((path) => file.startsWith(path)));
} catch {
  process.stdout.write(`[mutation] no ${base} to compare with (a shallow clone?): nothing to mutate\n`);
  process.exit(0);
}
if (changed.length === 0) {
  process.stdout.write(`[mutation] the last commit changed no file under ${scope.join(', ')}: nothing to mutate\n`);
  process.exit(0);
}
process.stdout.write(`[mutation] mutating what the last commit changed: ${changed.join(', ')}\n`);
const run = spawnSync('npx', ['stryker', 'run', '--mutate', changed.join(',')], { stdio: 'inherit' });
process.exit(run.status ?? 1);
