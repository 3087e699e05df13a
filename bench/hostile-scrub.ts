/**
 * The scrubber on hostile values of the largest size intake accepts (16 KiB annotations): repetitions
 * that made unbounded patterns backtrack (350 ms for `token`×3277 before its parts were bounded). Run
 * alone with `node --import tsx bench/hostile-scrub.ts`; `npm run bench` includes it.
 */
import { fileURLToPath } from 'node:url';
import { scrubValue } from '../lib/domain/secret-scrubber.js';

const hostile: Record<string, string> = {
  token_repeated: 'token'.repeat(3_277),
  url_scheme_repeated: 'a://:'.repeat(3_277),
  assignment_repeated: 'password='.repeat(1_820),
  quotes: '"'.repeat(16_384),
};

export function measureHostileScrub(): Record<string, number> {
  return Object.fromEntries(
    Object.entries(hostile).map(([name, value]) => {
      const runs = Array.from({ length: 5 }, () => {
        const started = performance.now();
        scrubValue('description', value);
        return performance.now() - started;
      }).sort((a, b) => a - b);
      return [`scrub_ms_${name}`, Number((runs[2] ?? Number.NaN).toFixed(2))];
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(measureHostileScrub())}\n`);
}
