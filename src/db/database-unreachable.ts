/** Tells an unreachable database (connection refused, dropped, shut down, timed out) from every other database error. */
import pRetry from 'p-retry';

/** Socket errors of a connection attempt or of a live connection: the server is down, restarting, or cut off. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say the server cannot serve this connection right now: 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up or recovering), 53300 too_many_connections. Class 08 (connection exception) is
 * matched by its prefix.
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What pg and pg-pool say, without a code, when a connection ends under a query or cannot be had in time. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|timeout expired$|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout)/;

function isUnreachableItself(err: object): boolean {
  const { code, syscall, message } = err as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    // Any failure to connect a socket (ENOENT for a Unix socket whose server is down, say).
    if (syscall === 'connect') return true;
  }
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}

/** Whether `err` (or its cause, or one of an AggregateError's errors) means the database could not be reached. */
export function isDatabaseUnreachable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  if (isUnreachableItself(err)) return true;
  const { cause, errors } = err as { cause?: unknown; errors?: unknown };
  if (cause !== undefined && isDatabaseUnreachable(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((e) => isDatabaseUnreachable(e, depth + 1));
}

/**
 * Runs `fn`, and again with backoff (250 ms doubling to 5 s) while it fails because the database is unreachable, for
 * at most `maxMs` milliseconds (default two minutes) and only while `keepGoing()` holds; any other error is thrown at once.
 */
export async function retryWhileUnreachable<T>(fn: () => Promise<T>, keepGoing: () => boolean, maxMs = 120_000): Promise<T> {
  return pRetry(fn, {
    retries: 1_000,
    minTimeout: 250,
    maxTimeout: 5_000,
    maxRetryTime: maxMs,
    shouldRetry: ({ error }) => keepGoing() && isDatabaseUnreachable(error),
  });
}
