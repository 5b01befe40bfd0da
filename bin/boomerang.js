#!/usr/bin/env node
// The package's `boomerang` command: runs the compiled entry point (`npm run build` writes dist/). From a clone
// without building, run `npm run boomerang -- …` instead, which runs src/cli/main.ts through tsx.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('boomerang: not built (no dist/src/cli/main.js): run "npm run build", or "npm run boomerang -- …" from a clone\n');
  process.exit(1);
}
await import(main.href);
