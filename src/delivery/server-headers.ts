/**
 * Headers the server itself sets on deliveries, in lower case (HTTP names are case-insensitive): the Standard Webhooks
 * trio, AutoPi's signature, and the two that describe the request. A payload template may never set or shadow one.
 */
export const SERVER_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-request-signature',
]);
