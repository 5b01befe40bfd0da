/** A command made of subcommands (`boomerang`, `boomerang keys`): it picks one by its first argument. */
import { UsageError, type Command } from './command.js';

/** A command that hands its arguments to the subcommand its first argument names. */
export function commandGroup(spec: { name: string; summary: string; description: string; commands: readonly Command[] }): Command {
  const help = (path: string) => {
    const width = Math.max(...spec.commands.map((c) => c.name.length));
    const list = spec.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
    return (
      `Usage: ${path} <command> [options]\n\n${spec.description}\n\nCommands:\n${list}\n\n` +
      `Options:\n  -h, --help  show this help\n\nRun "${path} <command> --help" for a command's options.\n`
    );
  };
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(argv, context) {
      const [first, ...rest] = argv;
      if (first === '-h' || first === '--help' || first === 'help') {
        context.stdout.write(help(context.path));
        return 0;
      }
      if (first === undefined) throw new UsageError('missing command', help(context.path));
      const command = spec.commands.find((c) => c.name === first);
      if (command === undefined) {
        throw new UsageError(first.startsWith('-') ? `unknown option "${first}"` : `unknown command "${first}"`, help(context.path));
      }
      return command.run(rest, { ...context, path: `${context.path} ${command.name}` });
    },
  };
}
