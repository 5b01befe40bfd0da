/** The unguessable token in an inbox's receiving URL: senders do not authenticate, so the URL is the capability. */
import { randomBytes } from 'node:crypto';

/** A new token: 192 random bits, base64url, 32 characters (the spec's pattern, and INBOX_PATH's). */
export function newInboxToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The receiving URL of an inbox with `token`, at `origin` (the origin the API was reached at). */
export function inboxUrl(origin: string, token: string): string {
  return `${origin}/inbox/${token}`;
}
