/** The real entry point as a child process: boots on the embedded database with demo data, stops cleanly on a signal. */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startChildServer as startMain } from './support/child-server.js';

describe('npm start (src/main.ts)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`seeds the demo data, prints a ready-to-paste curl line, and exits 0 on ${signal}`, async () => {
      const main = startMain({ SEED_API_KEY: '' });
      const url = await main.listening;
      const key = (await main.waitForOutput(/API key \(shown once, keep it\): ([0-9a-f]{40})/))[1]!;
      await main.waitForOutput(/Callbacks to localhost, 127\.0\.0\.1 and ::1 are allowed/);
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
