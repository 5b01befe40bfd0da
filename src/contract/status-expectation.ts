/** Which HTTP statuses a check accepts: a class (`2xx`, `4xx`), exact statuses (`401`), or several (`400,422`). */

/** A parsed expectation: what reports call it, and whether a status meets it. */
export interface StatusExpectation {
  /** As written back in check names: `4xx`, `401`, `400 or 422`. */
  label: string;
  matches(status: number): boolean;
}

/** Reads `2xx`, `401` or `400,422` (a number is one status); throws RangeError naming what it cannot read. */
export function statusExpectation(written: string | number): StatusExpectation {
  const parts = String(written)
    .split(',')
    .map((p) => p.trim().toLowerCase());
  const tests = parts.map((part) => {
    const status = /^([1-5])(?:xx|([0-9]{2}))$/.exec(part);
    if (status === null) throw new RangeError(`"${written}" is not a status: write a class such as 4xx, a status such as 401, or several: 400,422`);
    const exact = status[2] === undefined ? undefined : Number(part);
    const hundreds = Number(status[1]) * 100;
    return exact === undefined ? (s: number) => s >= hundreds && s < hundreds + 100 : (s: number) => s === exact;
  });
  return { label: parts.join(' or '), matches: (status) => tests.some((test) => test(status)) };
}
