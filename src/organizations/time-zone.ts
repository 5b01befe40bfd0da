/** Checks IANA time zone names against the runtime's time zone database. */
import { InputError } from '../errors.js';

/** Throws InputError (400) unless `timeZone` is an IANA time zone name, e.g. `America/Los_Angeles`. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new InputError(`Unknown time zone ${timeZone}: give an IANA time zone name, e.g. America/Los_Angeles`);
  }
}
