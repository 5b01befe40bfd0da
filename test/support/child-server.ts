/** Runs the real entry point (src/main.ts) as a child process, as `npm start` does. */
import { spawn, type ChildProcess } from 'node:child_process';

/** A server child process, its base URL once it listens, and everything it printed. */
export interface ChildServer {
  child: ChildProcess;
  /** Resolves with the base URL from the start-up output. */
  listening: Promise<string>;
  output(): string;
  /** Resolves with the first match of `pattern` in the output, waiting for it if needed. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Starts `src/main.ts` with `env` over the test's environment (in-memory PGlite and a free port unless overridden). */
export function startChildServer(env: Record<string, string>): ChildServer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: 'memory://', LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line in:\n${output}`)), 30_000);
    child.on('exit', () => reject(new Error(`exited before listening:\n${output}`)));
    child.stdout.on('data', () => {
      const match = /"msg":"Boomerang listening on (http:\/\/[^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  listening.catch(() => {});
  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return false;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => reject(new Error(`${pattern} never appeared in:\n${output}`)), timeoutMs);
      if (!check()) child.stdout.on('data', check);
    });
  return { child, listening, output: () => output, waitForOutput };
}
