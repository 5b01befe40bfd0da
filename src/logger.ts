/** The structured logger (pino), with API keys redacted wherever a request is logged. */
import { pino, type Logger } from 'pino';

/** Creates the process logger at `level`. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-cisco-meraki-api-key"]'],
      censor: '[redacted]',
    },
  });
}
