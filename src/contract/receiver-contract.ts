/**
 * `contract receiver`: tests a callback receiver by sending it every callback and webhook a document declares, signed
 * as the document says, and checking its answers: 2xx to each example and schema sample and to a redelivery, 4xx to
 * what a correct receiver refuses (a bad or missing signature, a stale timestamp, a replayed webhook-id, a body that
 * breaks the schema). It sends only to the URL it is given.
 */
import { newWebhookId } from '../callbacks/signing.js';
import { secretProblem } from '../callbacks/webhook-key.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../sdk/verify-webhook.js';
import { brokenBody } from './broken-body.js';
import { callbackHeaders, describeRequest, sendCallback, type Outgoing, type Signing } from './callback-request.js';
import type { ContractDocument } from './contract-document.js';
import { clip, type Check, type ContractReport } from './contract-report.js';
import { declaredCallbacks, type DeclaredCallback } from './declared-callbacks.js';
import { DEFAULT_EXPECTATIONS, DEFAULT_TIMEOUT_MS, STALE_TIMESTAMP_SECONDS, type ReceiverCase } from './receiver-cases.js';
import { schemaChecker } from './schema-checker.js';
import { schemaSample } from './schema-sample.js';
import { statusExpectation, type StatusExpectation } from './status-expectation.js';

/** Options the run cannot use (an unknown `only` name, an expectation that is no status, a bad URL or secret). */
export class ReceiverContractError extends Error {
  override name = 'ReceiverContractError';
}

/** What runReceiverContract tests, and how. */
export interface ReceiverContractOptions {
  document: ContractDocument;
  /** The receiver's URL: every request goes there and nowhere else. */
  url: string;
  /** Standard Webhooks sharedSecret (a `whsec_` secret is its key in Base64); without it those callbacks go unsigned. */
  secret?: string | undefined;
  /** API token that keys `X-Request-Signature`; without it those callbacks go unsigned. */
  token?: string | undefined;
  /** The answer a case expects instead of its default: `4xx`, `401`, or several (`'400,422'`). */
  expect?: Partial<Record<ReceiverCase, string | number>> | undefined;
  /** How long each request may take, in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** Send only these callbacks: `operationId.callbackName`, an operationId, a callback name, `webhook.NAME` or a webhook's name. */
  only?: readonly string[] | undefined;
  /** The clock, in milliseconds since the epoch (default Date.now), for webhook-timestamp. */
  now?: (() => number) | undefined;
}

/** One run's fixed parts. */
interface Run {
  url: string;
  secret: string | undefined;
  token: string | undefined;
  expectations: Record<ReceiverCase, StatusExpectation>;
  timeoutMs: number;
  now: () => number;
  problems: (schema: object | undefined, value: unknown) => string[];
  document: ContractDocument;
}

/** The key that signs `callback`'s requests, or undefined when none was given or the document names no signing. */
function keyOf(run: Run, callback: DeclaredCallback): string | undefined {
  if (callback.signature === 'standard-webhooks') return run.secret;
  if (callback.signature === 'x-request-signature') return run.token;
  return undefined;
}

/** A body the callback may be sent with: an example or a sample that matches its schema. */
interface ValidBody {
  /** `example`, `example "NAME"`, `schema sample`, …: as checks name it. */
  name: string;
  value: unknown;
  text: string;
}

/** What the checks of one callback share. */
interface Target {
  run: Run;
  callback: DeclaredCallback;
  /** The key its requests are signed with; undefined when none was given or its signing is not declared. */
  key: string | undefined;
  /** The option that gives its key: `secret` or `token`. */
  option: string;
  /** Said on checks whose request went unsigned because no key was given. */
  unsignedNote: string | undefined;
  nowSeconds(): number;
}

/** Sends one request and makes its check: passed when the answer meets the case's expectation. */
async function exchange(
  { run, callback, key }: Target,
  { kase, name, out, why, note }: { kase: ReceiverCase; name: string; out: Outgoing; why: string; note?: string | undefined },
): Promise<Check> {
  const expectation = run.expectations[kase];
  const headers = callbackHeaders(callback, key, out);
  const started = performance.now();
  const answer = await sendCallback(run.url, callback.method, headers, out.body, run.timeoutMs);
  const durationMs = Math.round(performance.now() - started);
  const check = `${name} → ${expectation.label}`;
  const request = describeRequest(callback.method, run.url, headers, out.body);
  const base = { operation: callback.label, check, request, durationMs };
  if ('error' in answer) return { ...base, outcome: 'fail', detail: `${note ? `${note}: ` : ''}${answer.error}; expected ${expectation.label}: ${why}` };
  // The note first: what was sent matters more than the end of a long answer, which the table may cut.
  const seen = `${note ? `${note}: ` : ''}answered ${answer.status}${answer.said ? `: ${answer.said}` : ''}`;
  if (expectation.matches(answer.status)) return { ...base, outcome: 'pass', detail: seen };
  return { ...base, outcome: 'fail', detail: `${seen}; expected ${expectation.label}: ${why}` };
}

/** A check that could not be made, and why. */
function skip({ run, callback }: Target, kase: ReceiverCase, name: string, detail: string): Check {
  return { operation: callback.label, check: `${name} → ${run.expectations[kase].label}`, outcome: 'skip', detail };
}

/** The names the negative cases go by in checks, with what each sends. */
const NAMES = {
  redelivery: 'redelivery (same webhook-id, same body)',
  replay: 'replay (same webhook-id, another body)',
  badSignature: 'bad signature',
  noSignature: 'no signature',
  staleTimestamp: `stale timestamp (${STALE_TIMESTAMP_SECONDS / 60} min old)`,
  badBody: 'body breaks the schema',
} as const;

/**
 * The examples, then two schema samples (every property, then the required ones only), in that order: each a body
 * to send when it matches the schema, else the skip that says why it is not sent.
 */
function candidateBodies(target: Target): (ValidBody | Check)[] {
  const { run, callback } = target;
  const candidates: { name: string; value: unknown; external?: string | undefined; failure?: string }[] = callback.examples.map((e) => ({
    name: e.name === 'example' ? 'example' : `example "${e.name}"`,
    value: e.value,
    external: e.externalValue,
  }));
  const { schema } = callback;
  if (schema !== undefined) {
    try {
      const full = schemaSample(schema, { document: run.document.doc });
      const required = schemaSample(schema, { document: run.document.doc, requiredOnly: true });
      candidates.push({ name: 'schema sample', value: full });
      if (JSON.stringify(required) !== JSON.stringify(full)) candidates.push({ name: 'schema sample, required properties only', value: required });
    } catch (err) {
      // The sampler gives up on some schemas (a circular one without a way out, say): the examples still go.
      candidates.push({ name: 'schema sample', value: undefined, failure: `openapi-sampler could not sample the schema: ${(err as Error).message}` });
    }
  }
  return candidates.map((candidate): ValidBody | Check => {
    if (candidate.failure !== undefined) return skip(target, 'accept', candidate.name, candidate.failure);
    if (candidate.external !== undefined) {
      return skip(target, 'accept', candidate.name, `only an externalValue (${candidate.external}), which the runner does not fetch`);
    }
    const problems = run.problems(callback.schema, candidate.value);
    if (problems.length === 0) return { name: candidate.name, value: candidate.value, text: JSON.stringify(candidate.value) };
    const whose = candidate.name.startsWith('schema sample') ? 'openapi-sampler could not make a sample that matches the schema' : 'the example does not match its schema';
    return skip(target, 'accept', candidate.name, `${whose}: ${clip(problems.join('; '), 300)}`);
  });
}

/** The same webhook-id again after `first` was accepted: with the same body (a sender's retry), then with another. */
async function sameIdChecks(target: Target, first: Outgoing | undefined, bodies: ValidBody[]): Promise<Check[]> {
  const skipBoth = (reason: string) => [skip(target, 'redelivery', NAMES.redelivery, reason), skip(target, 'replay', NAMES.replay, reason)];
  if (!target.callback.hasWebhookId) return skipBoth('it carries no webhook-id (none is declared), so a redelivery cannot be told from another callback');
  if (first === undefined) return skipBoth('no valid body was accepted, so there is nothing to deliver again');
  const checks = [
    await exchange(target, {
      kase: 'redelivery',
      name: NAMES.redelivery,
      out: { ...first, timestamp: target.nowSeconds() },
      why: `webhook-id ${first.webhookId} was accepted with this body: a sender's retry must be acknowledged (and not acted on twice), or it keeps retrying`,
      note: target.unsignedNote,
    }),
  ];
  const other = bodies.find((b) => b.text !== first.body);
  if (other === undefined) {
    checks.push(skip(target, 'replay', NAMES.replay, 'the document gives it only one valid body, and a replay needs another'));
    return checks;
  }
  checks.push(
    await exchange(target, {
      kase: 'replay',
      name: NAMES.replay,
      out: { body: other.text, webhookId: first.webhookId, timestamp: target.nowSeconds(), signing: 'right' },
      why:
        `webhook-id ${first.webhookId} was accepted before with another body (this is the ${other.name}): a receiver that ` +
        'de-duplicates by id alone acknowledges a message it never reads, one that does not de-duplicate acts on a replayed id',
      note: target.unsignedNote,
    }),
  );
  return checks;
}

/** `base` signed with another key, not signed, and signed over a timestamp outside the tolerance. */
async function signatureChecks(target: Target, base: ValidBody | undefined): Promise<Check[]> {
  const { callback, key, option } = target;
  const cases = ['badSignature', 'noSignature', 'staleTimestamp'] as const;
  const cannot =
    callback.signature === undefined
      ? 'the document does not say how it is signed (no x-signature, no signature header declared)'
      : key === undefined
        ? `no ${option} given, so it is sent unsigned`
        : base === undefined
          ? 'it has no valid body to send'
          : undefined;
  if (cannot !== undefined || base === undefined) return cases.map((kase) => skip(target, kase, NAMES[kase], cannot ?? ''));
  const fresh = (signing: Signing, timestamp = target.nowSeconds()): Outgoing => ({ body: base.text, webhookId: newWebhookId(), timestamp, signing });
  const header = callback.signature === 'standard-webhooks' ? 'webhook-signature' : 'X-Request-Signature';
  return [
    await exchange(target, { kase: 'badSignature', name: NAMES.badSignature, out: fresh('wrong'), why: `${header} was made with another key than the ${option}` }),
    await exchange(target, { kase: 'noSignature', name: NAMES.noSignature, out: fresh('none'), why: `the request had no ${header}` }),
    callback.signature === 'standard-webhooks'
      ? await exchange(target, {
          kase: 'staleTimestamp',
          name: NAMES.staleTimestamp,
          out: fresh('right', target.nowSeconds() - STALE_TIMESTAMP_SECONDS),
          why: `webhook-timestamp was ${STALE_TIMESTAMP_SECONDS} s old (the tolerance is ${DEFAULT_TOLERANCE_SECONDS} s), so a captured request could be replayed later`,
        })
      : skip(target, 'staleTimestamp', NAMES.staleTimestamp, 'X-Request-Signature signs no timestamp'),
  ];
}

/** `base` broken so that it no longer matches the schema, signed as a valid body would be. */
async function badBodyCheck(target: Target, base: ValidBody | undefined): Promise<Check> {
  const { run, callback } = target;
  if (base === undefined) return skip(target, 'badBody', NAMES.badBody, 'it has no valid body to break');
  const broken = brokenBody(base.value, (v) => run.problems(callback.schema, v));
  if (broken === undefined) return skip(target, 'badBody', NAMES.badBody, 'its schema accepts every change tried');
  return exchange(target, {
    kase: 'badBody',
    name: NAMES.badBody,
    out: { body: JSON.stringify(broken.value), webhookId: newWebhookId(), timestamp: target.nowSeconds(), signing: 'right' },
    why: `that breaks its schema (${clip(broken.problems.join('; '), 120)}), though it is signed as a valid body would be`,
    note: `the ${base.name} ${broken.how}${target.unsignedNote ? `; ${target.unsignedNote}` : ''}`,
  });
}

/** Every check of one callback, in the order they are made: the valid bodies first, since the rest build on them. */
async function checkCallback(run: Run, callback: DeclaredCallback): Promise<Check[]> {
  if (callback.mediaType === undefined) {
    return [{ operation: callback.label, check: 'request body', outcome: 'skip', detail: 'declares no JSON request body: nothing to send' }];
  }
  const key = keyOf(run, callback);
  const option = callback.signature === 'standard-webhooks' ? 'secret' : 'token';
  const target: Target = {
    run,
    callback,
    key,
    option,
    unsignedNote: callback.signature !== undefined && key === undefined ? `sent unsigned (no ${option} given)` : undefined,
    nowSeconds: () => Math.floor(run.now() / 1000),
  };
  const checks: Check[] = [];
  const bodies: ValidBody[] = [];
  let accepted: Outgoing | undefined;
  for (const body of candidateBodies(target)) {
    if ('outcome' in body) {
      checks.push(body);
      continue;
    }
    bodies.push(body);
    const out: Outgoing = { body: body.text, webhookId: newWebhookId(), timestamp: target.nowSeconds(), signing: 'right' };
    const check = await exchange(target, { kase: 'accept', name: body.name, out, why: 'it matches its schema and is signed as the document says', note: target.unsignedNote });
    checks.push(check);
    if (check.outcome === 'pass') accepted ??= out;
  }
  checks.push(...(await sameIdChecks(target, accepted, bodies)));
  checks.push(...(await signatureChecks(target, bodies[0])));
  checks.push(await badBodyCheck(target, bodies[0]));
  return checks;
}

/** The run's fixed parts from its options; throws ReceiverContractError for what it cannot use. */
function runOf(options: ReceiverContractOptions): Run {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ReceiverContractError(`the receiver's URL must be an absolute http(s) URL, got "${options.url}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ReceiverContractError(`the receiver's URL must be http or https, got "${options.url}"`);
  const problem = options.secret === undefined ? undefined : secretProblem(options.secret);
  if (problem !== undefined) throw new ReceiverContractError(`the secret cannot sign: ${problem}`);
  const expectations = {} as Record<ReceiverCase, StatusExpectation>;
  for (const [kase, written] of Object.entries({ ...DEFAULT_EXPECTATIONS, ...options.expect }) as [ReceiverCase, string | number | undefined][]) {
    if (!(kase in DEFAULT_EXPECTATIONS)) {
      throw new ReceiverContractError(`no case "${kase}" to expect an answer of: the cases are ${Object.keys(DEFAULT_EXPECTATIONS).join(', ')}`);
    }
    try {
      expectations[kase] = statusExpectation(written ?? DEFAULT_EXPECTATIONS[kase]);
    } catch (err) {
      throw new ReceiverContractError(`${kase}: ${(err as Error).message}`);
    }
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new ReceiverContractError(`the timeout must be a positive number of milliseconds, got ${timeoutMs}`);
  const check = schemaChecker(options.document.version);
  return {
    url: url.href,
    secret: options.secret,
    token: options.token,
    expectations,
    timeoutMs,
    now: options.now ?? Date.now,
    // Without a schema any body is the callback's: nothing can break it.
    problems: (schema, value) => (schema === undefined ? [] : check(schema, value)),
    document: options.document,
  };
}

/** Sends every callback and webhook of the document (or those `only` names) to the receiver, one request at a time. */
export async function runReceiverContract(options: ReceiverContractOptions): Promise<ContractReport> {
  const started = performance.now();
  const run = runOf(options);
  let callbacks = declaredCallbacks(options.document.doc);
  if (options.only !== undefined && options.only.length > 0) {
    const unknown = options.only.filter((name) => !callbacks.some((c) => c.names.includes(name)));
    if (unknown.length > 0) {
      throw new ReceiverContractError(
        `${options.document.source} has no callback or webhook named ${unknown.map((n) => `"${n}"`).join(', ')}; it has ${callbacks.map((c) => c.key).join(', ') || 'none'}`,
      );
    }
    callbacks = callbacks.filter((c) => options.only!.some((name) => c.names.includes(name)));
  }
  const checks: Check[] = [];
  if (callbacks.length === 0) {
    checks.push({ operation: options.document.source, check: 'callbacks and webhooks', outcome: 'skip', detail: 'the document declares none: nothing to send' });
  }
  // One at a time: the replay cases depend on what the receiver has seen before them, and a receiver is one endpoint.
  for (const callback of callbacks) checks.push(...(await checkCallback(run, callback)));
  return { mode: 'receiver', target: run.url, checks, durationMs: Math.round(performance.now() - started) };
}
