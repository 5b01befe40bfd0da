/**
 * The Salt functions a simulated AutoPi dongle answers, returning what a real minion's job return
 * holds (`return`, `retcode`, `success`): deterministic for the same call, facts and time.
 */
import { type BoundCall, bindSaltCall, PythonTypeError, SaltInvalidKwargsError, type SaltSignature } from './salt-bind-call.js';
import { SaltCommandError } from './salt-command-error.js';
import { SIMULATED_SALT_VERSION, saltGrains } from './salt-grains.js';
import { obdQuery } from './salt-obd.js';
import { powerStatus } from './salt-power-status.js';
import { pythonStr, pythonTruthy } from './salt-python-text.js';
import { runShellCommand } from './salt-shell.js';
import { pendingStateRun } from './salt-state-pending.js';
import type { DongleFacts } from './dongle-facts.js';

/** A minion's job return: Salt sets `success` to `retcode == 0`. */
export interface SaltReturn {
  return: unknown;
  retcode: number;
  success: boolean;
}

interface Outcome {
  value: unknown;
  /** The retcode the function leaves in Salt's `__context__` (default 0). */
  retcode?: number;
}

interface SaltFunction {
  signature: SaltSignature;
  /** The function's docstring, as Python keeps it; Salt appends it to "Passed invalid arguments" errors. */
  doc: string;
  run(call: BoundCall, facts: DongleFacts, now: Date): Outcome;
}

// Salt's exit code for a failed job (salt.defaults.exitcodes.EX_GENERIC).
const EX_GENERIC = 1;

// A docstring as Python stores it: indented lines, blank lines left empty.
function pyDoc(...lines: string[]): string {
  return `\n${lines.map((line) => (line ? `    ${line}` : '')).join('\n')}\n    `;
}

const FUNCTIONS = new Map<string, SaltFunction>([
  [
    'test.ping',
    {
      signature: { name: 'ping', params: [] },
      doc: pyDoc('Answers True when the minion is up; no ICMP involved.', '', 'CLI Example:', '', "    salt '*' test.ping"),
      run: () => ({ value: true }),
    },
  ],
  [
    'test.echo',
    {
      signature: { name: 'echo', params: [{ name: 'text' }] },
      doc: pyDoc('Hands the given text straight back, to check the round trip.', '', 'CLI Example:', '', "    salt '*' test.echo 'hello there'"),
      // Salt returns the argument untouched, so a typed argument (42) comes back typed.
      run: ({ values }) => ({ value: values.text }),
    },
  ],
  [
    'test.arg',
    {
      signature: { name: 'arg', params: [], varargs: true, varkw: true },
      doc: pyDoc('Shows the positional and keyword arguments as the function received them.', '', 'CLI Example:', '', "    salt '*' test.arg 1 two txt=hello"),
      run: ({ extraArgs, extraKwargs }) => ({ value: { args: extraArgs, kwargs: extraKwargs } }),
    },
  ],
  [
    'test.version',
    {
      signature: { name: 'version', params: [] },
      doc: pyDoc('Reports the Salt release running on the minion.', '', 'CLI Example:', '', "    salt '*' test.version"),
      run: () => ({ value: SIMULATED_SALT_VERSION }),
    },
  ],
  [
    'grains.items',
    {
      signature: { name: 'items', params: [{ name: 'sanitize', default: false }] },
      doc: pyDoc('Returns every grain of the minion.', '', 'CLI Example:', '', "    salt '*' grains.items"),
      run: (_call, facts) => ({ value: saltGrains(facts) }),
    },
  ],
  [
    'grains.get',
    {
      signature: {
        name: 'get',
        params: [{ name: 'key' }, { name: 'default', default: '' }, { name: 'delimiter', default: ':' }, { name: 'ordered', default: true }],
      },
      doc: pyDoc(
        'Looks up one grain; nested values are reached with a delimited path such as',
        "'release:version' (list items by index). Returns the default ('') when absent.",
        '',
        'CLI Example:',
        '',
        "    salt '*' grains.get pkg:apache",
      ),
      run: ({ values }, facts) => ({
        value: traverseDictAndList(saltGrains(facts), pythonStr(values.key), values.default, pythonStr(values.delimiter) || ':'),
      }),
    },
  ],
  [
    'power.status',
    {
      signature: { name: 'status', params: [] },
      doc: pyDoc('Reports power management state: battery, SPM state and triggers, uptime.'),
      run: (_call, facts, now) => ({ value: powerStatus(facts, now) }),
    },
  ],
  [
    'obd.query',
    {
      signature: {
        name: 'query',
        params: [
          { name: 'cmd' },
          { name: 'mode', default: null },
          { name: 'pid', default: null },
          { name: 'bytes', default: null },
          { name: 'decoder', default: null },
          { name: 'force', default: null },
        ],
        varkw: true,
      },
      doc: pyDoc(
        "Reads one OBD command from the vehicle, e.g. 'obd.query speed'.",
        '',
        'Arguments:',
        '  - name (str): Name of the command.',
        '',
        'Optional arguments:',
        "  - force (bool): Query a command the vehicle does not list as supported. Default is 'False'.",
      ),
      run: ({ values }, facts, now) => ({ value: obdQuery(values.cmd, pythonTruthy(values.force), facts.unitId, now) }),
    },
  ],
  [
    'state.sls',
    {
      signature: {
        name: 'sls',
        params: [
          { name: 'mods' },
          { name: 'test', default: null },
          { name: 'exclude', default: null },
          { name: 'queue', default: false },
          { name: 'sync_mods', default: null },
          { name: 'state_events', default: null },
        ],
        varkw: true,
      },
      doc: pyDoc('Applies the named SLS file(s) and returns the result of every state.', '', 'CLI Example:', '', "    salt '*' state.sls pending"),
      run: ({ values }, facts, now) => {
        const mods = splitMods(values.mods);
        const unknown = mods.filter((m) => m !== 'pending');
        if (unknown.length > 0) {
          // A compile error: Salt returns the list of errors instead of state results.
          return { value: unknown.map((m) => `No matching sls found for '${m}' in env 'base'`), retcode: EX_GENERIC };
        }
        return { value: pendingStateRun(facts, now, pythonTruthy(values.test)) };
      },
    },
  ],
  [
    'cmd.run',
    {
      signature: {
        name: 'run',
        params: [
          { name: 'cmd' },
          { name: 'cwd', default: null },
          { name: 'stdin', default: null },
          { name: 'runas', default: null },
          { name: 'group', default: null },
          { name: 'shell', default: '/bin/sh' },
          { name: 'python_shell', default: null },
          { name: 'env', default: null },
          { name: 'clean_env', default: false },
          { name: 'template', default: null },
          { name: 'rstrip', default: true },
          { name: 'umask', default: null },
          { name: 'output_encoding', default: null },
          { name: 'output_loglevel', default: 'debug' },
          { name: 'log_callback', default: null },
          { name: 'hide_output', default: false },
          { name: 'timeout', default: null },
          { name: 'reset_system_locale', default: true },
          { name: 'ignore_retcode', default: false },
          { name: 'saltenv', default: null },
          { name: 'use_vt', default: false },
          { name: 'bg', default: false },
          { name: 'password', default: null },
          { name: 'success_retcodes', default: null },
        ],
        varkw: true,
      },
      doc: pyDoc('Runs a shell command and returns its output (stderr merged into stdout).', '', 'CLI Example:', '', "    salt '*' cmd.run 'uname -a'"),
      run: ({ values }, facts, now) => {
        const shell = runShellCommand(pythonStr(values.cmd), facts, now);
        let retcode = shell.retcode;
        const successCodes = Array.isArray(values.success_retcodes) ? values.success_retcodes : [values.success_retcodes];
        if (successCodes.includes(retcode)) retcode = 0;
        // cmd.run still returns the output of a failing command; only the job's retcode reports the failure.
        if (pythonTruthy(values.ignore_retcode)) retcode = 0;
        let output = pythonTruthy(values.rstrip) ? shell.output : `${shell.output}\n`;
        if (pythonTruthy(values.hide_output)) output = '';
        return { value: output, retcode };
      },
    },
  ],
]);

/** The functions the simulated dongle answers (sorted); anything else returns Salt's "not available". */
export const supportedSaltFunctions: string[] = [...FUNCTIONS.keys()].sort();

/** Runs one Salt function on the simulated dongle at `now`, returning what its minion would report. */
export function runSaltFunction(
  fun: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
  facts: DongleFacts,
  now: Date,
): SaltReturn {
  const spec = FUNCTIONS.get(fun);
  if (!spec) return notAvailable(fun);
  try {
    const { value, retcode = 0 } = spec.run(bindSaltCall(spec.signature, args, kwargs), facts, now);
    // As the minion does: a dict return whose "result" or "success" is false fails the job.
    const failedDict = retcode === 0 && isDict(value) && (['result', 'success'] as const).some((k) => k in value && !pythonTruthy(value[k]));
    const code = failedDict ? EX_GENERIC : retcode;
    return { return: value, retcode: code, success: code === 0 };
  } catch (error) {
    if (error instanceof SaltInvalidKwargsError) return failed(`ERROR executing '${fun}': ${error.message}`);
    if (error instanceof PythonTypeError) return failed(`Passed invalid arguments to ${fun}: ${error.message}\n${spec.doc}`);
    if (error instanceof SaltCommandError) return failed(`ERROR: ${error.message}`);
    throw error;
  }
}

function failed(message: string): SaltReturn {
  return { return: message, retcode: EX_GENERIC, success: false };
}

// The minion asks sys.doc for `<fun>*`: near misses (test.pin) get the docs of what does exist.
function notAvailable(fun: string): SaltReturn {
  const missing = `'${fun}' is not available.`;
  const near = supportedSaltFunctions.filter((name) => name.startsWith(fun));
  if (near.length === 0) return failed(missing);
  const docs: Record<string, string> = {};
  for (const name of near) docs[name] = FUNCTIONS.get(name)!.doc;
  docs[fun] = missing;
  return { return: docs, retcode: EX_GENERIC, success: false };
}

function isDict(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function splitMods(mods: unknown): string[] {
  if (Array.isArray(mods)) return mods.map(pythonStr);
  return pythonStr(mods)
    .split(',')
    .map((m) => m.trim());
}

/** Salt's `traverse_dict_and_list`: follows `a:b:0`, indexing lists by number or searching their dicts by key. */
export function traverseDictAndList(data: unknown, key: string, fallback: unknown, delimiter = ':'): unknown {
  let ptr = data;
  for (const each of key.split(delimiter)) {
    if (Array.isArray(ptr)) {
      const index = pythonInt(each);
      if (index === null) {
        const embedded = ptr.find((x): x is Record<string, unknown> => isDict(x) && Object.hasOwn(x, each));
        if (!embedded) return fallback;
        ptr = embedded[each];
      } else {
        // Python indexes from the end for negative numbers.
        const at = index < 0 ? ptr.length + index : index;
        if (at < 0 || at >= ptr.length) return fallback;
        ptr = ptr[at];
      }
    } else if (isDict(ptr) && Object.hasOwn(ptr, each)) {
      ptr = ptr[each];
    } else {
      return fallback;
    }
  }
  return ptr;
}

// Python's int() of a string, or null where it would raise ValueError.
function pythonInt(text: string): number | null {
  return /^\s*[-+]?\d+(?:_\d+)*\s*$/.test(text) ? Number(text.trim().replace(/_/g, '')) : null;
}
