/** The real entry point as a child process: boots on the embedded database with demo data, stops cleanly on a signal. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: 'memory://', LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line in:\n${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /Try: curl .*? (http:\/\/\S+)\/api\/v1\/organizations/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, listening, output: () => output };
}

describe('npm start (src/main.ts)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`seeds the demo data, prints a ready-to-paste curl line, and exits 0 on ${signal}`, async () => {
      const main = startMain({ SEED_API_KEY: '' });
      const url = await main.listening;
      const key = /API key \(shown once, keep it\): ([0-9a-f]{40})/.exec(main.output())![1]!;
      const res = await fetch(`${url}/api/v1/organizations`, { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect((await res.json())[0].name).toBe('Demo Organization');
      main.child.kill(signal);
      const [code] = await once(main.child, 'exit');
      expect(code).toBe(0);
      expect(main.output()).toContain('"msg":"stopped"');
    });
  }

  it('refuses to start with a configuration it cannot use, saying why', async () => {
    const main = startMain({ PORT: 'eighty' });
    const [code] = await once(main.child, 'exit');
    expect(code).toBe(1);
    expect(main.output()).toBe('Boomerang cannot start: PORT must be an integer between 0 and 65535, got "eighty"\n');
  });
});
