/**
 * `contract api`: tests a running implementation of a spec. Each operation is called with a valid request and with
 * invalid variants, every answer is checked against the spec, `Link` pages and OpenAPI links are followed, and every
 * callback the spec defines is received on the runner's own loopback catcher and checked against its definition.
 */
import { isDeepStrictEqual } from 'node:util';
import type { OpenAPIV3_1 } from 'openapi-types';
import { parseLinkHeader, resolveLink } from '../sdk/link-header.js';
import { apiOperations, linkTargets, type ApiOperation, type OperationLink } from './api-operations.js';
import { buildRequest, exampleNames, requestMedia, type ApiFixtures, type BuiltRequest, type ExpectedCallback } from './api-request.js';
import { startCallbackCatcher } from './callback-catcher.js';
import { checkCallback } from './check-callback.js';
import { checkResponse, declaredStatus, type Answer } from './check-response.js';
import type { ContractDocument } from './contract-document.js';
import type { Check, ContractReport } from './contract-report.js';
import { invalidVariants } from './invalid-variants.js';
import { evaluate, getAt, parseRuntimeExpression, pointerTokens, type Exchange } from './runtime-expression.js';
import { schemaChecker } from './schema-checker.js';

/** What `runApiContract` needs: the document, where the implementation runs, and what the spec cannot invent. */
export interface ApiContractOptions {
  document: ContractDocument;
  /** The implementation's origin (or base URL), e.g. `http://127.0.0.1:8080`; the spec's paths are appended. */
  baseUrl: string;
  /** The API key or token for the operations' security schemes (HTTP bearer, API key header or query). */
  token?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  fixtures?: ApiFixtures;
  /** Only these operationIds (and the operations their links lead to); all when absent. */
  only?: readonly string[];
  /** Where the catcher listens (default 127.0.0.1, a free port). */
  listen?: { host: string; port: number };
  /** Key for callbacks whose spec does not say where their key comes from. */
  secret?: string;
  /** How long to wait for each callback after its request (default 30 s). */
  callbackTimeoutMs?: number;
  /** How long one request may take (default 15 s). */
  requestTimeoutMs?: number;
  /** Most `Link` next pages followed per list (default 3). */
  maxPages?: number;
}

/** Times a 429 is waited out and retried before it counts as the answer. */
const RATE_LIMIT_RETRIES = 3;
/** Longest `Retry-After` the runner waits, in milliseconds. */
const MAX_RETRY_WAIT_MS = 5_000;
/** Longest body shown in a failing request's row. */
const MAX_BODY_SHOWN = 240;

/** A request that got a 2xx, kept for its links and callbacks. */
interface Done {
  op: ApiOperation;
  built: BuiltRequest;
  answer: Answer;
  sentAt: number;
  /** The check prefix of this run, e.g. `via GetPing: `. */
  prefix: string;
  /** The values of the link this run followed, if any. */
  linkValues: Record<string, unknown> | undefined;
}

/** One line naming a request: method, URL and the start of its body. */
function describeRequest(built: BuiltRequest): string {
  const body = built.bodyText === undefined ? '' : ` ${built.bodyText.length > MAX_BODY_SHOWN ? `${built.bodyText.slice(0, MAX_BODY_SHOWN)}…` : built.bodyText}`;
  return `${built.exchange.method} ${built.exchange.url}${body}`;
}

/** Sends a built request, waiting out a 429's Retry-After a few times. */
async function send(built: BuiltRequest, timeoutMs: number): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(built.exchange.url, {
      method: built.exchange.method,
      headers: built.exchange.headers,
      ...(built.bodyText !== undefined ? { body: built.bodyText } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    if (response.status !== 429 || attempt >= RATE_LIMIT_RETRIES) return { status: response.status, headers, text };
    const wait = Math.min(MAX_RETRY_WAIT_MS, Math.max(100, Number(headers['retry-after'] ?? 1) * 1000));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** The leaves of `expected` that `actual` does not repeat, as `path: expected X, got Y` lines. */
function differences(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path || '(body)'}: the callback has an object, the follow-up ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => differences(value, (actual as Record<string, unknown>)[key], path ? `${path}.${key}` : key));
  }
  return isDeepStrictEqual(expected, actual) ? [] : [`${path || '(body)'}: the callback says ${JSON.stringify(expected)}, the follow-up ${JSON.stringify(actual)}`];
}

/** Runs the API contract; the report's checks are in the order they were made. */
export async function runApiContract(options: ApiContractOptions): Promise<ContractReport> {
  const started = Date.now();
  const { doc, version } = options.document;
  const checker = schemaChecker(version);
  const checks: Check[] = [];
  const callbackTimeout = options.callbackTimeoutMs ?? 30_000;
  const requestTimeout = options.requestTimeoutMs ?? 15_000;
  const fixtures = options.fixtures ?? {};
  const catcher = await startCallbackCatcher(options.listen ?? {});
  let tags = 0;
  const all = apiOperations(doc);
  const byId = new Map(all.map((o) => [o.id, o]));
  for (const id of options.only ?? []) if (!byId.has(id)) throw new Error(`no operation ${id} in ${options.document.source}`);
  const selected = options.only ? new Set(options.only) : undefined;
  const targets = linkTargets(all.filter((o) => !selected || selected.has(o.id)));
  const reached = new Set<string>();
  const sources = (extra: Partial<Parameters<typeof buildRequest>[3]> = {}) => ({
    fixtures,
    token: options.token,
    headers: options.headers ?? {},
    secret: options.secret,
    catcherUrl: (tag: string) => catcher.url(tag),
    nextTag: (name: string) => `${++tags}.${name.replace(/[^A-Za-z0-9-]/g, '-')}`,
    ...extra,
  });
  const record = (op: string, check: string, outcome: Check['outcome'], detail?: string, request?: string, durationMs?: number) =>
    checks.push({ operation: op, check, outcome, ...(detail ? { detail } : {}), ...(request ? { request } : {}), ...(durationMs !== undefined ? { durationMs } : {}) });
  const expectations: { done: Done; expected: ExpectedCallback }[] = [];
  const refusedTags: { op: string; tag: string }[] = [];
  const deferredDeletes: { link: OperationLink; from: Done }[] = [];
  const matches: { link: OperationLink; from: Done }[] = [];
  const emptyLists: { link: OperationLink; from: Done; prefix: string; reason: string }[] = [];

  /** Sends one request and checks its answer; resolves with what it got (undefined when it could not be sent). */
  const exercise = async (op: ApiOperation, built: BuiltRequest, prefix: string, expect: '2xx' | '4xx' | '401', label: string): Promise<Answer | undefined> => {
    const request = describeRequest(built);
    const t0 = Date.now();
    let answer: Answer;
    try {
      answer = await send(built, requestTimeout);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      record(op.id, `${prefix}${label}`, 'fail', `no answer: ${cause ?? (err as Error).message}`, request, Date.now() - t0);
      return undefined;
    }
    const took = Date.now() - t0;
    const responses = (op.operation.responses ?? {}) as Record<string, unknown>;
    const wanted = expect === '2xx' ? /^2/ : expect === '401' ? /^401$/ : /^4/;
    const statusOk = wanted.test(String(answer.status)) && declaredStatus(responses, answer.status) !== undefined;
    const declaredList = Object.keys(responses).join(', ');
    record(
      op.id,
      `${prefix}${label}`,
      statusOk ? 'pass' : 'fail',
      statusOk ? `${answer.status}` : `got ${answer.status}${declaredStatus(responses, answer.status) === undefined ? ` (not declared: ${declaredList})` : ''}, expected a declared ${expect}${answer.text ? `: ${answer.text.slice(0, 160)}` : ''}`,
      statusOk ? undefined : request,
      took,
    );
    const conformity = checkResponse(op.operation, answer, checker, op.method);
    if (conformity.declared !== undefined) {
      const problems = conformity.problems;
      record(op.id, `${prefix}${label}: ${answer.status} response matches the spec`, problems.length === 0 ? 'pass' : 'fail', problems.join('; ') || undefined, problems.length ? request : undefined);
    }
    return answer;
  };

  /** Follows `Link: <…>; rel=next` from a list answer, checking each page. */
  const followPages = async (op: ApiOperation, built: BuiltRequest, answer: Answer, prefix: string) => {
    let link = parseLinkHeader(answer.headers.link).next;
    let url = built.exchange.url;
    const seen = new Set([url]);
    for (let page = 2; link !== undefined && page <= (options.maxPages ?? 3) + 1; page++) {
      const next = resolveLink(link, url).href;
      if (new URL(next).origin !== new URL(options.baseUrl).origin) {
        // The runner sends only to the URLs it is given.
        record(op.id, `${prefix}Link next of page ${page - 1}`, 'fail', `leads to another origin than --base, not followed: ${next}`);
        return;
      }
      if (seen.has(next)) {
        record(op.id, `${prefix}Link next of page ${page - 1}`, 'fail', `leads back to a page already read: ${next}`);
        return;
      }
      seen.add(next);
      const pageRequest: BuiltRequest = { ...built, exchange: { ...built.exchange, url: next }, callbacks: [] };
      const got = await exercise(op, pageRequest, prefix, '2xx', `page ${page} via Link next`);
      if (got === undefined || !/^2/.test(String(got.status))) return;
      url = next;
      link = parseLinkHeader(got.headers.link).next;
    }
  };

  /** Runs an operation: the valid request, its pages, its invalid variants and the 401 check; queues its follow-ups. */
  const run = async (op: ApiOperation, prefix: string, linkValues?: Record<string, unknown>, linkBody?: unknown) => {
    reached.add(op.id);
    const skip = fixtures.operations?.[op.id]?.skip;
    if (skip) return record(op.id, `${prefix}request`, 'skip', `skipped by the fixtures: ${skip}`);
    // Several named examples (and nothing else choosing the body): each is a valid request of its own.
    const own = linkValues === undefined && linkBody === undefined && fixtures.operations?.[op.id]?.body === undefined;
    const names = own ? exampleNames(requestMedia(op.operation)?.media) : [];
    for (const example of names.length > 0 ? names : [undefined]) {
      await runOne(op, example === undefined ? prefix : `${prefix}example ${example}: `, example, linkValues, linkBody);
    }
  };

  /** One valid request of `op` (the named example `example`, if any), then what follows from it. */
  const runOne = async (op: ApiOperation, prefix: string, example: string | undefined, linkValues?: Record<string, unknown>, linkBody?: unknown) => {
    const built = buildRequest(op, doc, options.baseUrl, sources({ ...(linkValues ? { linkValues } : {}), ...(linkBody !== undefined ? { linkBody } : {}), ...(example ? { example } : {}) }));
    if (typeof built === 'string') return record(op.id, `${prefix}request`, 'skip', built);
    const sentAt = Date.now();
    const answer = await exercise(op, built, prefix, '2xx', 'valid request → 2xx');
    if (answer !== undefined && /^2/.test(String(answer.status))) {
      const done: Done = { op, built, answer, sentAt, prefix, linkValues };
      for (const expected of built.callbacks) expectations.push({ done, expected });
      if (op.method === 'get') await followPages(op, built, answer, prefix);
      for (const link of op.links) {
        if (declaredStatus({ [link.status]: true }, answer.status) === undefined) continue;
        if (link.examples !== undefined && (example === undefined || !link.examples.includes(example))) continue;
        const target = byId.get(link.operationId);
        if (target === undefined) {
          record(op.id, `link ${link.name}`, 'fail', `leads to operationId ${link.operationId}, which the document does not have`);
          continue;
        }
        if (link.callbackMatch) matches.push({ link, from: done });
        if (target.method === 'delete') deferredDeletes.push({ link, from: done });
        else queue.push({ link, from: done });
      }
    } else {
      for (const expected of built.callbacks) if (expected.tag) refusedTags.push({ op: op.id, tag: expected.tag });
    }
    // Invalid variants once per operation, from its first valid request (a link's follow-up reaches it with real ids).
    if (variantsDone.has(op.id)) return;
    variantsDone.add(op.id);
    const declares4xx = Object.keys((op.operation.responses ?? {}) as object).some((k) => /^4/.test(k) || k === 'default');
    if (!declares4xx) return;
    const media = requestMedia(op.operation);
    const bodySchema = media?.media.schema as Record<string, unknown> | undefined;
    const refuses = bodySchema ? (value: unknown) => checker(bodySchema, value) : undefined;
    for (const variant of invalidVariants(bodySchema, built.exchange.body, built.runnerFields, refuses)) {
      const bad = buildRequest(op, doc, options.baseUrl, sources({ ...(linkValues ? { linkValues } : {}), bodyOverride: structuredClone(variant.body) }));
      if (typeof bad === 'string') continue;
      const got = await exercise(op, bad, prefix, '4xx', `${variant.name} → 4xx`);
      for (const expected of bad.callbacks) if (expected.tag) refusedTags.push({ op: op.id, tag: expected.tag });
      if (got !== undefined && /^2/.test(String(got.status))) {
        // Accepted by mistake: its callbacks are not the check's concern, but they must not be taken for refused ones'.
        refusedTags.splice(refusedTags.length - bad.callbacks.length, bad.callbacks.length);
      }
    }
    // Secured: at least one requirement, and none of them the empty one that makes credentials optional.
    const requirements = (op.operation.security ?? (doc as OpenAPIV3_1.Document).security ?? []) as object[];
    const secured = requirements.length > 0 && requirements.every((r) => Object.keys(r).length > 0);
    if (secured && options.token !== undefined && declaredStatus((op.operation.responses ?? {}) as Record<string, unknown>, 401) !== undefined) {
      const anonymous = buildRequest(op, doc, options.baseUrl, sources({ ...(linkValues ? { linkValues } : {}), withoutCredentials: true }));
      if (typeof anonymous !== 'string') {
        await exercise(op, anonymous, prefix, '401', 'no credentials → 401');
        for (const expected of anonymous.callbacks) if (expected.tag) refusedTags.push({ op: op.id, tag: expected.tag });
      }
    }
  };
  const variantsDone = new Set<string>();

  /** The values a link gives its target, evaluated against the exchange it follows. */
  const linkValues = (link: OperationLink, from: Done): { values: Record<string, unknown>; body?: unknown } => {
    const exchange: Exchange = { ...from.built.exchange, response: { status: from.answer.status, headers: from.answer.headers, body: safeJson(from.answer.text) } };
    const value = (v: unknown) => (typeof v === 'string' && v.startsWith('$') ? evaluate(parseRuntimeExpression(v.replace(/^\{|\}$/g, '')), exchange) : v);
    const values: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(link.parameters)) values[name] = value(v);
    return link.requestBody !== undefined ? { values, body: value(link.requestBody) } : { values };
  };
  const followLink = async (link: OperationLink, from: Done, prefix = `via ${link.name}: `) => {
    const target = byId.get(link.operationId)!;
    const { values, body } = linkValues(link, from);
    const unset = Object.entries(values).find(([, v]) => v === undefined);
    if (unset) {
      reached.add(target.id);
      const through = throughEmptyList(String(link.parameters[unset[0]]), from);
      if (through) {
        emptyLists.push({ link, from, prefix, reason: `link ${link.name} of ${from.op.id} has nothing to follow: ${through}` });
        return;
      }
      return record(target.id, `${prefix}request`, 'fail', `link ${link.name} of ${from.op.id} gives no value for ${unset[0]} (${String(link.parameters[unset[0]])} is not in the exchange)`);
    }
    await run(target, prefix, values, body);
  };

  // Phase 1: every operation no link leads to (ids from fixtures and examples), each followed by its links.
  const queue: { link: OperationLink; from: Done }[] = [];
  for (const op of all) {
    if (selected && !selected.has(op.id)) continue;
    if (targets.has(op.id) && fixtures.operations?.[op.id]?.parameters === undefined) continue;
    if (op.method === 'delete' && fixtures.operations?.[op.id]?.parameters === undefined) {
      reached.add(op.id);
      record(op.id, 'request', 'skip', 'a DELETE runs only on what this run created (through a link) or with its own fixtures');
      continue;
    }
    await run(op, '');
    while (queue.length > 0) {
      const { link, from } = queue.shift()!;
      await followLink(link, from);
    }
  }

  // A list that was empty when read (nothing created yet) is read once more, now that the run has created things.
  const retried = new Set<string>();
  for (const empty of emptyLists.splice(0)) {
    if (retried.has(empty.from.op.id)) continue;
    retried.add(empty.from.op.id);
    await run(empty.from.op, 'again: ', empty.from.linkValues);
    while (queue.length > 0) {
      const { link, from } = queue.shift()!;
      await followLink(link, from);
    }
  }
  for (const empty of emptyLists) record(empty.link.operationId, `${empty.prefix}request`, 'skip', empty.reason);

  // Phase 2: the callbacks, each waited for from its own request's time, all at once.
  await Promise.all(
    expectations.map(async ({ done, expected }) => {
      const label = `${done.prefix}callback ${expected.callback.name}`;
      if (expected.tag === undefined) return record(done.op.id, label, 'skip', expected.reason);
      await catcher.waitFor(expected.tag, 1, done.sentAt + callbackTimeout);
    }),
  );
  for (const { done, expected } of expectations) {
    if (expected.tag === undefined) continue;
    const label = `${done.prefix}callback ${expected.callback.name}`;
    const arrivals = catcher.arrivals(expected.tag);
    if (arrivals.length === 0) {
      record(done.op.id, `${label} arrives`, 'fail', `none arrived within ${callbackTimeout / 1000} s of the request`, describeRequest(done.built));
      continue;
    }
    for (const [i, arrival] of arrivals.entries()) {
      const n = arrivals.length > 1 ? ` #${i + 1}` : '';
      record(done.op.id, `${label}${n} arrives`, 'pass', `${arrival.method} after ${arrival.receivedAt - done.sentAt} ms`);
      const findings = await checkCallback(expected.callback.item, arrival, expected.signing, checker);
      record(done.op.id, `${label}${n} matches the spec`, findings.problems.length === 0 ? 'pass' : 'fail', findings.problems.join('; ') || undefined, findings.problems.length ? arrival.body.toString('utf8').slice(0, 400) : undefined);
      if (findings.signatureProblem === null) record(done.op.id, `${label}${n} signature`, 'skip', findings.signatureSkipped);
      else record(done.op.id, `${label}${n} signature`, findings.signatureProblem === undefined ? 'pass' : 'fail', findings.signatureProblem ?? `${expected.signing!.scheme} verified`);
    }
  }
  for (const { link, from } of matches) {
    const match = link.callbackMatch!;
    const expected = from.built.callbacks.find((c) => c.callback.name === match.callback);
    const arrivals = expected?.tag ? catcher.arrivals(expected.tag) : [];
    const label = `via ${link.name}: matches callback ${match.callback}`;
    if (arrivals.length === 0) {
      record(from.op.id, label, 'skip', `callback ${match.callback} did not arrive`);
      continue;
    }
    const said = getAt(safeJson(arrivals.at(-1)!.body.toString('utf8')), pointerTokens(match.pointer));
    const target = byId.get(link.operationId)!;
    const built = buildRequest(target, doc, options.baseUrl, sources({ linkValues: linkValues(link, from).values }));
    if (typeof built === 'string') {
      record(from.op.id, label, 'skip', built);
      continue;
    }
    const answer = await exercise(target, built, `via ${link.name} after the callback: `, '2xx', 'valid request → 2xx');
    if (answer === undefined || !/^2/.test(String(answer.status))) continue;
    const answered = getAt(safeJson(answer.text), pointerTokens(match.response ?? ''));
    const diff = said === undefined ? [`the callback has nothing at ${match.pointer}`] : differences(said, answered);
    record(from.op.id, label, diff.length === 0 ? 'pass' : 'fail', diff.slice(0, 6).join('; ') || `${link.operationId} answers what the callback said`, diff.length ? describeRequest(built) : undefined);
  }

  // Phase 3: the deletes of what the run created, once nothing else reads it.
  for (const { link, from } of deferredDeletes) await followLink(link, from);

  for (const { op, tag } of refusedTags) {
    const stray = catcher.arrivals(tag);
    if (stray.length > 0) record(op, 'a refused request sends no callback', 'fail', `${stray.length} callback(s) arrived for a request answered 4xx`);
  }
  for (const stray of catcher.strays()) record('(catcher)', 'callback to a URL the runner gave', 'fail', `${stray.method} ${stray.path}`);
  for (const id of targets) {
    if (reached.has(id) || (selected && !selected.has(id) && !all.some((o) => selected.has(o.id) && o.links.some((l) => l.operationId === id)))) continue;
    record(id, 'request', 'skip', 'no link to it was followed (its source failed or did not run), and the fixtures give it no ids');
  }
  await catcher.close();
  return { mode: 'api', target: options.baseUrl, checks, durationMs: Date.now() - started };
}

/** Why `$response.body#/…/0/…` found nothing because the list it indexes is empty (a reason), or undefined. */
function throughEmptyList(expression: string, from: { answer: Answer }): string | undefined {
  const match = /^\$response\.body#(.*)$/.exec(expression);
  if (match === null) return undefined;
  const tokens = pointerTokens(match[1]!);
  let at = safeJson(from.answer.text);
  for (const token of tokens) {
    if (Array.isArray(at) && at.length === 0) return `the list its ${expression} reads is empty`;
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[token];
  }
  return undefined;
}

/** JSON.parse, or undefined for text that is not JSON. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
