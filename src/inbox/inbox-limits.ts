/** How much the callback inboxes hold: they are for exploring, so every organization's share is small and bounded. */

/** Inboxes one organization may have. */
export const MAX_INBOXES_PER_ORGANIZATION = 20;
/** Requests one inbox keeps; a new one beyond that pushes out the oldest. */
export const MAX_REQUESTS_PER_INBOX = 100;
/** Largest body an inbox accepts, in bytes; a larger one is answered 413 and not kept. */
export const MAX_INBOX_BODY_BYTES = 256 * 1024;
/** Longest a request for new inbox requests may wait, in seconds (the spec's `waitSeconds` maximum). */
export const MAX_WAIT_SECONDS = 25;
