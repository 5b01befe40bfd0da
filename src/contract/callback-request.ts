/**
 * One request of `contract receiver` to the receiver: its headers (the declared ones and the signing ones, signed
 * right, wrong or not at all), sending it, and how a check shows it.
 */
import { requestSignature, standardWebhookSignature } from '../callbacks/signing.js';
import { clip } from './contract-report.js';
import type { DeclaredCallback } from './declared-callbacks.js';
import { schemaSample } from './schema-sample.js';

/** How one request is signed: as the receiver expects, with another key, or not at all. */
export type Signing = 'right' | 'wrong' | 'none';

/** What one request sends: its body, the Standard Webhooks id and timestamp it carries, and its signing. */
export interface Outgoing {
  body: string;
  webhookId: string;
  /** In whole seconds since the epoch. */
  timestamp: number;
  signing: Signing;
}

/** What a receiver answered: its status and what its body says, or why there was no answer. */
export type Answer = { status: number; said: string } | { error: string };

/** Longest part of an answer's body quoted in a check's detail. */
const MAX_ANSWER_SHOWN = 160;

/** The `errors` of a `{"errors": [...]}` body, else the body itself, shortened. */
function said(text: string): string {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return clip(errors.join('; '), MAX_ANSWER_SHOWN);
  } catch {
    // Not JSON: quoted as it is.
  }
  return clip(text.trim(), MAX_ANSWER_SHOWN);
}

/**
 * The headers of one request of `callback`: its media type, its declared headers (their examples, or a sample when
 * required), the Standard Webhooks id and timestamp when it carries them, and its signature made with `key`.
 */
export function callbackHeaders(callback: DeclaredCallback, key: string | undefined, out: Outgoing): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': callback.mediaType ?? 'application/json' };
  for (const header of callback.headers) {
    const value = header.example ?? (header.required && header.schema ? schemaSample(header.schema) : undefined);
    if (value !== undefined) headers[header.name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (callback.hasWebhookId) headers['webhook-id'] = out.webhookId;
  if (callback.hasTimestamp) headers['webhook-timestamp'] = String(out.timestamp);
  if (key === undefined || out.signing === 'none') return headers;
  // Another key than the receiver's: "not " before it is never the same key, in either of the secret's forms.
  const signingKey = out.signing === 'wrong' ? `not ${key}` : key;
  if (callback.signature === 'standard-webhooks') {
    headers['webhook-signature'] = standardWebhookSignature(signingKey, out.webhookId, out.timestamp, out.body);
  } else if (callback.signature === 'x-request-signature') {
    headers['X-Request-Signature'] = requestSignature(signingKey, out.body);
  }
  return headers;
}

/** Sends one request to `url` and reads the answer; a network failure or a timeout is an answer too, never thrown. */
export async function sendCallback(url: string, method: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Answer> {
  try {
    // A redirect is an answer: following it would send the callback somewhere the run was not given.
    const response = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, said: said(await response.text()) };
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return { error: `no answer within ${timeoutMs / 1000} s` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: `no answer: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
  }
}

/** The request as a check shows it: method, URL, the webhook-id and timestamp it carried, and its body. */
export function describeRequest(method: string, url: string, headers: Record<string, string>, body: string): string {
  const shown = ['webhook-id', 'webhook-timestamp'].filter((h) => headers[h] !== undefined).map((h) => `${h}: ${headers[h]}`);
  return `${method} ${url}${shown.length > 0 ? ` (${shown.join(', ')})` : ''} ${body}`;
}
