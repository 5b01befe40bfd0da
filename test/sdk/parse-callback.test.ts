/** parseCallback and parseAlert: every example in the spec passes, broken payloads fail with readable paths. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alertContracts, callbackContracts, type CallbackOperation } from '../../generated/callbacks.gen.js';
import { CallbackParseError } from '../../src/sdk/callback-parse-error.js';
import { parseAlert, parseCallback } from '../../src/sdk/parse-callback.js';

type Media = { example?: unknown; examples?: Record<string, { value: unknown }> };
type Post = { requestBody: { content: { 'application/json': Media } } };
const spec = JSON.parse(readFileSync('generated/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string; callbacks?: Record<string, Record<string, { post: Post }> | { $ref: string }> }>>;
  webhooks: Record<string, { post: Post }>;
  components: { callbacks: Record<string, Record<string, { post: Post }>> };
};

function examplesOf(media: Media): unknown[] {
  return [...(media.example === undefined ? [] : [media.example]), ...Object.values(media.examples ?? {}).map((e) => e.value)];
}

/** Every example the spec gives for each operation's callback body, read from the bundle on its own. */
const callbackExamples: [string, unknown][] = [];
for (const item of Object.values(spec.paths)) {
  for (const operation of Object.values(item)) {
    for (const callback of Object.values(operation.callbacks ?? {})) {
      const resolved = '$ref' in callback ? spec.components.callbacks[(callback.$ref as string).split('/').at(-1)!]! : callback;
      for (const expression of Object.values(resolved)) {
        for (const example of examplesOf(expression.post.requestBody.content['application/json'])) callbackExamples.push([operation.operationId!, example]);
      }
    }
  }
}
const alertExamples = Object.entries(spec.webhooks).flatMap(([name, item]) => examplesOf(item.post.requestBody.content['application/json']).map((e) => [name, e] as const));

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackParseError) return err.errors;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseCallback', () => {
  it('knows every operation with callbacks, and every example covers one', () => {
    expect(new Set(callbackExamples.map(([op]) => op))).toEqual(new Set(Object.keys(callbackContracts)));
    expect(callbackExamples.length).toBeGreaterThanOrEqual(Object.keys(callbackContracts).length);
  });

  it.each(callbackExamples)('accepts the spec example of %s, as a value, a string and bytes', (operation, example) => {
    const op = operation as CallbackOperation;
    expect(parseCallback(op, example)).toEqual(example);
    expect(parseCallback(op, JSON.stringify(example))).toEqual(example);
    expect(parseCallback(op, new TextEncoder().encode(JSON.stringify(example)))).toEqual(example);
  });

  it('rejects a broken payload with the path of each problem', () => {
    const [, example] = callbackExamples.find(([op]) => op === 'createDeviceLiveToolsPing')!;
    const broken = structuredClone(example) as { callbackId?: unknown; message: { status: unknown; request: { count: unknown } } };
    delete broken.callbackId;
    broken.message.request.count = 'three';
    // Only the problems of the variant the job's status names: not every variant's.
    expect(errorsOf(() => parseCallback('createDeviceLiveToolsPing', broken))).toEqual([
      "(body) must have required property 'callbackId'",
      'message.request.count must be integer',
    ]);
    broken.message.status = 'exploded';
    expect(errorsOf(() => parseCallback('createDeviceLiveToolsPing', broken))).toEqual([
      "(body) must have required property 'callbackId'",
      'message.status must be one of its variants\' values, got "exploded"',
    ]);
  });

  it('says when a body is not JSON, and refuses an operation that has no callbacks', () => {
    expect(errorsOf(() => parseCallback('createDeviceLiveToolsPing', '{"callbackId":'))).toEqual([expect.stringMatching(/^\(body\) is not JSON: /)]);
    expect(() => parseCallback('getOrganizations' as CallbackOperation, {})).toThrow(/no operation "getOrganizations" has callbacks/);
  });
});

describe('parseAlert', () => {
  it.each(alertExamples)('accepts the spec example of %s', (name, example) => {
    expect(parseAlert(name as keyof typeof alertContracts, example)).toEqual(example);
  });

  it('covers every alert and rejects a ping callback as an alert', () => {
    expect(new Set(alertExamples.map(([n]) => n))).toEqual(new Set(Object.keys(alertContracts)));
    const [, ping] = callbackExamples.find(([op]) => op === 'createDeviceLiveToolsPing')!;
    expect(errorsOf(() => parseAlert('deviceWentDown', ping)).length).toBeGreaterThan(0);
  });
});
