/** Signing against fixed vectors: Standard Webhooks from its reference library, AutoPi's from the docs' Python snippet. */
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newWebhookId, requestSignature, standardWebhookHeaders, standardWebhookSignature } from '../../src/callbacks/signing.js';

interface Fixture<Vector> {
  source: string;
  vectors: Vector[];
}
interface StandardWebhooksVector {
  name: string;
  webhookId: string;
  timestamp: number;
  secret: string;
  body: string;
  signature: string;
}
interface AutoPiVector {
  name: string;
  token: string;
  body: string;
  signature: string;
}

function fixture<Vector>(file: string): Fixture<Vector> {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as Fixture<Vector>;
}

const standardWebhooks = fixture<StandardWebhooksVector>('standard-webhooks-vectors.json');
const autoPi = fixture<AutoPiVector>('autopi-signature-vectors.json');

afterEach(() => {
  vi.useRealTimers();
});

describe('Standard Webhooks', () => {
  it('has vectors with ASCII, UTF-8, empty and long bodies, and a non-ASCII secret', () => {
    expect(standardWebhooks.source).toMatch(/standardwebhooks/);
    expect(standardWebhooks.vectors.length).toBeGreaterThanOrEqual(5);
    expect(standardWebhooks.vectors.some((v) => v.body === '')).toBe(true);
    expect(standardWebhooks.vectors.some((v) => /[^\x00-\x7f]/.test(v.body))).toBe(true);
    expect(standardWebhooks.vectors.some((v) => /[^\x00-\x7f]/.test(v.secret))).toBe(true);
    expect(standardWebhooks.vectors.some((v) => Buffer.byteLength(v.body, 'utf8') > 10_000)).toBe(true);
  });

  it.each(standardWebhooks.vectors)('signs $name', (v) => {
    expect(standardWebhookSignature(v.secret, v.webhookId, v.timestamp, v.body)).toBe(v.signature);
    expect(standardWebhookHeaders(v.webhookId, v.timestamp, v.body, v.secret)).toEqual({
      'webhook-id': v.webhookId,
      'webhook-timestamp': String(v.timestamp),
      'webhook-signature': v.signature,
    });
  });

  it.each(standardWebhooks.vectors)("builds headers the library's verify accepts: $name", (v) => {
    // verify refuses timestamps more than five minutes from now, so now is the vector's time.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(v.timestamp * 1000);
    const headers = standardWebhookHeaders(v.webhookId, v.timestamp, v.body, v.secret);
    const webhook = new Webhook(Buffer.from(v.secret, 'utf8').toString('base64'));
    expect(() => webhook.verify(v.body, headers, { jsonParse: false })).not.toThrow();
    expect(() => webhook.verify(`${v.body} `, headers, { jsonParse: false })).toThrow(/No matching signature/);
  });

  it('builds headers for the current time that verify accepts', () => {
    const [v] = standardWebhooks.vectors;
    const headers = standardWebhookHeaders(v!.webhookId, Math.floor(Date.now() / 1000), v!.body, v!.secret);
    expect(new Webhook(Buffer.from(v!.secret, 'utf8').toString('base64')).verify(v!.body, headers)).toEqual(JSON.parse(v!.body));
  });

  it('leaves webhook-signature out when there is no secret', () => {
    expect(standardWebhookHeaders('msg_00112233445566778899aabbccddeeff', 1700000000, '{}')).toEqual({
      'webhook-id': 'msg_00112233445566778899aabbccddeeff',
      'webhook-timestamp': '1700000000',
    });
  });
});

describe('webhook id', () => {
  it('is msg_ and 32 hex digits, new each time', () => {
    const ids = Array.from({ length: 100 }, () => newWebhookId());
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('X-Request-Signature', () => {
  it('has vectors with ASCII, UTF-8, empty and long bodies, and a non-ASCII token', () => {
    expect(autoPi.source).toMatch(/hmac\.new/);
    expect(autoPi.vectors.length).toBeGreaterThanOrEqual(5);
    expect(autoPi.vectors.some((v) => v.body === '')).toBe(true);
    expect(autoPi.vectors.some((v) => /[^\x00-\x7f]/.test(v.body))).toBe(true);
    expect(autoPi.vectors.some((v) => /[^\x00-\x7f]/.test(v.token))).toBe(true);
    expect(autoPi.vectors.some((v) => Buffer.byteLength(v.body, 'utf8') > 10_000)).toBe(true);
  });

  it.each(autoPi.vectors)('signs $name', (v) => {
    expect(requestSignature(v.token, v.body)).toBe(v.signature);
  });
});
