/**
 * The receiver kit's core: one received request in, the answer to give out. It verifies the signature over the raw
 * body, checks the body against the contract of each callback or alert the receiver expects, drops redeliveries by
 * `webhook-id` (refusing another body under a known id), and hands the typed payload to the receiver's function.
 * callbackHandler() adapts it to Node and express.
 */
import {
  alertContracts,
  callbackContracts,
  type AlertName,
  type AlertPayloads,
  type CallbackOperation,
  type CallbackPayloads,
  type DeliveryContract,
} from '../../generated/callbacks.gen.js';
import { CallbackParseError } from './callback-parse-error.js';
import { MemoryDedupe, type DedupeStore } from './memory-dedupe.js';
import { parseAlert, parseCallback } from './parse-callback.js';
import { verifyRequestSignature } from './verify-request-signature.js';
import { verifyWebhook } from './verify-webhook.js';
import { headerValue, type HeaderSource } from './webhook-headers.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

/** A callback or alert that verified and matched its schema, typed by which one it is. */
export type ReceivedCallback<K extends CallbackOperation = never, A extends AlertName = never> =
  | { [O in K]: { kind: 'callback'; operation: O; payload: CallbackPayloads[O]; webhookId: string | undefined } }[K]
  | { [N in A]: { kind: 'alert'; alert: N; payload: AlertPayloads[N]; webhookId: string | undefined } }[A];

/** What a receiver expects and how it checks it. */
export interface CallbackReceiverOptions<K extends CallbackOperation = never, A extends AlertName = never> {
  /** Operations (operationIds) whose callbacks arrive here, e.g. `['createDeviceLiveToolsPing']`. */
  callbacks?: readonly K[] | undefined;
  /** Alerts (the spec's `webhooks`) that arrive here, e.g. `['deviceWentDown', 'deviceCameUp']`. */
  alerts?: readonly A[] | undefined;
  /** The callbacks' sharedSecret (Standard Webhooks signature); several while you rotate it. */
  secret?: string | readonly string[] | undefined;
  /** The API token of dongle execute requests (AutoPi `X-Request-Signature`). */
  token?: string | undefined;
  /** Accept requests that carry no signature you can check. Only for callbacks sent without a secret. */
  unsigned?: boolean | undefined;
  /** Called once per callback, with its typed payload; throw to make the sender retry (the answer is then 500). */
  onCallback(received: ReceivedCallback<K, A>): void | Promise<void>;
  /** Told when onCallback throws (default: console.error), since the sender only hears "500". */
  onError?(error: unknown, received: ReceivedCallback<K, A>): void;
  /**
   * Where handled `webhook-id`s and a digest of their bodies are remembered (default: a MemoryDedupe of 10,000);
   * false to act on every delivery.
   */
  dedupe?: DedupeStore | false | undefined;
  /** Largest body accepted, in bytes (default 1 MiB); a longer one is answered 413. */
  maxBodyBytes?: number | undefined;
  /** Seconds a `webhook-timestamp` may differ from now (default 300). */
  toleranceSeconds?: number | undefined;
}

/** A request as the receiver sees it. */
export interface ReceivedRequest {
  method: string;
  headers: HeaderSource;
  body: Uint8Array;
}

/** The answer to send back. */
export interface ReceiverAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The default largest body: Boomerang's own callbacks are a few kilobytes. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

type Candidate = { kind: 'callback' | 'alert'; key: string; contract: DeliveryContract };

/** The SHA-256 of a body, in Base64: what tells a redelivery (the same bytes) from another message under the same id. */
async function bodyDigest(body: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body as BufferSource));
  return btoa(String.fromCharCode(...digest));
}

function answer(status: number, errors?: string[], headers: Record<string, string> = {}): ReceiverAnswer {
  if (errors === undefined) return { status, headers, body: '' };
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ errors }) };
}

/** A function that answers requests for `options`; checks the options once, up front. */
export function callbackReceiver<K extends CallbackOperation = never, A extends AlertName = never>(
  options: CallbackReceiverOptions<K, A>,
): (request: ReceivedRequest) => Promise<ReceiverAnswer> {
  const candidates: Candidate[] = [
    ...(options.callbacks ?? []).map((key) => ({ kind: 'callback' as const, key, contract: callbackContracts[key] })),
    ...(options.alerts ?? []).map((key) => ({ kind: 'alert' as const, key, contract: alertContracts[key] })),
  ];
  for (const c of candidates) if (c.contract === undefined) throw new TypeError(`the spec has no ${c.kind} "${c.key}"`);
  if (candidates.length === 0) throw new TypeError('give the callbacks and/or alerts this receiver expects');
  if (options.secret === undefined && options.token === undefined && options.unsigned !== true) {
    throw new TypeError('give a secret (Standard Webhooks) or a token (X-Request-Signature), or unsigned: true');
  }
  const dedupe = options.dedupe === false ? undefined : (options.dedupe ?? new MemoryDedupe());
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  /** Which signature scheme verified the request, or undefined when unsigned requests are accepted. */
  async function verify(request: ReceivedRequest): Promise<DeliveryContract['signature'] | undefined> {
    const { headers, body } = request;
    if (options.secret !== undefined && headerValue(headers, 'webhook-signature') !== undefined) {
      await verifyWebhook(body, headers, options.secret, { toleranceSeconds: options.toleranceSeconds });
      return 'standard-webhooks';
    }
    if (options.token !== undefined && headerValue(headers, 'x-request-signature') !== undefined) {
      await verifyRequestSignature(body, headers, options.token);
      return 'x-request-signature';
    }
    if (options.unsigned === true) return undefined;
    const expected = [options.secret !== undefined ? 'webhook-signature' : undefined, options.token !== undefined ? 'X-Request-Signature' : undefined];
    throw new WebhookVerificationError(`missing ${expected.filter((h) => h !== undefined).join(' or ')} header`);
  }

  function parse(scheme: DeliveryContract['signature'] | undefined, body: Uint8Array): ReceivedCallback<K, A> {
    const problems: string[] = [];
    const fitting = candidates.filter((c) => scheme === undefined || c.contract.signature === scheme);
    for (const c of fitting) {
      try {
        const payload = c.kind === 'callback' ? parseCallback(c.key as K, body) : parseAlert(c.key as A, body);
        return (c.kind === 'callback'
          ? { kind: 'callback', operation: c.key, payload }
          : { kind: 'alert', alert: c.key, payload }) as ReceivedCallback<K, A>;
      } catch (err) {
        if (!(err instanceof CallbackParseError)) throw err;
        // One problem list is enough when only one contract could apply; otherwise say which contract said what.
        problems.push(...(fitting.length === 1 ? err.errors : err.errors.map((e) => `${c.key}: ${e}`)));
      }
    }
    throw new CallbackParseError(problems.length > 0 ? problems : ['no expected callback is signed this way']);
  }

  return async (request) => {
    if (request.method.toUpperCase() !== 'POST') return answer(405, [`callbacks are POSTed, not sent with ${request.method}`], { allow: 'POST' });
    if (request.body.byteLength > maxBodyBytes) return answer(413, [`the body is over ${maxBodyBytes} bytes`]);
    let received: ReceivedCallback<K, A>;
    try {
      const scheme = await verify(request);
      received = parse(scheme, request.body);
    } catch (err) {
      if (err instanceof WebhookVerificationError) return answer(401, [err.message]);
      if (err instanceof CallbackParseError) return answer(400, err.errors);
      throw err;
    }
    const webhookId = headerValue(request.headers, 'webhook-id');
    received.webhookId = webhookId;
    if (dedupe !== undefined && webhookId !== undefined) {
      const claim = await dedupe.claim(webhookId, await bodyDigest(request.body));
      // Handled already: 2xx, so the sender stops. Being handled now: 409, so it retries later, in case that attempt fails.
      if (claim === 'handled') return answer(204);
      if (claim === 'in-flight') return answer(409, [`webhook-id ${webhookId} is being handled`], { 'retry-after': '5' });
      // A webhook-id names one message, whose every attempt carries the same bytes: another body under it is a replay
      // of the id, not a redelivery, and acting on it or acknowledging it as handled would both be wrong. 422, as the
      // IETF Idempotency-Key draft answers a key reused with another payload (it too keeps 409 for "in progress").
      if (claim === 'conflict') return answer(422, [`webhook-id ${webhookId} was received before with another body: each message needs its own webhook-id`]);
    }
    try {
      await options.onCallback(received);
    } catch (err) {
      if (dedupe !== undefined && webhookId !== undefined) await dedupe.release(webhookId);
      (options.onError ?? ((e: unknown) => console.error('Boomerang callback receiver: onCallback failed:', e)))(err, received);
      // The sender logs this answer: say that it failed, not what the receiver's error said.
      return answer(500, ['the receiver could not handle this callback; retry later']);
    }
    if (dedupe !== undefined && webhookId !== undefined) await dedupe.commit(webhookId);
    return answer(204);
  };
}
