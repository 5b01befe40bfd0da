/** `boomerang contract api`: tests a running implementation of the spec, its callbacks included (src/contract/api-contract.ts). */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { ApiFixtures } from '../contract/api-request.js';
import { defineCommand } from './define-command.js';

/** The longest wait for one callback that --callback-timeout accepts, in seconds. */
const MAX_CALLBACK_TIMEOUT_S = 3600;

/** Tests the implementation at --base against the spec and prints what it found. */
export const contractApiCommand = defineCommand({
  name: 'api',
  summary: 'test a running implementation of the spec, callbacks included',
  usage: '--base URL [--spec FILE|URL] [--token T] [--fixtures FILE] [--param NAME=VALUE ...] [--only OPERATION ...] [--junit FILE]',
  description:
    'Calls every operation of the spec at --base: a valid request (from the examples, else sampled from the schemas),\n' +
    'invalid variants that must get a declared 4xx, and no credentials (401). Each answer is checked against the spec\n' +
    '(status, Content-Type, body schema, declared headers); Link pages and the spec\'s links are followed. For each\n' +
    'callback, the runner puts its own receiver\'s URL where the callback\'s runtime expression says, waits for it, and\n' +
    'checks its body, headers and signature; follow-ups linked with x-callback-match must answer what the callback said.\n' +
    'Ids the spec cannot invent come from links, --param, the fixtures file or the examples. The spec is --spec, else\n' +
    'the one served at BASE/openapi.json, else Boomerang\'s own. The runner sends only to --base and listens on loopback.\n' +
    'Exit status 0 only when no check failed.',
  options: {
    base: { type: 'string', value: 'URL', description: 'origin of the implementation, e.g. http://127.0.0.1:8080' },
    spec: { type: 'string', value: 'FILE|URL', description: 'OpenAPI 3.0/3.1 document (JSON or YAML)' },
    token: { type: 'string', value: 'T', description: 'API key or token for the operations\' security schemes' },
    header: { type: 'string', multiple: true, value: '"NAME: VALUE"', description: 'extra header on every request' },
    fixtures: { type: 'string', value: 'FILE', description: 'JSON or YAML: {parameters: {NAME: VALUE}, operations: {ID: {parameters, body, skip}}}' },
    param: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'a parameter\'s value for every operation' },
    only: { type: 'string', multiple: true, value: 'OPERATION', description: 'test only this operationId (and what its links lead to)' },
    secret: { type: 'string', value: 'S', description: 'key of callbacks whose spec does not say where theirs comes from' },
    listen: { type: 'string', value: 'HOST:PORT', description: 'where the runner receives callbacks (default 127.0.0.1 and a free port)' },
    'callback-timeout': { type: 'string', value: 'SECONDS', description: 'how long to wait for each callback (default 30)' },
    junit: { type: 'string', value: 'FILE', description: 'write the report as JUnit XML' },
    all: { type: 'boolean', description: 'print every check, not only failures and skips' },
  },
  async run({ values, usageError }, context) {
    if (values.base === undefined) throw usageError('missing --base URL');
    // Loaded here, not at the top: the spec machinery would slow every other command's start by about a second.
    const [{ runApiContract }, { documentFor, finishReport, parseListen, parseSeconds }] = await Promise.all([
      import('../contract/api-contract.js'),
      import('../contract/contract-options.js'),
    ]);
    let base: URL;
    try {
      base = new URL(values.base);
    } catch {
      throw usageError(`--base takes a URL, got "${values.base}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw usageError('--base takes an http: or https: URL');
    const headers: Record<string, string> = {};
    for (const header of values.header ?? []) {
      const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(header);
      if (match === null) throw usageError(`--header takes "NAME: VALUE", got "${header}"`);
      headers[match[1]!.toLowerCase()] = match[2]!;
    }
    let fixtures: ApiFixtures = {};
    if (values.fixtures !== undefined) {
      let text: string;
      try {
        text = await readFile(values.fixtures, 'utf8');
      } catch (err) {
        throw usageError(`cannot read --fixtures ${values.fixtures}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      try {
        fixtures = (parseYaml(text) ?? {}) as ApiFixtures;
      } catch (err) {
        throw usageError(`--fixtures ${values.fixtures} is neither JSON nor YAML: ${(err as Error).message}`);
      }
      if (typeof fixtures !== 'object' || Array.isArray(fixtures)) throw usageError(`--fixtures ${values.fixtures} must hold an object`);
    }
    for (const param of values.param ?? []) {
      const at = param.indexOf('=');
      if (at < 1) throw usageError(`--param takes NAME=VALUE, got "${param}"`);
      fixtures = { ...fixtures, parameters: { ...fixtures.parameters, [param.slice(0, at)]: param.slice(at + 1) } };
    }
    const listen = parseListen(values.listen, usageError);
    const callbackTimeoutMs = parseSeconds('callback-timeout', values['callback-timeout'], 30_000, MAX_CALLBACK_TIMEOUT_S, usageError);
    const document = await documentFor(values.spec, base.href, usageError);
    const operationIds = new Set(Object.values(document.doc.paths ?? {}).flatMap((item) => Object.values(item ?? {}).map((op) => (op as { operationId?: string }).operationId)));
    for (const id of values.only ?? []) if (!operationIds.has(id)) throw usageError(`--only ${id}: no such operationId in ${document.source}`);
    context.stdout.write(`Testing ${base.origin} against ${document.source} (OpenAPI ${document.version})…\n`);
    const report = await runApiContract({
      document,
      baseUrl: values.base.replace(/\/$/, ''),
      ...(values.token !== undefined ? { token: values.token } : {}),
      headers,
      fixtures,
      ...(values.only ? { only: values.only } : {}),
      ...(listen ? { listen } : {}),
      ...(values.secret !== undefined ? { secret: values.secret } : {}),
      callbackTimeoutMs,
    });
    return finishReport(report, { all: values.all === true, junit: values.junit }, context);
  },
});
