/**
 * The SDK as a consumer gets it: built and packed, installed with no network into a fresh project outside the
 * repository, type-checked strictly (exactOptionalPropertyTypes, skipLibCheck off) for Node and for browsers, and
 * run on plain node against a real server, receiving a real callback with the kit.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/index.js';
import { offlineProject } from '../support/offline-project.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);

const STRICT = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  verbatimModuleSyntax: true,
};

let t: TestServer;
let out: string;
let project: string;
let tarball: string;

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  out = mkdtempSync(join(tmpdir(), 'boomerang-sdk-build-'));
  tarball = (await run(process.execPath, ['--import', 'tsx', 'scripts/build-sdk.ts', out])).stdout.trim().split('\n').at(-1)!;
  const started = performance.now();
  project = await offlineProject(tarball, ['typescript', '@types/node']);
  const installMs = Math.round(performance.now() - started);
  const sdkDirs = ['@boomerang', 'ajv', 'ajv-formats', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'require-from-string'];
  const installed = sdkDirs.flatMap((d) => filesUnder(join(project, 'node_modules', d))).reduce((n, f) => n + statSync(f).size, 0);
  // The figures the README and the closing note quote: what a consumer downloads and installs.
  console.log(`sdk package: ${statSync(tarball).size} bytes packed; the SDK and its ${sdkDirs.length - 1} dependencies install ${(installed / 1024 / 1024).toFixed(1)} MiB; npm ci --offline (with typescript and @types/node) took ${installMs} ms`);
  for (const file of ['main.ts', 'browser.ts']) copyFileSync(join('test/sdk/consumer', file), join(project, file));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...STRICT, lib: ['ES2022'], types: ['node'], outDir: 'out' }, files: ['main.ts'] }));
  writeFileSync(join(project, 'readme.ts'), readmeProgram());
  writeFileSync(join(project, 'tsconfig.readme.json'), JSON.stringify({ compilerOptions: { ...STRICT, lib: ['ES2022'], types: ['node'], noEmit: true }, files: ['readme.ts'] }));
  writeFileSync(join(project, 'tsconfig.browser.json'), JSON.stringify({ compilerOptions: { ...STRICT, lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], noEmit: true }, files: ['browser.ts'] }));
}, 180_000);

afterAll(async () => {
  await t?.stop();
  for (const dir of [out, project]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The TypeScript blocks of the README's "Using the SDK" section as one program: their imports merged (each block
 * imports what it uses, as a reader copies it), the names the prose leaves to the reader declared.
 */
function readmeProgram(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Using the SDK'), readme.indexOf('\n## ', readme.indexOf('## Using the SDK') + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const imports = new Map<string, Set<string>>();
  const code: string[] = [];
  for (const line of blocks.join('\n').split('\n')) {
    const match = /^import \{ (.+) \} from '([^']+)';$/.exec(line);
    if (!match) code.push(line);
    else for (const name of match[1]!.split(', ')) (imports.get(match[2]!) ?? imports.set(match[2]!, new Set()).get(match[2]!)!).add(name);
  }
  if (blocks.length < 3) throw new Error(`expected the README's SDK examples, found ${blocks.length} blocks`);
  const head = [...imports].map(([from, names]) => `import { ${[...names].join(', ')} } from '${from}';`);
  return [...head, 'declare const secret: string;', 'declare const organizationId: string;', ...code, 'export {};'].join('\n');
}

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('the SDK package', () => {
  it('is versioned as the spec, exports one entry point, and depends on nothing of the server', () => {
    const installed = join(project, 'node_modules/@boomerang/sdk');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    const spec = JSON.parse(readFileSync('generated/openapi.json', 'utf8')) as { info: { version: string } };
    expect(pkg.version).toBe(spec.info.version);
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.exports as object)).toEqual(['.', './package.json']);
    expect(Object.keys(pkg.dependencies as object).sort()).toEqual(['ajv', 'ajv-formats']);
    // The whole install: the SDK, Ajv and its four small dependencies, and the consumer's own typescript and @types/node.
    expect(readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.')).sort()).toEqual(
      ['@boomerang', '@types', 'ajv', 'ajv-formats', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'require-from-string', 'typescript', 'undici-types'],
    );
    const shipped = filesUnder(installed);
    expect(shipped.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // Runs in browsers: no file imports a Node built-in.
    expect(shipped.filter((f) => f.endsWith('.js') && /from ['"]node:|require\(['"]node:/.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('type-checks a strict Node program and a browser one (exactOptionalPropertyTypes, skipLibCheck off)', async () => {
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    await expect(run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project })).resolves.toBeDefined();
    await expect(run(process.execPath, [tsc, '-p', 'tsconfig.browser.json'], { cwd: project })).resolves.toBeDefined();
  }, 120_000);

  it("type-checks the README's examples as written", async () => {
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.readme.json'], { cwd: project }).then(
      () => 'clean',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe('clean');
  }, 120_000);

  it('runs on plain node: lists, pages, starts a ping, receives its callback verified and typed, reads the job back', async () => {
    const secret = 'whsec_' + Buffer.from('consumer-test-secret-of-32-bytes').toString('base64');
    const { stdout } = await run(process.execPath, ['out/main.js', t.url, DEMO_KEY, secret], { cwd: project, timeout: 60_000 });
    const seen = JSON.parse(stdout) as Record<string, any>;

    const { data: devices } = await sdk.getOrganizationDevices({ client: t.client, path: { organizationId: t.demo.organizationId }, query: { perPage: 1000 }, throwOnError: true });
    expect(seen.organizationId).toBe(t.demo.organizationId);
    expect(seen.serials).toEqual(devices.map((d) => d.serial));
    expect(seen.serials.length).toBeGreaterThan(3);
    expect(seen.createdStatus).toBe('new');
    expect(seen.callback.pingId).toBe(seen.pingId);
    expect(seen.callback.status).toBe(seen.readBack.status);
    expect(seen.callback.outcome).toBe(seen.readBack.outcome);
    expect(seen.readBack.outcome).toMatch(/^(complete: \d+ replies, [\d.]+% loss|failed: .+)$/);
    expect(seen.missing).toEqual({ status: 404, errors: ['Device not found'] });
  }, 90_000);
});
