/**
 * A fresh npm project outside the repository, installed with no network: its lockfile takes each package's version
 * and integrity from the repository's package-lock.json, so `npm ci --offline` takes the tarballs from the npm cache
 * that the repository's own `npm ci` filled. The project sees none of the repository's node_modules.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface LockEntry {
  version: string;
  integrity?: string;
  license?: string;
  dependencies?: Record<string, string>;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
}

const repoLock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };

/** `names` and everything they depend on, at the versions the repository's lockfile holds (hoisted). */
function lockEntries(names: string[]): Record<string, LockEntry> {
  const entries: Record<string, LockEntry> = {};
  const visit = (name: string) => {
    const key = `node_modules/${name}`;
    if (entries[key]) return;
    const entry = repoLock.packages[key];
    if (!entry) throw new Error(`${name} is not in the repository's package-lock.json`);
    const { version, integrity, license, dependencies, engines, bin } = entry;
    entries[key] = { version, ...(integrity ? { integrity } : {}), ...(license ? { license } : {}), ...(dependencies ? { dependencies } : {}), ...(engines ? { engines } : {}), ...(bin ? { bin } : {}) };
    for (const dependency of Object.keys(dependencies ?? {})) visit(dependency);
  };
  names.forEach(visit);
  return entries;
}

/**
 * Creates the project in a new temporary folder with `tarball` (an npm pack output) and `devPackages` (names, at the
 * repository's versions) installed; returns its path.
 */
export async function offlineProject(tarball: string, devPackages: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'boomerang-consumer-'));
  const packed = JSON.parse((await run('tar', ['-xOzf', tarball, 'package/package.json'])).stdout) as LockEntry & { name: string };
  const file = basename(tarball);
  copyFileSync(tarball, join(dir, file));
  const dev = lockEntries(devPackages);
  const runtime = lockEntries(Object.keys(packed.dependencies ?? {}));
  const devDependencies = Object.fromEntries(devPackages.map((name) => [name, dev[`node_modules/${name}`]!.version]));
  const manifest = { name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { [packed.name]: `file:${file}` }, devDependencies };
  const packages: Record<string, LockEntry & { resolved?: string; dev?: boolean; devDependencies?: Record<string, string> }> = {
    '': { ...manifest, version: '1.0.0' },
    [`node_modules/${packed.name}`]: { version: packed.version, resolved: `file:${file}`, dependencies: packed.dependencies ?? {} },
  };
  for (const [key, entry] of Object.entries(runtime)) packages[key] = entry;
  for (const [key, entry] of Object.entries(dev)) if (!packages[key]) packages[key] = { ...entry, dev: true };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return dir;
}
