/** Answers 404 for a path with an empty segment (`//`), which names no resource. */
import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors.js';

/**
 * Builds the middleware; it runs before the spec validator. The validator matches a documented path with one extra
 * trailing slash while the dongle routers are strict about theirs, so `/dongle/devices//` would pass the one and find
 * none of the others: refusing empty segments here keeps the two in agreement.
 */
export function refuseEmptySegments(): RequestHandler {
  return (req, _res, next) => {
    if (req.path.includes('//')) throw new NotFoundError(`No resource at ${req.method} ${req.path.slice(0, 200)} (empty path segment)`);
    next();
  };
}
