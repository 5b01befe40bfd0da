/** The one rule for what text can name a row by its bigint id. */

/** The largest id PostgreSQL's bigint can hold (2^63 - 1), as text. */
export const MAX_ROW_ID = '9223372036854775807';

const DIGITS = /^[0-9]{1,19}$/;

/**
 * Whether `text` can be a row id: decimal digits within the bigint range. Anything else names no row, so callers answer
 * as they do for an unknown id instead of handing the database a value it would refuse.
 */
export function isRowId(text: string): boolean {
  // Nineteen digits may still exceed 2^63 - 1; equal-length decimal strings compare like the numbers they spell.
  return DIGITS.test(text) && (text.length < MAX_ROW_ID.length || text <= MAX_ROW_ID);
}
