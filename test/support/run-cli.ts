/** Runs the real `boomerang` command (src/cli/main.ts through tsx) as a child process, as `npm run boomerang` does. */
import { spawn, type ChildProcess } from 'node:child_process';

/** How a finished command ended and what it printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    // The test's own DATABASE_URL names the server's cluster, not this test's database: each test says which it wants.
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: 'memory://', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `boomerang ...args` with `env` over the test's environment and resolves once it exits. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running command (`listen`): its process, its output so far, and a way to wait for a line. */
export interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout, waiting for it if needed. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `boomerang ...args` and returns at once. */
export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => stdout,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > until) throw new Error(`${pattern} never appeared in:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
