/**
 * Binds a call's arguments to a simulated function's Python signature the way Salt's minion does:
 * first Salt's own keyword check (`load_args_and_kwargs`), then Python's binding, with their messages.
 */
import { pythonStr } from './salt-python-text.js';

/** One parameter of a Python function; `default` present means it is optional. */
export interface SaltParam {
  name: string;
  default?: unknown;
}

/** A Python signature: `def name(params…, *args, **kwargs)`. */
export interface SaltSignature {
  /** The Python function's own name, as Python's error messages show it (`echo`, not `test.echo`). */
  name: string;
  params: SaltParam[];
  varargs?: boolean;
  varkw?: boolean;
}

/** The arguments as the function body sees them. */
export interface BoundCall {
  /** Every named parameter, filled from the call or its default. */
  values: Record<string, unknown>;
  /** What `*args` received. */
  extraArgs: unknown[];
  /** What `**kwargs` received. */
  extraKwargs: Record<string, unknown>;
}

/** Salt refused keyword arguments the function does not take (a `SaltInvocationError`). */
export class SaltInvalidKwargsError extends Error {}

/** Python refused the call (a `TypeError`), e.g. `echo() missing 1 required positional argument: 'text'`. */
export class PythonTypeError extends Error {}

/** Binds `args`/`kwargs` to `signature`; throws `SaltInvalidKwargsError` or `PythonTypeError` as the minion would. */
export function bindSaltCall(signature: SaltSignature, args: unknown[], kwargs: Record<string, unknown>): BoundCall {
  const names = signature.params.map((p) => p.name);
  const invalid = Object.entries(kwargs).filter(([key]) => !signature.varkw && !names.includes(key));
  if (invalid.length > 0) {
    const list = invalid.map(([key, value]) => `${key}=${pythonStr(value)}`).join(', ');
    throw new SaltInvalidKwargsError(`The following keyword arguments are not valid: ${list}`);
  }

  const fn = `${signature.name}()`;
  const values: Record<string, unknown> = {};
  const extraKwargs: Record<string, unknown> = {};
  const positional = args.slice(0, names.length);
  positional.forEach((value, index) => (values[names[index]!] = value));
  const extraArgs = signature.varargs ? args.slice(names.length) : [];

  // CPython checks keywords first, then the positional count, then what is missing.
  for (const [key, value] of Object.entries(kwargs)) {
    if (names.includes(key)) {
      if (Object.hasOwn(values, key)) throw new PythonTypeError(`${fn} got multiple values for argument '${key}'`);
      values[key] = value;
    } else {
      Object.defineProperty(extraKwargs, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  if (!signature.varargs && args.length > names.length) {
    throw new PythonTypeError(`${fn} ${takes(signature)} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`);
  }
  const missing = signature.params.filter((p) => !('default' in p) && !Object.hasOwn(values, p.name)).map((p) => `'${p.name}'`);
  if (missing.length > 0) {
    const plural = missing.length === 1 ? 'argument' : 'arguments';
    throw new PythonTypeError(`${fn} missing ${missing.length} required positional ${plural}: ${joinNames(missing)}`);
  }
  for (const p of signature.params) if (!Object.hasOwn(values, p.name)) values[p.name] = p.default;
  return { values, extraArgs, extraKwargs };
}

function takes(signature: SaltSignature): string {
  const max = signature.params.length;
  const min = signature.params.filter((p) => !('default' in p)).length;
  if (min === max) return `takes ${max} positional argument${max === 1 ? '' : 's'}`;
  return `takes from ${min} to ${max} positional arguments`;
}

// Python lists missing names as 'a', 'a' and 'b', or 'a', 'b', and 'c'.
function joinNames(names: string[]): string {
  if (names.length === 1) return names[0]!;
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  return `${names.slice(0, -1).join(', ')}, and ${names[names.length - 1]}`;
}
