/** Parses a rendered body as JSON, and on failure says where it broke without quoting the (possibly secret) text around it. */
import { TemplateError } from './template-error.js';

/** Where and why a text is not JSON. */
export interface JsonSyntaxError {
  /** Offset of the offending character, in UTF-16 code units from 0. */
  position: number;
  /** What was wrong there, e.g. `unexpected character '}'`. */
  reason: string;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Finds the first JSON syntax error in `text` (undefined when it is valid); iterative, so deep nesting cannot overflow the stack. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const containers: ('{' | '[')[] = [];
  type State = 'value' | 'valueOrEnd' | 'keyOrEnd' | 'key' | 'colon' | 'commaOrEnd' | 'done';
  let state = 'value' as State;
  let i = 0;
  const fail = (reason: string, position = i): JsonSyntaxError => ({ position, reason });
  const afterValue = (): State => (containers.length > 0 ? 'commaOrEnd' : 'done');
  const scanString = (): JsonSyntaxError | undefined => {
    const start = i++;
    for (;;) {
      const code = text.charCodeAt(i);
      if (Number.isNaN(code)) return fail('unterminated string', start);
      if (code === 0x22) return void i++;
      if (code < 0x20) return fail('control character in a string (escape it)');
      if (code === 0x5c) {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) return fail('invalid escape in a string');
        i = ESCAPE.lastIndex;
      } else i++;
    }
  };

  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= text.length) {
      if (state === 'done') return undefined;
      return fail(state === 'value' && containers.length === 0 ? 'empty body' : 'unexpected end of input');
    }
    const ch = text[i]!;
    if (state === 'done') return fail('unexpected data after the JSON value');
    if (state === 'colon') {
      if (ch !== ':') return fail(`expected ':' after a property name`);
      i++;
      state = 'value';
    } else if (state === 'commaOrEnd') {
      const open = containers[containers.length - 1];
      if (ch === ',') {
        i++;
        state = open === '{' ? 'key' : 'value';
      } else if ((open === '{' && ch === '}') || (open === '[' && ch === ']')) {
        i++;
        containers.pop();
        state = afterValue();
      } else return fail(`expected ',' or '${open === '{' ? '}' : ']'}'`);
    } else if (state === 'keyOrEnd' || state === 'key') {
      if (state === 'keyOrEnd' && ch === '}') {
        i++;
        containers.pop();
        state = afterValue();
      } else if (ch === '"') {
        const error = scanString();
        if (error) return error;
        state = 'colon';
      } else return fail('expected a double-quoted property name');
    } else if (state === 'valueOrEnd' && ch === ']') {
      i++;
      containers.pop();
      state = afterValue();
    } else if (ch === '{' || ch === '[') {
      i++;
      containers.push(ch);
      state = ch === '{' ? 'keyOrEnd' : 'valueOrEnd';
    } else if (ch === '"') {
      const error = scanString();
      if (error) return error;
      state = afterValue();
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fail('invalid number');
      i = NUMBER.lastIndex;
      state = afterValue();
    } else {
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (!literal) return fail(`unexpected character ${JSON.stringify(ch)}`);
      i += literal.length;
      state = afterValue();
    }
  }
}

/** Deepest nesting of arrays and objects a rendered body may have (default 64); real payloads nest a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/** How deeply arrays and objects nest in `text`, counting brackets outside strings; iterative, linear, and stops past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      // Skip the string, escapes included; an unterminated one is the syntax check's business, not this count's.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Parses a rendered body; throws TemplateError `body does not render to valid JSON: … at line 3, column 14 (position 52)`,
 * or `body nests deeper than 64 levels` before parsing at all: a body that deep would overflow the stack when serialised.
 */
export function parseRenderedJson(text: string): unknown {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new TemplateError(`body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const found = findJsonSyntaxError(text);
    if (!found) throw new TemplateError(`body does not render to valid JSON: ${(error as Error).message}`);
    const before = text.slice(0, found.position).split('\n');
    const where = `line ${before.length}, column ${before[before.length - 1]!.length + 1} (position ${found.position})`;
    throw new TemplateError(`body does not render to valid JSON: ${found.reason} at ${where}`);
  }
}
