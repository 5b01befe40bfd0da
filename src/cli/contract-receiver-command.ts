/**
 * `boomerang contract receiver`: fires every callback and webhook of a spec at a receiver's URL, signed, and checks
 * that it accepts the valid ones and refuses the rest (src/contract/receiver-contract.ts); prints the report, writes
 * JUnit XML on request, and exits 0 only when no check failed.
 */
import { DEFAULT_EXPECTATIONS, DEFAULT_TIMEOUT_MS, STALE_TIMESTAMP_SECONDS, type ReceiverCase } from '../contract/receiver-cases.js';
import { defineCommand } from './define-command.js';

/** A case as --expect names it: `bad-signature` for `badSignature`. */
function caseOption(kase: string): string {
  return kase.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const CASES = Object.keys(DEFAULT_EXPECTATIONS) as ReceiverCase[];

/** Tests a callback receiver against the callbacks and webhooks of a spec (Boomerang's own by default). */
export const contractReceiverCommand = defineCommand({
  name: 'receiver',
  summary: "send a spec's callbacks and webhooks to a receiver and check what it accepts and refuses",
  usage: '--url URL [--spec FILE|URL] [--secret S] [--token T] [--expect CASE=STATUS ...] [--only NAME ...] [--junit FILE] [--timeout SECONDS]',
  description:
    'POSTs to --url every callback and webhook the spec declares: each example and samples made from its schema,\n' +
    'signed as its x-signature says (Standard Webhooks with --secret, X-Request-Signature with --token; unsigned\n' +
    'without), each of which must be answered 2xx, as must a redelivery (the same webhook-id and body). Then the\n' +
    'requests a correct receiver refuses, each expected to get a 4xx: a signature made with another key, no\n' +
    `signature, a webhook-timestamp ${STALE_TIMESTAMP_SECONDS / 60} minutes old, the same webhook-id with another body (a replay), and a body\n` +
    'that breaks the schema. Requests go to --url only, one at a time. Prints one row per check and exits 0 when none\n' +
    'failed, 1 otherwise (only failures and skips are printed, every check with --all).\n\n' +
    `Cases for --expect (and their defaults): ${CASES.slice(0, 4).map((c) => `${caseOption(c)} (${DEFAULT_EXPECTATIONS[c]})`).join(', ')},\n` +
    `${CASES.slice(4).map((c) => `${caseOption(c)} (${DEFAULT_EXPECTATIONS[c]})`).join(', ')}; a status is a class (4xx), a code (401), or several\n` +
    '(400,422). Names for --only: operationId.callbackName, an operationId, a callback name, webhook.NAME, a webhook name.',
  options: {
    url: { type: 'string', value: 'URL', description: "the receiver's URL (required)" },
    spec: { type: 'string', value: 'FILE|URL', description: 'the OpenAPI 3.0 or 3.1 document (default: the bundled Boomerang spec)' },
    secret: { type: 'string', value: 'S', description: 'sign Standard Webhooks callbacks with this shared secret (whsec_… or plain)' },
    token: { type: 'string', value: 'T', description: 'sign X-Request-Signature callbacks with this API token' },
    expect: { type: 'string', multiple: true, value: 'CASE=STATUS', description: 'expect another answer for a case, e.g. bad-signature=401' },
    only: { type: 'string', multiple: true, value: 'NAME', description: 'send only this callback or webhook' },
    junit: { type: 'string', value: 'FILE', description: 'also write the report as JUnit XML to FILE' },
    timeout: { type: 'string', value: 'SECONDS', description: `how long each request may take (default ${DEFAULT_TIMEOUT_MS / 1000})` },
    all: { type: 'boolean', description: 'print every check, not only failures and skips' },
  },
  async run({ values, usageError }, context) {
    if (values.url === undefined) throw usageError('missing --url');
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      if (!/^[0-9]+(\.[0-9]+)?$/.test(values.timeout) || Number(values.timeout) <= 0) {
        throw usageError(`--timeout takes a positive number of seconds, got "${values.timeout}"`);
      }
      timeoutMs = Number(values.timeout) * 1000;
    }
    const expect: Partial<Record<ReceiverCase, string>> = {};
    for (const written of values.expect ?? []) {
      const at = written.indexOf('=');
      const name = at < 0 ? written : written.slice(0, at);
      const kase = CASES.find((c) => caseOption(c) === name || c === name);
      if (kase === undefined || at < 0) {
        throw usageError(`--expect takes CASE=STATUS with CASE one of ${CASES.map(caseOption).join(', ')}, got "${written}"`);
      }
      expect[kase] = written.slice(at + 1);
    }
    // Loaded here, not at the top: the spec machinery would slow every other command's start by about a second.
    const [{ documentFor, finishReport }, { ReceiverContractError, runReceiverContract }] = await Promise.all([
      import('../contract/contract-options.js'),
      import('../contract/receiver-contract.js'),
    ]);
    const document = await documentFor(values.spec, undefined, usageError);
    const options = { document, url: values.url, secret: values.secret, token: values.token, expect, timeoutMs, only: values.only };
    const report = await runReceiverContract(options).catch((err: unknown) => {
      // Options that parsed but that the run cannot use (an --only name the spec lacks, a bad secret) are usage errors.
      throw err instanceof ReceiverContractError ? usageError(err.message) : err;
    });
    return finishReport(report, { all: values.all === true, junit: values.junit }, context);
  },
});
