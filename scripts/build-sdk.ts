/**
 * Builds the SDK package into DIR/sdk/ and packs it as DIR/boomerang-sdk-VERSION.tgz (DIR: the first argument, or dist): the generated client and
 * types, the receiver kit (src/sdk/), compiled to ESM with .d.ts. Its version is the spec's info.version; its only
 * dependencies are Ajv and ajv-formats (for checking callbacks against the spec), at the server's exact versions.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Where the package folder and its tarball go: `tsx scripts/build-sdk.ts [DIR]` (default dist). */
const DIR = process.argv[2] ?? 'dist';
const OUT = `${DIR}/sdk`;
const NAME = '@boomerang/sdk';

const spec = JSON.parse(readFileSync('generated/openapi.json', 'utf8')) as { info: { version: string; summary?: string } };
const server = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; license?: string };

rmSync(OUT, { recursive: true, force: true });
const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  // DOM and no Node types: what compiles here runs in browsers as well as on Node (which has the same globals).
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
  strict: true,
  noUncheckedIndexedAccess: true,
  declaration: true,
  sourceMap: false,
  skipLibCheck: false,
  verbatimModuleSyntax: true,
  rootDir: '.',
  outDir: `${OUT}/lib`,
};
const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
function fail(diagnostics: readonly ts.Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}

// Consumers compile against the .d.ts under exactOptionalPropertyTypes (the consumer test does, skipLibCheck off).
// The SDK's own sources and the generated functions and types pass it too; the bodies of @hey-api's bundled fetch
// client (generated/client/client/, core/) do not, and only their declarations reach a consumer.
const strict = ts.createProgram(['src/sdk/index.ts'], { ...options, exactOptionalPropertyTypes: true, noEmit: true });
fail(ts.getPreEmitDiagnostics(strict).filter((d) => !/\/generated\/client\/(client|core)\//.test(d.file?.fileName ?? '')));

const program = ts.createProgram(['src/sdk/index.ts'], options);
const emitted = program.emit();
fail([...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]);
// The SDK must not carry the server along: nothing outside these folders may have been compiled into it.
const strays = program
  .getSourceFiles()
  .map((f) => relative(process.cwd(), resolve(f.fileName)))
  .filter((f) => !f.startsWith('node_modules/') && !/^(src\/sdk\/|src\/callbacks\/webhook-key\.ts$|src\/spec\/spec-ajv\.ts$|generated\/)/.test(f));
if (strays.length > 0) throw new Error(`the SDK would include server files: ${strays.join(', ')}`);

const entry = './lib/src/sdk/index';
const pkg = {
  name: NAME,
  version: spec.info.version,
  description: 'Typed client and callback receiver kit for the Boomerang API (generated from its OpenAPI spec).',
  license: server.license ?? 'MIT',
  type: 'module',
  exports: { '.': { types: `${entry}.d.ts`, default: `${entry}.js` }, './package.json': './package.json' },
  main: `${entry}.js`,
  types: `${entry}.d.ts`,
  sideEffects: false,
  engines: { node: '>=20.19' },
  dependencies: { ajv: server.dependencies.ajv, 'ajv-formats': server.dependencies['ajv-formats'] },
};
writeFileSync(`${OUT}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  `${OUT}/README.md`,
  `# ${NAME}\n\nTyped client and callback receiver kit for Boomerang API ${spec.info.version}. See "Using the SDK" in the Boomerang README.\n`,
);
const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', resolve(DIR)], { cwd: OUT, encoding: 'utf8' }).trim();
console.log(join(DIR, packed));
