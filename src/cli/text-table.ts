/** Plain-text tables for terminals: columns padded to their widest cell, two spaces apart. */

/** The rows (the first one is the header) as aligned lines, each ending with a newline. */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ') + '\n').join('');
}

/** A timestamp as UTC to the second, e.g. `2026-12-02T05:30:12Z`. */
export function shownTime(time: Date | string): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
