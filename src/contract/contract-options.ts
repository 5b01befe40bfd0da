/** Option parsing that both `contract` commands share: the spec to load, `--listen`, `--junit`, and printing a report. */
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../cli/command.js';
import type { CommandContext } from '../cli/command.js';
import { ContractDocumentError, loadContractDocument, type ContractDocument } from './contract-document.js';
import { exitStatus, formatReport, junitXml, type ContractReport } from './contract-report.js';

/**
 * The document a run tests against: `--spec` when given; otherwise the one the implementation at `base` serves at
 * `/openapi.json` (Boomerang's names its demo data), and Boomerang's bundled spec when it serves none.
 */
export async function documentFor(spec: string | undefined, base: string | undefined, usageError: (m: string) => UsageError): Promise<ContractDocument> {
  try {
    if (spec !== undefined) return await loadContractDocument(spec);
    if (base !== undefined) {
      try {
        return await loadContractDocument(new URL('/openapi.json', base).href);
      } catch {
        // Not served there: Boomerang's own spec is the default.
      }
    }
    return await loadContractDocument();
  } catch (err) {
    if (err instanceof ContractDocumentError) throw usageError(err.message);
    throw err;
  }
}

/** `HOST:PORT` (`[::1]:9000` for IPv6) as the catcher's address. */
export function parseListen(value: string | undefined, usageError: (m: string) => UsageError): { host: string; port: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):([0-9]{1,5})$/.exec(value);
  if (match === null || Number(match[2]) > 65535) throw usageError(`--listen takes HOST:PORT (e.g. 127.0.0.1:9100), got "${value}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/** A whole number of seconds in `[1, max]` as milliseconds, or `fallback` when absent. */
export function parseSeconds(name: string, value: string | undefined, fallback: number, max: number, usageError: (m: string) => UsageError): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) throw usageError(`--${name} takes whole seconds from 1 to ${max}, got "${value}"`);
  return Number(value) * 1000;
}

/** Prints a report (every check with `all`, else the failures and skips), writes its JUnit XML, and gives the exit status. */
export async function finishReport(report: ContractReport, options: { all: boolean; junit: string | undefined }, context: CommandContext): Promise<number> {
  context.stdout.write(formatReport(report, { onlyFailures: !options.all }));
  if (options.junit !== undefined) {
    await writeFile(options.junit, junitXml(report));
    context.stdout.write(`JUnit XML written to ${options.junit}\n`);
  }
  return exitStatus(report);
}
