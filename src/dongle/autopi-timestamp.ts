/** AutoPi's timestamp format in API responses: UTC to the microsecond with a `Z` (`2022-01-01T00:00:00.000000Z`). */
export function autopiTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '000Z');
}
