/** What the callback code needs, built once at start and shared by routes, operations and the worker. */
import type { Liquid } from 'liquidjs';
import type { Logger } from 'pino';
import type { CallbackContracts } from '../spec/callback-contracts.js';
import type { DestinationPolicy } from './destination-guard.js';
import type { SecretBox } from './secret-box.js';

/** Shared dependencies of callback creation, payload building and delivery. */
export interface CallbackContext {
  contracts: CallbackContracts;
  templates: Liquid;
  secrets: SecretBox;
  destinations: DestinationPolicy;
  logger: Logger;
  /** How long callbacks, their deliveries and logs are kept, in milliseconds (default 2 days, AutoPi's figure). */
  retentionMs: number;
  /** The clock, injectable for tests. */
  now: () => Date;
}
