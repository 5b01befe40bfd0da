/** The NOTIFY channels by which servers sharing the database tell each other's background loops that work may be waiting. */

/** Wakes delivery workers; the payload is the new delivery's organization id ('' for anyone's). */
export const DELIVERY_CHANNEL = 'boomerang_deliveries';

/** Tells live tool runners a job may be claimable; the payload is the notifying runner's owner id. */
export const LIVE_TOOLS_CHANNEL = 'boomerang_live_tools';

/** Announces a new dongle command, so every server sharing the database knows its due times. */
export const DONGLE_COMMAND_CHANNEL = 'boomerang_dongle_commands';

/** Wakes action batch runners. */
export const ACTION_BATCH_CHANNEL = 'boomerang_action_batches';

/** Tells every server that an inbox received a request; the payload is the inbox id. */
export const INBOX_CHANNEL = 'boomerang_inbox';
