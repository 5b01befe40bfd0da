/** The server's own base URL as the client reached it, for absolute `url` fields in resources. */
import type { Request } from 'express';

/** Returns e.g. `http://127.0.0.1:8080`. */
export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
