/** Builds a leaf command from its options: parsing with node:util parseArgs (strict), `--help`, and usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type Command, type CommandContext } from './command.js';

/** One option: parseArgs' description of it, plus what help shows. */
export interface CommandOption {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder of its value in help, e.g. `EMAIL` (string options). */
  value?: string;
  /** One line for help. */
  description: string;
}

type Options = Record<string, CommandOption>;
type ParseConfig<O extends Options> = { options: O; strict: true; allowPositionals: true };
/** The values parseArgs gives for options `O`: a string, boolean or string[] per option, undefined when absent. */
export type OptionValues<O extends Options> = ReturnType<typeof parseArgs<ParseConfig<O>>>['values'];

/** What defineCommand needs to know about a command. */
export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  /** What follows the command's name in its usage line, e.g. `--admin EMAIL [--name NAME]`. */
  usage: string;
  /** Paragraphs shown in help between the usage line and the options. */
  description: string;
  options: O;
  /** How many positional arguments it takes (default none). */
  positionals?: { min: number; max: number; name: string };
  /** Runs the command; `usageError(message)` makes the error for arguments that parsed but do not fit together. */
  run(
    args: { values: OptionValues<O>; positionals: string[]; usageError(message: string): UsageError },
    context: CommandContext,
  ): Promise<number | void>;
}

const HELP: CommandOption = { type: 'boolean', short: 'h', description: 'show this help' };

/** Formats `--name VALUE` rows (with `-x, ` when there is a short form) and their descriptions, aligned. */
function optionRows(options: Options): string {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return [flag, `${o.description}${o.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
}

/** A command that parses its own arguments: unknown options and wrong counts of arguments are usage errors. */
export function defineCommand<O extends Options>(spec: CommandSpec<O>): Command {
  const help = (path: string) =>
    `Usage: ${path}${spec.usage ? ` ${spec.usage}` : ''}\n\n${spec.description}\n\nOptions:\n${optionRows({ ...spec.options, help: HELP })}\n`;
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(argv, context) {
      const options: ParseArgsConfig['options'] = {};
      for (const [name, o] of Object.entries({ ...spec.options, help: HELP })) {
        options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
      }
      let parsed: { values: Record<string, unknown>; positionals: string[] };
      try {
        parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
      } catch (err) {
        // parseArgs' own errors (unknown option, missing value) are the user's; anything else is ours.
        const { code, message } = err as { code?: string; message: string };
        // Its unknown-option message goes on about positionals starting with '-': the option is what matters.
        const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(message)?.[1] : undefined;
        if (unknown !== undefined) throw new UsageError(`unknown option "${unknown}"`, help(context.path));
        if (code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(message, help(context.path));
        throw err;
      }
      if (parsed.values.help === true) {
        context.stdout.write(help(context.path));
        return 0;
      }
      const { min = 0, max = 0, name = 'argument' } = spec.positionals ?? {};
      if (parsed.positionals.length < min) throw new UsageError(`missing ${name}`, help(context.path));
      if (parsed.positionals.length > max) {
        throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`, help(context.path));
      }
      const usageError = (message: string) => new UsageError(message, help(context.path));
      const code = await spec.run({ values: parsed.values as OptionValues<O>, positionals: parsed.positionals, usageError }, context);
      return code ?? 0;
    },
  };
}
