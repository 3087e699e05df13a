#!/usr/bin/env node
// The `stormgate` command: runs cli/main.ts through tsx (the repository is TypeScript, run as is).
import { register } from 'tsx/esm/api';

// The functions' JSON logs (e.g. a Redis connection error) are not the command's output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.LOG_LEVEL ??= 'SILENT';
// Commands that run the pipeline in-process (replay) count metrics themselves; no EMF on the output.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
register();
await import('../cli/main.ts');
