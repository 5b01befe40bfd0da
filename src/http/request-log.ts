/** Request logging (pino-http): one line per request, which reads as `GET /path 200 3 ms`. */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** Probes and scrapes, which arrive every few seconds and would drown the log: debug lines, unless they fail. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The request line's message; JSON lines also carry the request and response objects, which a pretty line leaves out. */
function message(req: Request, res: Response, responseTime?: number): string {
  return `${req.method} ${req.originalUrl} ${res.statusCode}${responseTime === undefined ? '' : ` ${responseTime} ms`}`;
}

/** Logs each request when it ends, at info (debug for probes and scrapes, warn for 503, error for other 5xx). */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp<Request, Response>({
    logger,
    // A client's mistake (4xx) is routine; 5xx are our bugs (501 stands for a documented operation that lost its route),
    // except 503, a database outage, already logged once by the error handler.
    customLogLevel: (req, res) =>
      res.statusCode === 503 ? 'warn' : res.statusCode >= 500 ? 'error' : QUIET_PATHS.has(req.path) ? 'debug' : 'info',
    customSuccessMessage: (req, res, responseTime) => message(req, res, responseTime),
    // pino-http passes the response time here too, though its types do not say so.
    customErrorMessage: (req, res, _err, responseTime?: number) => message(req, res, responseTime),
  });
}
