/**
 * What a contract run found: one row per check, shown as a table for people and as JUnit XML for CI. Both modes
 * (`contract api`, `contract receiver`) report this way, so their outputs and exit statuses mean the same.
 */
import junitModule, { type Builder } from 'junit-report-builder';
import { textTable } from '../cli/text-table.js';

/** How one check ended: `skip` when it could not be made (and says why); only `fail` fails the run. */
export type CheckOutcome = 'pass' | 'fail' | 'skip';

/** One check of a run: which operation (or callback), what was checked, and how it ended. */
export interface Check {
  /** The operationId (or `callback NAME of OPERATION`, `webhook NAME`) the check is about. */
  operation: string;
  /** What was checked, e.g. `201 response`, `missing required target → 4xx`, `callback pingHost arrives`. */
  check: string;
  outcome: CheckOutcome;
  /** Why it failed or was skipped, or what was seen when it passed (a status, a count). */
  detail?: string;
  /** The request that the check is about, e.g. `POST /api/v1/devices/X/liveTools/ping {"target":…}`. */
  request?: string;
  /** How long the check took, in milliseconds. */
  durationMs?: number;
}

/** A whole run: its checks in the order they were made, and its length. */
export interface ContractReport {
  /** `api` or `receiver`. */
  mode: string;
  /** What was tested: the base URL or the receiver's URL. */
  target: string;
  checks: Check[];
  durationMs: number;
}

// The package is CommonJS whose module.exports is the builder, while its types describe an ES module's default export.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

/** Counts of a report's outcomes. */
export function tally(report: ContractReport): Record<CheckOutcome, number> {
  const counts: Record<CheckOutcome, number> = { pass: 0, fail: 0, skip: 0 };
  for (const check of report.checks) counts[check.outcome] += 1;
  return counts;
}

/** The process exit status of a report: 0 only when no check failed and at least one passed. */
export function exitStatus(report: ContractReport): number {
  const counts = tally(report);
  return counts.fail === 0 && counts.pass > 0 ? 0 : 1;
}

/** Longest request shown under a failing row: enough to reproduce it, short enough to read. */
const MAX_REQUEST_SHOWN = 300;

/** `text` cut to `max` characters, an ellipsis marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The report as a terminal table (operation, check, result, detail), each failed check followed by the request that
 * failed, then a summary line. With `onlyFailures`, passing rows are left out (the summary still counts them).
 */
export function formatReport(report: ContractReport, { onlyFailures = false }: { onlyFailures?: boolean } = {}): string {
  const rows: string[][] = [['operation', 'check', 'result', 'detail']];
  const requests = new Map<number, string>();
  for (const check of report.checks) {
    if (onlyFailures && check.outcome === 'pass') continue;
    rows.push([check.operation, check.check, check.outcome === 'fail' ? 'FAIL' : check.outcome, clip(check.detail ?? '', 200)]);
    if (check.outcome === 'fail' && check.request) requests.set(rows.length - 1, clip(check.request, MAX_REQUEST_SHOWN));
  }
  const lines = rows.length > 1 ? textTable(rows).split('\n') : [onlyFailures ? 'No check failed or was skipped.' : 'No checks.'];
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    out.push(line);
    const request = requests.get(i);
    if (request) out.push(`    request: ${request}`);
  });
  const counts = tally(report);
  const seconds = (report.durationMs / 1000).toFixed(1);
  out.push(
    '',
    `${report.checks.length} checks: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped, in ${seconds} s ` +
      `(contract ${report.mode} ${report.target})`,
  );
  return out.join('\n') + '\n';
}

/** The report as JUnit XML: one test suite per operation, one test case per check, failures and skips marked. */
export function junitXml(report: ContractReport): string {
  const builder = junit.newBuilder();
  const suites = new Map<string, ReturnType<typeof builder.testSuite>>();
  for (const check of report.checks) {
    let suite = suites.get(check.operation);
    if (suite === undefined) {
      suite = builder.testSuite().name(check.operation);
      suites.set(check.operation, suite);
    }
    const testCase = suite.testCase().className(`contract.${report.mode}.${check.operation}`).name(check.check);
    if (check.durationMs !== undefined) testCase.time(check.durationMs / 1000);
    if (check.outcome === 'fail') testCase.failure(check.detail ?? 'failed');
    if (check.outcome === 'skip') testCase.skipped();
    const output = [check.detail && check.outcome !== 'fail' ? check.detail : undefined, check.request ? `request: ${check.request}` : undefined]
      .filter((line) => line !== undefined)
      .join('\n');
    if (output) testCase.standardOutput(output);
  }
  return builder.build();
}
