/** Signing against fixed vectors: Standard Webhooks from its reference library, AutoPi's from the docs' Python snippet. */
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Webhook as SvixWebhook } from 'svix';
import { newWebhookId, requestSignature, standardWebhookHeaders, standardWebhookSignature } from '../../src/callbacks/signing.js';
import { secretProblem, webhookKey } from '../../src/callbacks/webhook-key.js';
import { autoPiVectors, standardWebhooksVectors } from '../support/signature-vectors.js';

const standardWebhooks = standardWebhooksVectors;
const autoPi = autoPiVectors;

afterEach(() => {
  vi.useRealTimers();
});

/** A receiver's verifier for `secret`, as the README tells receivers to build it: a whsec_ secret as is, any other as its UTF-8 bytes. */
function receiverFor(secret: string): Webhook {
  return secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
}

describe('Standard Webhooks', () => {
  it('has vectors with ASCII, UTF-8, empty and long bodies, a non-ASCII secret and whsec_ secrets', () => {
    expect(standardWebhooks.source).toMatch(/standardwebhooks/);
    expect(standardWebhooks.vectors.length).toBeGreaterThanOrEqual(5);
    expect(standardWebhooks.vectors.some((v) => v.body === '')).toBe(true);
    expect(standardWebhooks.vectors.some((v) => /[^\x00-\x7f]/.test(v.body))).toBe(true);
    expect(standardWebhooks.vectors.some((v) => /[^\x00-\x7f]/.test(v.secret))).toBe(true);
    expect(standardWebhooks.vectors.some((v) => Buffer.byteLength(v.body, 'utf8') > 10_000)).toBe(true);
    expect(standardWebhooks.vectors.filter((v) => v.secret.startsWith('whsec_')).length).toBeGreaterThanOrEqual(2);
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
    const webhook = receiverFor(v.secret);
    expect(() => webhook.verify(v.body, headers, { jsonParse: false })).not.toThrow();
    expect(() => webhook.verify(`${v.body} `, headers, { jsonParse: false })).toThrow(/No matching signature/);
    // Svix's library (which wraps the reference one) takes the same secrets the same way.
    const svix = v.secret.startsWith('whsec_') ? new SvixWebhook(v.secret) : new SvixWebhook(Buffer.from(v.secret, 'utf8'), { format: 'raw' });
    // (Its verify always parses the body as JSON, which some vectors are not, so compare what it signs.)
    expect(svix.sign(v.webhookId, new Date(v.timestamp * 1000), v.body)).toBe(headers['webhook-signature']);
  });

  it('builds headers for the current time that verify accepts', () => {
    const [v] = standardWebhooks.vectors;
    const headers = standardWebhookHeaders(v!.webhookId, Math.floor(Date.now() / 1000), v!.body, v!.secret);
    expect(receiverFor(v!.secret).verify(v!.body, headers)).toEqual(JSON.parse(v!.body));
  });

  it('keys a whsec_ secret with its Base64 key and any other secret with its UTF-8 bytes', () => {
    const key = Buffer.from('0123456789abcdef01234567', 'utf8');
    expect(Buffer.from(webhookKey(`whsec_${key.toString('base64')}`))).toEqual(key);
    expect(Buffer.from(webhookKey('sécret'))).toEqual(Buffer.from('sécret', 'utf8'));
    // Only the exact lower-case prefix marks a Base64 key.
    expect(Buffer.from(webhookKey(`WHSEC_${key.toString('base64')}`))).toEqual(Buffer.from(`WHSEC_${key.toString('base64')}`, 'utf8'));
    expect(secretProblem('any text at all, even whsec_ inside')).toBeUndefined();
  });

  it.each([
    ['not Base64', 'whsec_not base64 at all!!'],
    ['Base64 URL alphabet', `whsec_${Buffer.alloc(24, 0xfb).toString('base64url')}`],
    ['missing padding', `whsec_${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`],
    ['stray low bits', 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWZ='],
    ['nothing after the prefix', 'whsec_'],
    ['23 bytes', `whsec_${Buffer.alloc(23, 1).toString('base64')}`],
  ])('refuses a whsec_ secret that is no key: %s', (_name, secret) => {
    expect(secretProblem(secret)).toMatch(/^a secret starting with whsec_ is its key in Base64, and /);
    expect(() => webhookKey(secret)).toThrow(/whsec_/);
  });

  it('takes a whsec_ secret of exactly 24 bytes', () => {
    expect(secretProblem(`whsec_${Buffer.alloc(24, 1).toString('base64')}`)).toBeUndefined();
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
