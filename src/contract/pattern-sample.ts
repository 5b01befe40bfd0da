/**
 * A string that matches a schema's `pattern`, for the patterns specs write (literals, escapes, classes, groups,
 * alternatives, quantifiers): openapi-sampler's own pattern support leaves out negated classes and groups.
 */

/** Characters tried, in order, where a class or an escape allows several: plain ones first, for readable samples. */
const CANDIDATES = [
  ...'a0A',
  ...'bcdefghijklmnopqrstuvwxyz123456789BCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'-_.~ :+=,;@!*()$&\'%#?/[]{}<>|^"`\\\t\n',
];

/** Most repetitions made of an unbounded quantifier's atom (`+`, `*`, `{n,}` beyond n). */
const UNBOUNDED_REPEAT = 1;

/** A pattern the sampler cannot follow (a lookaround, a backreference, a word boundary). */
class Unsupported extends Error {}

/** The first candidate that `source` (one class or escape) matches as a whole. */
function pick(source: string): string {
  let matcher: RegExp;
  try {
    matcher = new RegExp(`^(?:${source})$`, 'u');
  } catch {
    throw new Unsupported(source);
  }
  const found = CANDIDATES.find((c) => matcher.test(c));
  if (found === undefined) throw new Unsupported(source);
  return found;
}

/** Generates from `pattern` starting at `at`, up to a `)` or the end; answers the text and where it stopped. */
function alternatives(pattern: string, at: number): { text: string; end: number } {
  // The first alternative is the sample; the others are only skipped over.
  const first = sequence(pattern, at);
  let end = first.end;
  while (pattern[end] === '|') end = sequence(pattern, end + 1).end;
  return { text: first.text, end };
}

function sequence(pattern: string, start: number): { text: string; end: number } {
  let text = '';
  let at = start;
  while (at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') {
    const atom = atomAt(pattern, at);
    const { min, max, end } = quantifierAt(pattern, atom.end);
    const count = min > 0 ? min : Math.min(max, UNBOUNDED_REPEAT);
    // A group is generated again for each repetition: the same text each time, since generation is deterministic.
    text += atom.text.repeat(count);
    at = end;
  }
  return { text, end: at };
}

function atomAt(pattern: string, at: number): { text: string; end: number } {
  const c = pattern[at]!;
  if (c === '^' || c === '$') return { text: '', end: at + 1 };
  if (c === '.') return { text: 'a', end: at + 1 };
  if (c === '(') {
    let inner = at + 1;
    if (pattern.startsWith('?:', inner)) inner += 2;
    else if (pattern.startsWith('?<', inner) && !/^\?<[=!]/.test(pattern.slice(inner))) inner = pattern.indexOf('>', inner) + 1;
    else if (pattern[inner] === '?') throw new Unsupported('lookaround');
    const group = alternatives(pattern, inner);
    if (pattern[group.end] !== ')') throw new Unsupported('unbalanced group');
    return { text: group.text, end: group.end + 1 };
  }
  if (c === '[') {
    let end = at + 1;
    if (pattern[end] === '^') end += 1;
    if (pattern[end] === ']') end += 1;
    while (end < pattern.length && pattern[end] !== ']') end += pattern[end] === '\\' ? 2 : 1;
    if (end >= pattern.length) throw new Unsupported('unclosed class');
    return { text: pick(pattern.slice(at, end + 1)), end: end + 1 };
  }
  if (c === '\\') {
    const next = pattern[at + 1];
    if (next === undefined || /[bB1-9k]/.test(next)) throw new Unsupported(`\\${next ?? ''}`);
    if (next === 'p' || next === 'P') {
      const close = pattern.indexOf('}', at);
      if (close < 0) throw new Unsupported('\\p');
      return { text: pick(pattern.slice(at, close + 1)), end: close + 1 };
    }
    if (next === 'u' || next === 'x') {
      const length = next === 'x' ? 2 : pattern[at + 2] === '{' ? pattern.indexOf('}', at) - at - 1 : 4;
      const source = pattern.slice(at, at + 2 + length);
      return { text: pick(source), end: at + 2 + length };
    }
    return { text: /[dDwWsStrnfv0]/.test(next) ? pick(`\\${next}`) : next, end: at + 2 };
  }
  return { text: c, end: at + 1 };
}

function quantifierAt(pattern: string, at: number): { min: number; max: number; end: number } {
  const c = pattern[at];
  let quantifier: { min: number; max: number; end: number } | undefined;
  if (c === '*') quantifier = { min: 0, max: Infinity, end: at + 1 };
  else if (c === '+') quantifier = { min: 1, max: Infinity, end: at + 1 };
  else if (c === '?') quantifier = { min: 0, max: 1, end: at + 1 };
  else if (c === '{') {
    const bounds = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
    if (bounds !== null) {
      const min = Number(bounds[1]);
      const max = bounds[2] === undefined ? min : bounds[3] === '' ? Infinity : Number(bounds[3]);
      quantifier = { min, max, end: at + bounds[0].length };
    }
  }
  if (quantifier === undefined) return { min: 1, max: 1, end: at };
  // A lazy quantifier (`+?`) repeats as the greedy one does here.
  if (pattern[quantifier.end] === '?') quantifier.end += 1;
  return quantifier;
}

/** A string that `pattern` (as JSON Schema reads it: unanchored, Unicode) matches, or undefined when none is found. */
export function patternSample(pattern: string): string | undefined {
  try {
    const { text, end } = alternatives(pattern, 0);
    // Stopping early means a `)` with no group open: not a pattern. Testing the text catches what generation got wrong.
    if (end !== pattern.length) return undefined;
    return new RegExp(pattern, 'u').test(text) ? text : undefined;
  } catch (err) {
    if (err instanceof Unsupported || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
