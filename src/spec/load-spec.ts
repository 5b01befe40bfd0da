/** Loads the bundled spec (generated/openapi.json), the document the server validates against and serves. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3_1 } from 'openapi-types';

/** Absolute path of the bundled spec. */
export const specPath = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));

/** Reads and parses the bundled spec (a fresh copy each call: validators mutate what they are given). */
export function loadSpec(): OpenAPIV3_1.Document {
  return JSON.parse(readFileSync(specPath, 'utf8')) as OpenAPIV3_1.Document;
}
