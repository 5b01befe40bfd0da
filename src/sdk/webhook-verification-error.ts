/** The error the receiver kit throws when a request's signature does not check out. */

/** A callback whose signature is missing, malformed, wrong or too old: answer it 401 and do not act on it. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}
