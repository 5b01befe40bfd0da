/** Named HTTP errors: thrown anywhere, mapped to `{"errors": [...]}` by one middleware. */

/** An error with an HTTP status and the messages a client sees. */
export class HttpError extends Error {
  /** The messages sent as `errors`. */
  readonly errors: string[];

  constructor(
    readonly status: number,
    errors: string | string[],
  ) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.join('; '));
    this.errors = list;
  }
}

/** 400: the request is well-formed JSON but asks for something invalid. */
export class InputError extends HttpError {
  constructor(errors: string | string[]) {
    super(400, errors);
  }
}

/** 401: no API key, or one we do not know. */
export class UnauthorizedError extends HttpError {
  constructor(message = 'Invalid API key') {
    super(401, message);
  }
}

/** 404: the resource does not exist, or belongs to an organization the caller cannot see. */
export class NotFoundError extends HttpError {
  constructor(message = 'Not found') {
    super(404, message);
  }
}

/** 429: the organization's rate limit is spent; `retryAfter` is in whole seconds. */
export class TooManyRequestsError extends HttpError {
  constructor(readonly retryAfter: number) {
    super(429, 'API rate limit exceeded for organization');
  }
}

/** 501: the operation is in the spec but has no handler (a server bug; a test keeps every operation routed). */
export class NotImplementedError extends HttpError {
  constructor() {
    super(501, 'not implemented yet');
  }
}

/** 503: something the server needs is away for a while; answered with `Retry-After`, in whole seconds. */
export class UnavailableError extends HttpError {
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(503, message);
  }
}

/** 503: the database cannot be reached (down, restarting, cut off); `retryAfter` is in whole seconds (default 5). */
export class DatabaseUnavailableError extends UnavailableError {
  constructor(message = 'The database is unavailable; retry later', retryAfter = 5) {
    super(message, retryAfter);
  }
}

/**
 * 503: the template renderer cannot take work (stopping, or a worker that cannot start or died of something other than
 * a template's limits). Not the template's fault, so a payload is not failed for it: its operation is tried again.
 */
export class RendererUnavailableError extends UnavailableError {
  constructor(reason: string) {
    super(`The template renderer is unavailable (${reason}); retry later`, 1);
  }
}
