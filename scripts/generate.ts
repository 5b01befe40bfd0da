/**
 * Bundles openapi/ into generated/openapi.json and runs @hey-api/openapi-ts into generated/client/.
 * Output is committed; CI runs this again and fails if anything changes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createClient } from '@hey-api/openapi-ts';
import { callbackMap } from './callback-map.js';

const bundled = 'generated/openapi.json';

execFileSync('npx', ['redocly', 'bundle', 'openapi/openapi.yaml', '--ext', 'json', '-o', bundled], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
});
// Redocly writes compact JSON; re-serialise with a stable indent so diffs stay readable.
writeFileSync(bundled, JSON.stringify(JSON.parse(readFileSync(bundled, 'utf8')), null, 2) + '\n');

rmSync('generated/client', { recursive: true, force: true });
await createClient({
  input: `./${bundled}`,
  output: { path: 'generated/client' },
  // One type per schema: request types keep their writeOnly fields (`CallbackRequest.sharedSecret`) under their own name.
  parser: { transforms: { readWrite: false } },
  plugins: [
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    '@hey-api/sdk',
    { name: '@hey-api/schemas', type: 'json' },
  ],
  logs: { level: 'silent' },
});

// The receiver kit's operation → payload map, from the same bundle (scripts/callback-map.ts).
writeFileSync('generated/callbacks.gen.ts', callbackMap(JSON.parse(readFileSync(bundled, 'utf8'))));
