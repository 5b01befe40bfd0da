/** Cross-origin requests from browsers: which pages elsewhere may call the API (CORS_ORIGINS), answered before authentication. */
import type { RequestHandler } from 'express';
import cors from 'cors';

/** The methods the spec's operations use. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
/** The request headers a caller needs: the three key forms travel in two headers, bodies are JSON, and an inbox's checks take a secret. */
const ALLOWED_HEADERS = ['Authorization', 'X-Cisco-Meraki-API-Key', 'Content-Type', 'X-Inbox-Secret'];
/** Response headers a page may read besides the CORS-safelisted ones: pagination links and when to retry a 429/503. */
const EXPOSED_HEADERS = ['Link', 'Retry-After'];
/** How long a browser may cache a preflight's answer, in seconds (default 600; Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Builds the middleware for `origins` (a list of canonical origins, or `*` for any). A preflight (OPTIONS with `Origin`
 * and `Access-Control-Request-Method`) needs no key: an allowed origin gets 204 with the methods and headers, any other
 * 403 with `{"errors": [...]}` and no CORS headers. Other requests go on as usual; an allowed origin's responses, errors
 * included, carry `Access-Control-Allow-Origin` (with `Vary: Origin` unless any origin is allowed).
 */
export function corsPolicy(origins: string[] | '*'): RequestHandler {
  const allowed = (origin: string | undefined) => origin !== undefined && (origins === '*' || origins.includes(origin));
  const answer = cors({
    // With a list, the request's origin is echoed when it is on it; `*` needs no echo, since no cookies are involved.
    origin: origins === '*' ? '*' : origins,
    methods: METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  return (req, res, next) => {
    const origin = req.get('origin');
    // Answers differ by origin once some are listed: a shared cache must not hand one origin's answer to another.
    if (origins !== '*' && origins.length > 0) res.vary('Origin');
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.get('access-control-request-method') !== undefined;
    if (preflight && !allowed(origin)) {
      // A refusal the person can read in the browser's network panel; the browser reports a CORS failure either way.
      res.status(403).json({ errors: [`Cross-origin requests from ${origin} are not allowed; the server's CORS_ORIGINS lists the origins that are`] });
      return;
    }
    // A same-origin request or a non-browser client sends no `Origin` (or one we do not list): nothing to add.
    if (!allowed(origin)) return next();
    // An OPTIONS that is no preflight is not cors's to answer; it goes on to the validator's 405 like any other method.
    if (req.method === 'OPTIONS' && !preflight) return next();
    answer(req, res, next);
  };
}
