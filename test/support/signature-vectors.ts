/** The fixed signature vectors in test/fixtures/, typed: Standard Webhooks' from its reference library, AutoPi's from its docs' snippet. */
import { readFileSync } from 'node:fs';

/** A vector file: where its values came from, and the vectors. */
export interface Fixture<Vector> {
  source: string;
  vectors: Vector[];
}

/** One Standard Webhooks signature: `signature` is the expected `webhook-signature` header. */
export interface StandardWebhooksVector {
  name: string;
  webhookId: string;
  timestamp: number;
  secret: string;
  body: string;
  signature: string;
}

/** One AutoPi signature: `signature` is the expected `X-Request-Signature` header. */
export interface AutoPiVector {
  name: string;
  token: string;
  body: string;
  signature: string;
}

function fixture<Vector>(file: string): Fixture<Vector> {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as Fixture<Vector>;
}

/** test/fixtures/standard-webhooks-vectors.json. */
export const standardWebhooksVectors = fixture<StandardWebhooksVector>('standard-webhooks-vectors.json');
/** test/fixtures/autopi-signature-vectors.json. */
export const autoPiVectors = fixture<AutoPiVector>('autopi-signature-vectors.json');
