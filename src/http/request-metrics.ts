/** Times every request into the HTTP request duration histogram, by route pattern and status code. */
import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../metrics.js';

/**
 * The pattern that answered the request, never the raw URL, so the label's values stay bounded: the express route
 * (`/api/v1/organizations/:organizationId`); else, for a request refused before its route ran (the validator's 400),
 * the spec operation's path in the same form; else `none` (an unknown path, a 401, the `/docs` assets).
 */
function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (typeof route?.path === 'string') return req.baseUrl + route.path;
  return req.openapi?.expressRoute ?? 'none';
}

/** Observes each request's duration, in seconds, when its response has been handed to the operating system. */
export function requestMetrics(metrics: Pick<Metrics, 'httpRequestDuration'>): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status_code: String(res.statusCode) };
      metrics.httpRequestDuration.observe(labels, (performance.now() - started) / 1000);
    });
    next();
  };
}
