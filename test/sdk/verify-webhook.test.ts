/** The receiver kit's signature checks: Standard Webhooks (against the reference library and fixed vectors) and AutoPi's. */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyRequestSignature } from '../../src/sdk/verify-request-signature.js';
import { verifyWebhook } from '../../src/sdk/verify-webhook.js';
import { WebhookVerificationError } from '../../src/sdk/webhook-verification-error.js';
import { autoPiVectors, standardWebhooksVectors } from '../support/signature-vectors.js';

const vectors = standardWebhooksVectors.vectors;
const autoPi = autoPiVectors.vectors;

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const WHSEC = `whsec_${KEY.toString('base64')}`;
const BODY = '{"callbackId":"1","message":{"status":"complete"}}';
const NOW = 1_700_000_000;

/** Headers as the reference library signs them for `secret` (its default constructor: a whsec_/base64 secret). */
function signed(body: string, secret = WHSEC, at = NOW, id = 'msg_1'): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': new Webhook(secret).sign(id, new Date(at * 1000), body) };
}

const reason = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof WebhookVerificationError ? e.message : `other: ${String(e)}`));

describe('verifyWebhook', () => {
  it.each(vectors)('accepts the fixed vector "$name" (a plain secret, keyed by its UTF-8 bytes)', async (v) => {
    const headers = { 'webhook-id': v.webhookId, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.signature };
    await expect(verifyWebhook(v.body, headers, v.secret, { now: v.timestamp * 1000 })).resolves.toEqual({ webhookId: v.webhookId, timestamp: v.timestamp });
    await expect(verifyWebhook(new TextEncoder().encode(v.body), new Headers(headers), v.secret, { now: v.timestamp * 1000 })).resolves.toBeDefined();
  });

  it('accepts what the standardwebhooks library signs for a whsec_ secret, from a string, bytes or fetch Headers', async () => {
    const headers = signed(BODY);
    await expect(verifyWebhook(BODY, headers, WHSEC, { now: NOW * 1000 })).resolves.toEqual({ webhookId: 'msg_1', timestamp: NOW });
    await expect(verifyWebhook(Buffer.from(BODY), new Headers(headers), WHSEC, { now: NOW * 1000 })).resolves.toBeDefined();
  });

  it('rejects a tampered body, a wrong secret, and a timestamp outside the 5-minute tolerance', async () => {
    const headers = signed(BODY);
    const now = { now: NOW * 1000 };
    expect(await reason(verifyWebhook(BODY.replace('complete', 'failed'), headers, WHSEC, now))).toMatch(/no webhook-signature matches/);
    expect(await reason(verifyWebhook(BODY, headers, `whsec_${Buffer.from('another key, another 32 bytes!!').toString('base64')}`, now))).toMatch(/no webhook-signature matches/);
    // The same key given as plain text is a different key: whsec_ is the base64 form only.
    expect(await reason(verifyWebhook(BODY, headers, KEY.toString('utf8'), now))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, headers, WHSEC.slice(6), now))).toMatch(/no webhook-signature matches/);
    expect(await reason(verifyWebhook(BODY, headers, WHSEC, { now: (NOW + 301) * 1000 }))).toMatch(/more than 300 s from now/);
    expect(await reason(verifyWebhook(BODY, headers, WHSEC, { now: (NOW - 301) * 1000 }))).toMatch(/more than 300 s from now/);
    expect(await reason(verifyWebhook(BODY, headers, WHSEC, { now: (NOW + 300) * 1000 }))).toBe('accepted');
    expect(await reason(verifyWebhook(BODY, headers, WHSEC, { now: (NOW + 30) * 1000, toleranceSeconds: 10 }))).toMatch(/more than 10 s/);
  });

  it('rejects missing or malformed headers', async () => {
    const headers = signed(BODY);
    const now = { now: NOW * 1000 };
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const { [name]: _, ...rest } = headers;
      expect(await reason(verifyWebhook(BODY, rest, WHSEC, now))).toMatch(/^missing webhook-id, webhook-timestamp or webhook-signature/);
    }
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-timestamp': '1.7e9' }, WHSEC, now))).toMatch(/not whole seconds/);
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-signature': 'v2,abc' }, WHSEC, now))).toMatch(/no v1 signature/);
    // A different id signs different bytes.
    expect(await reason(verifyWebhook(BODY, { ...headers, 'webhook-id': 'msg_2' }, WHSEC, now))).toMatch(/no webhook-signature matches/);
  });

  it('accepts any of several signatures (the sender rotating) and any of several secrets (the receiver rotating)', async () => {
    const old = `whsec_${Buffer.from('the old key, also thirty-two b!!').toString('base64')}`;
    const byNew = signed(BODY);
    const byOld = signed(BODY, old);
    const both = { ...byNew, 'webhook-signature': `${byOld['webhook-signature']} ${byNew['webhook-signature']}` };
    const now = { now: NOW * 1000 };
    await expect(verifyWebhook(BODY, both, WHSEC, now)).resolves.toBeDefined();
    await expect(verifyWebhook(BODY, both, old, now)).resolves.toBeDefined();
    await expect(verifyWebhook(BODY, byOld, [WHSEC, old], now)).resolves.toBeDefined();
    expect(await reason(verifyWebhook(BODY, byOld, [WHSEC], now))).toMatch(/no webhook-signature matches/);
  });

  it('refuses a whsec_ secret that is not a Base64 key of 24 bytes or more, saying why', async () => {
    const headers = signed(BODY);
    expect(await reason(verifyWebhook(BODY, headers, 'whsec_not base64!', { now: NOW * 1000 }))).toMatch(/other: TypeError: .*is not Base64/);
    expect(await reason(verifyWebhook(BODY, headers, `whsec_${Buffer.from('short').toString('base64')}`, { now: NOW * 1000 }))).toMatch(/this key has 5 bytes: at least 24 are needed/);
  });
});

describe('verifyRequestSignature (AutoPi X-Request-Signature)', () => {
  it.each(autoPi)('accepts the fixed vector "$name"', async (v) => {
    await expect(verifyRequestSignature(v.body, { 'x-request-signature': v.signature }, v.token)).resolves.toBeUndefined();
    await expect(verifyRequestSignature(v.body, new Headers({ 'X-Request-Signature': v.signature.toUpperCase() }), v.token)).resolves.toBeUndefined();
  });

  it('rejects a tampered body, a wrong token, and a missing or malformed header', async () => {
    const v = autoPi[0]!;
    expect(await reason(verifyRequestSignature(`${v.body} `, { 'x-request-signature': v.signature }, v.token))).toMatch(/does not match/);
    expect(await reason(verifyRequestSignature(v.body, { 'x-request-signature': v.signature }, `${v.token}x`))).toMatch(/does not match/);
    expect(await reason(verifyRequestSignature(v.body, {}, v.token))).toMatch(/missing X-Request-Signature/);
    expect(await reason(verifyRequestSignature(v.body, { 'x-request-signature': 'abc' }, v.token))).toMatch(/not 64 hex digits/);
  });
});
