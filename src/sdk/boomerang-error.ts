/** The typed error every failed API call of the SDK's client gives: the HTTP status and Boomerang's `errors` list. */

/** An API answer that was not 2xx: `status` and the `errors` of its `{"errors": [...]}` body. */
export class BoomerangError extends Error {
  override name = 'BoomerangError';

  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(`HTTP ${status}: ${errors.join('; ')}`);
  }

  /** The error for an answer's status and its body as the client parsed it (JSON, text, or nothing). */
  static from(status: number, statusText: string, body: unknown): BoomerangError {
    const errors = (body as { errors?: unknown } | null)?.errors;
    if (Array.isArray(errors) && errors.every((e) => typeof e === 'string')) return new BoomerangError(status, errors);
    const text = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : statusText || 'request failed';
    return new BoomerangError(status, [text]);
  }
}
