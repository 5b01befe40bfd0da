/** The process logger (pino): JSON lines, or readable ones for a person at a terminal; API keys redacted wherever a request is logged. */
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFormat } from './config.js';

/**
 * Fields a readable line leaves out: pino-http's request and response objects (the message already says method, URL,
 * status and time), and the process fields, the same on every line. JSON lines keep them all.
 */
const PRETTY_IGNORE = 'pid,hostname,req,res,responseTime';

/** Creates the process logger at `level`, writing `format` lines to stdout (default json). */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-cisco-meraki-api-key"]'],
      censor: '[redacted]',
    },
  };
  if (format === 'json') return pino(options);
  // Prettified in this thread and written synchronously, as pino writes JSON to stdout: a worker-thread transport would
  // cost a thread and lose the last lines before `process.exit` (a fatal start-up error), for output meant for a person.
  const prettify = prettyFactory({ translateTime: 'SYS:HH:MM:ss.l', ignore: PRETTY_IGNORE, singleLine: true });
  const stdout = pino.destination({ dest: 1, sync: true });
  return pino(options, { write: (line: string) => stdout.write(prettify(line)) });
}
