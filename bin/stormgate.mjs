#!/usr/bin/env node
// The `stormgate` command: runs cli/main.ts through tsx (the repository is TypeScript, run as is).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
