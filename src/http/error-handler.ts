/** The one error middleware: every error becomes `{"errors": ["…"]}` with the right status. */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnreachable } from '../db/database-unreachable.js';
import { DatabaseUnavailableError, HttpError, TooManyRequestsError, UnavailableError } from '../errors.js';

interface ValidatorError {
  status: number;
  errors?: { path?: string; message: string }[];
  message: string;
}

function isValidatorError(err: unknown): err is ValidatorError {
  return typeof err === 'object' && err !== null && typeof (err as ValidatorError).status === 'number' && 'errors' in err;
}

/** Turns the validator's `/body/count` paths into the readable `body.count`. */
function readablePath(path: string | undefined): string {
  return (path ?? '').replace(/^[./]+/, '').replace(/\//g, '.');
}

/** Builds the error middleware; an unreachable database answers 503 with `Retry-After`, unknown errors are logged and answered with a plain 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (!(err instanceof HttpError) && isDatabaseUnreachable(err)) {
      // Not our bug nor the client's: an outage, which the client can wait out. Logged without the stack, once per request.
      logger.warn({ method: req.method, url: req.originalUrl, cause: err instanceof Error ? err.message : String(err) }, 'database unreachable');
      err = new DatabaseUnavailableError();
    }
    let status: number;
    let errors: string[];
    if (err instanceof HttpError) {
      status = err.status;
      errors = err.errors;
      if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfter));
      if (err instanceof UnavailableError) res.setHeader('Retry-After', String(err.retryAfter));
    } else if (isValidatorError(err) && (err.status === 404 || err.status === 405)) {
      // The spec has no such path, or not with this method: the validator's `path` is the URL, not a field to dot.
      status = err.status;
      const path = req.originalUrl.split('?')[0]!;
      errors = [status === 404 ? `No resource at ${req.method} ${path}` : `${req.method} is not allowed on ${path}`];
    } else if (isValidatorError(err) && err.status >= 400 && err.status < 500) {
      status = err.status;
      errors = err.errors?.length
        ? err.errors.map((e) => (e.path ? `${readablePath(e.path)}: ${e.message}` : e.message))
        : [err.message];
    } else if (err instanceof URIError && (err as URIError & { status?: number }).status === 400) {
      // The router could not percent-decode a path parameter (`/inbox/%ED%AF%BF`): the client's malformed path.
      status = 400;
      errors = [`Malformed path: ${req.path} does not decode as UTF-8`];
    } else if (typeof err?.type === 'string' && typeof err?.status === 'number' && err.status < 500) {
      // body-parser: malformed JSON (entity.parse.failed), too large (entity.too.large), bad charset…
      status = err.status;
      errors = [err.type === 'entity.parse.failed' ? `Malformed JSON in request body: ${err.message}` : err.message];
    } else {
      // Anything else is our bug (including a response that fails its own schema in tests): log it whole.
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
      status = 500;
      errors = ['Internal server error'];
    }
    res.status(status).json({ errors });
  };
}
