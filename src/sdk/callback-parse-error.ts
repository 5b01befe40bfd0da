/** The error the receiver kit throws when a body is not the payload its contract describes. */

/** A callback or alert body that is not JSON or does not match its schema; `errors` name each problem by its path. */
export class CallbackParseError extends Error {
  override name = 'CallbackParseError';

  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}
