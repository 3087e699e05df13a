/**
 * `npm run deploy:local`: deploys the stack to LocalStack with cdklocal, Redis pointed at the compose
 * file's Valkey (reached from LocalStack's Lambda containers as redis:6379).
 */
import { spawnSync } from 'node:child_process';

export const localstackEndpoint = 'http://127.0.0.1:4566';

export async function localstackAnswers(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const response = await fetch(`${localstackEndpoint}/_localstack/health`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return { ok: false, reason: `LocalStack answered HTTP ${response.status} on ${localstackEndpoint}` };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `LocalStack does not answer on ${localstackEndpoint} (${(error as Error).message}); start it with docker compose -f infra/localstack/docker-compose.yml up -d` };
  }
}

if (process.argv[1]?.endsWith('local/localstack.ts')) {
  const health = await localstackAnswers();
  if (!health.ok) {
    process.stderr.write(`${health.reason}\n`);
    process.exit(1);
  }
  // No account-wide API Gateway logging role in an emulator; Redis is the compose file's Valkey.
  const context = ['stormgate:redisUrl=redis://redis:6379', 'stormgate:apiGatewayCloudWatchRole=false'];
  for (const command of [['bootstrap'], ['deploy', '--require-approval', 'never']]) {
    const result = spawnSync('npx', ['cdklocal', ...command, ...context.flatMap((entry) => ['-c', entry])], { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
