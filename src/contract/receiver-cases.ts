/**
 * The cases `contract receiver` makes of each callback and what each expects by default: kept apart from the runner,
 * which loads the spec machinery, so that the command's help needs none of it.
 */
import { DEFAULT_TOLERANCE_SECONDS } from '../sdk/verify-webhook.js';

/** The kinds of request sent, each with the answer it expects (see DEFAULT_EXPECTATIONS). */
export type ReceiverCase = 'accept' | 'redelivery' | 'replay' | 'badSignature' | 'noSignature' | 'staleTimestamp' | 'badBody';

/**
 * What each case expects by default: 2xx for a valid callback (`accept`) and for a redelivery of one (the same
 * webhook-id and body), 4xx for the rest: the same webhook-id with another body (`replay`), a signature made with
 * another key, no signature, a timestamp outside the tolerance, and a body that breaks the schema.
 */
export const DEFAULT_EXPECTATIONS: Readonly<Record<ReceiverCase, string>> = {
  accept: '2xx',
  redelivery: '2xx',
  replay: '4xx',
  badSignature: '4xx',
  noSignature: '4xx',
  staleTimestamp: '4xx',
  badBody: '4xx',
};

/** How old the stale timestamp is, in seconds: twice Standard Webhooks' 5-minute tolerance, so that clock skew cannot save it. */
export const STALE_TIMESTAMP_SECONDS = 2 * DEFAULT_TOLERANCE_SECONDS;

/** How long one request may take by default, in milliseconds (10 s). */
export const DEFAULT_TIMEOUT_MS = 10_000;
