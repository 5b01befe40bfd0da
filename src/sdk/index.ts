/**
 * The Boomerang SDK package's entry point: the generated client functions and types, the client factory, the
 * paginator, and the receiver kit for Boomerang's callbacks and alerts.
 */
export * from '../../generated/client/index.js';
export type { Client } from '../../generated/client/client/index.js';
export {
  alertContracts,
  callbackContracts,
  type AlertName,
  type AlertPayloads,
  type CallbackOperation,
  type CallbackPayloads,
  type DeliveryContract,
} from '../../generated/callbacks.gen.js';
export { BoomerangError } from './boomerang-error.js';
export { createClient, type BoomerangClientOptions } from './create-client.js';
export { paginate, DEFAULT_MAX_PAGES } from './paginate.js';
export { parseLinkHeader, resolveLink } from './link-header.js';
export { CallbackParseError } from './callback-parse-error.js';
export { parseAlert, parseCallback } from './parse-callback.js';
export { WebhookVerificationError } from './webhook-verification-error.js';
export { verifyWebhook, DEFAULT_TOLERANCE_SECONDS, type VerifiedWebhook, type VerifyWebhookOptions } from './verify-webhook.js';
export { verifyRequestSignature } from './verify-request-signature.js';
export type { HeaderSource } from './webhook-headers.js';
export { MemoryDedupe, type ClaimResult, type DedupeStore } from './memory-dedupe.js';
export {
  callbackReceiver,
  DEFAULT_MAX_BODY_BYTES,
  type CallbackReceiverOptions,
  type ReceivedCallback,
  type ReceivedRequest,
  type ReceiverAnswer,
} from './receive-callback.js';
export { callbackHandler, type NodeRequestLike, type NodeResponseLike } from './callback-handler.js';
export { BASE64_SECRET_PREFIX, MIN_BASE64_KEY_BYTES, secretProblem, webhookKey } from '../callbacks/webhook-key.js';
