/** The sample callback and alert a template is checked against: valid against their schemas. */
import { dereference } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import type { ActionBatchCallback, AlertPayload, PingCallback } from '../../generated/client/types.gen.js';
import { SAMPLE_SHARED_SECRET, sampleAlert, sampleCallback } from '../../src/callbacks/sample-payloads.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { specAjv } from '../../src/spec/spec-ajv.js';
import { actionBatchCallback } from '../support/hostile-payloads.js';

describe('sample payloads', async () => {
  const doc = await dereference(loadSpec());
  const ajv = specAjv();
  const schema = (name: string) => ajv.compile(doc.components!.schemas![name] as object);

  it('are valid against the PingCallback and AlertPayload schemas, as is the action batch test payload', () => {
    const ping = schema('PingCallback');
    expect(ping(sampleCallback), JSON.stringify(ping.errors)).toBe(true);
    const alert = schema('AlertPayload');
    expect(alert(sampleAlert), JSON.stringify(alert.errors)).toBe(true);
    const batch = schema('ActionBatchCallback');
    expect(batch(actionBatchCallback), JSON.stringify(batch.errors)).toBe(true);
    expect(sampleAlert.sharedSecret).toBe(SAMPLE_SHARED_SECRET);
  });
});
