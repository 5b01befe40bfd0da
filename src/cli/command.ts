/** What every `boomerang` subcommand is: a name, its help, and a run over its own arguments. */

/** Where a command writes and what it reads from its process. */
export interface CommandContext {
  /** The command line up to this command, e.g. `boomerang keys create` (for help and messages). */
  path: string;
  /** The environment, read as the server reads it (src/config.ts). */
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Aborted on SIGINT or SIGTERM: long-running commands (listen) stop cleanly when it is. */
  signal: AbortSignal;
}

/** A subcommand of `boomerang`; a group of subcommands (`keys`) is one too. */
export interface Command {
  /** The word that selects it, e.g. `keys`. */
  readonly name: string;
  /** One line for its parent's command list. */
  readonly summary: string;
  /** The whole `--help` text, given the command line up to this command. */
  help(path: string): string;
  /** Runs with the arguments after its name; resolves with the exit code. Throws UsageError for bad arguments. */
  run(argv: string[], context: CommandContext): Promise<number>;
}

/** Bad arguments: the process prints the message and the command's usage, and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The help text of the command whose arguments were wrong. */
    readonly usage: string,
  ) {
    super(message);
  }
}
