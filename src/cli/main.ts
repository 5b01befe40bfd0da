#!/usr/bin/env node
/**
 * The `boomerang` command (the package's bin): runs the subcommand its arguments name. Exit codes: 0 done, 1 failed
 * (one line on stderr, no stack trace), 2 bad arguments (the message and the command's usage).
 */
import { commandGroup } from './command-group.js';
import { UsageError } from './command.js';
import { commands } from './commands.js';

// `boomerang` itself: the group of every subcommand.
const boomerang = commandGroup({
  name: 'boomerang',
  summary: 'Boomerang from the command line',
  description:
    'Manage a Boomerang server\'s database (API keys, migrations) and receive its callbacks locally.\n' +
    'Database commands read the same environment as the server: DATABASE_URL (PostgreSQL), else the embedded\n' +
    'database in DATA_DIR (default ./data), which only one process may open at a time: stop the server first.',
  commands,
});

// Output piped into `head` that closed early is not a failure worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const controller = new AbortController();
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C does not wait for the command to finish stopping.
    if (signalled) process.exit(130);
    signalled = true;
    controller.abort();
  });
}

try {
  process.exitCode = await boomerang.run(process.argv.slice(2), {
    path: 'boomerang',
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`boomerang: ${err.message}\n\n${err.usage}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`boomerang: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
