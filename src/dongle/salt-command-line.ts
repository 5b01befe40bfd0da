/**
 * The AutoPi `execute_raw` command line: `module.function arg… key=value…`, read the way Salt's
 * `parse_input` reads CLI arguments, and written back for display.
 *
 * No shell sits between the API and Salt here, so quotes on the line reach Salt's YAML loader:
 * a quoted value (`'42'`, `name="x y"`) is always text, and only unquoted values are typed.
 */
import { resolvePlainScalar, saltYamlify, setOwn } from './salt-yamlify.js';
import { type SaltWord, SaltSyntaxError, saltTokenize, wordText } from './salt-tokenize.js';

export { SaltSyntaxError } from './salt-tokenize.js';

/** A parsed Salt call: the function and its positional and keyword arguments, already typed. */
export interface SaltCommand {
  fun: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

const FUNCTION_RE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
// Salt's KWARG_REGEX: the name starts with a letter or '_', may hold '.', '-', and '==' is not a kwarg.
const KWARG_RE = /^([\p{L}\p{M}_][\p{L}\p{M}\p{N}_.-]*)=/u;

/** Parses an `execute_raw` command line; throws `SaltSyntaxError` saying what is wrong and where. */
export function parseSaltCommandLine(line: string): SaltCommand {
  const words = saltTokenize(line);
  const [first, ...rest] = words;
  if (!first) throw new SaltSyntaxError('empty command line');
  const fun = wordText(first);
  if (!FUNCTION_RE.test(fun)) throw new SaltSyntaxError(`${JSON.stringify(fun)} is not a module.function name`);

  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  for (const word of rest) {
    const kwarg = splitKwarg(word);
    if (kwarg) setOwn(kwargs, kwarg.key, kwarg.value);
    else args.push(wordValue(word));
  }
  return { fun, args, kwargs };
}

/** The `arg` list Salt publishes (and echoes as `fun_args`): positionals, then one `{__kwarg__: true, …}` dict if any kwargs. */
export function saltFunArgs(args: unknown[], kwargs: Record<string, unknown>): unknown[] {
  if (Object.keys(kwargs).length === 0) return [...args];
  const packed: Record<string, unknown> = { __kwarg__: true };
  for (const [key, value] of Object.entries(kwargs)) setOwn(packed, key, value);
  return [...args, packed];
}

/** Renders a call as a command line that `parseSaltCommandLine` reads back to the same values. */
export function formatSaltCommand(fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): string {
  const words = [fun, ...args.map((a) => formatTopValue(a, false))];
  for (const [key, value] of Object.entries(kwargs)) words.push(`${key}=${formatTopValue(value, true)}`);
  return words.join(' ');
}

function splitKwarg(word: SaltWord): { key: string; value: unknown } | null {
  const head = word.parts[0];
  // Quoting the name (or the whole word) is how a positional value containing '=' is passed.
  if (!head || head.quoted) return null;
  const match = KWARG_RE.exec(head.text);
  if (!match) return null;
  const rest = head.text.slice(match[0].length);
  if (rest.startsWith('=')) return null;
  const parts = [{ text: rest, quoted: false }, ...word.parts.slice(1)];
  const text = parts.map((p) => p.text).join('');
  // Salt's regex does not match across a newline, so such a word stays positional.
  if (text.includes('\n')) return null;
  return { key: match[1]!, value: parts.some((p) => p.quoted) ? text : saltYamlify(text) };
}

function wordValue(word: SaltWord): unknown {
  const text = wordText(word);
  return word.parts.some((p) => p.quoted) ? text : saltYamlify(text);
}

function formatTopValue(value: unknown, isKwarg: boolean): string {
  if (typeof value === 'string') return isBareString(value, isKwarg) ? value : quoteForShell(value);
  // Salt's own spelling at the top level; nested values use YAML's.
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return formatFlow(value);
}

function isBareString(s: string, isKwarg: boolean): boolean {
  if (s === '' || /[\s'"\\[\]{}]/.test(s)) return false;
  if (!isKwarg && KWARG_RE.test(s)) return false;
  return saltYamlify(s) === s;
}

function quoteForShell(s: string): string {
  if (!s.includes("'")) return `'${s}'`;
  return `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

// YAML flow syntax for values inside (or as) a list or map.
function formatFlow(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return formatFlowString(value);
  if (Array.isArray(value)) return `[${value.map(formatFlow).join(', ')}]`;
  if (value instanceof Date) return formatFlowString(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${formatFlowString(k)}: ${formatFlow(v)}`).join(', ')}}`;
  }
  return formatFlowString(String(value));
}

function formatFlowString(s: string): string {
  let plain = false;
  try {
    plain = /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && resolvePlainScalar(s) === s;
  } catch {
    plain = false;
  }
  // JSON string syntax is valid YAML double-quoted syntax.
  return plain ? s : JSON.stringify(s);
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const text = String(n);
  // YAML 1.1 (PyYAML) only reads an exponent after a decimal point: 1e-7 must be written 1.0e-7.
  if (text.includes('e') && !text.includes('.')) return text.replace('e', '.0e');
  return text;
}
