/** What the callback code needs, built once at start and shared by routes, operations and the worker. */
import type { Logger } from 'pino';
import type { CallbackContracts } from '../spec/callback-contracts.js';
import type { DestinationPolicy } from './destination-guard.js';
import type { SecretBox } from './secret-box.js';
import type { TemplateRenderer } from './template-pool.js';

/** Shared dependencies of callback creation, payload building and delivery. */
export interface CallbackContext {
  contracts: CallbackContracts;
  /** Renders and checks payload templates, off the main thread. */
  templates: TemplateRenderer;
  secrets: SecretBox;
  destinations: DestinationPolicy;
  logger: Logger;
  /** How long callbacks, their deliveries and logs are kept, in milliseconds (default 2 days, AutoPi's figure). */
  retentionMs: number;
  /** The clock, injectable for tests. */
  now: () => Date;
}
