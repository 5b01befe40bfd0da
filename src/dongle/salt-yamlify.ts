/**
 * Salt's `yamlify_arg`: each unquoted command-line value is loaded as YAML 1.1 the way PyYAML's
 * SafeLoader (as patched by Salt) reads it, and kept as the original text whenever that fails.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar } from 'yaml';

/** Loads one unquoted command-line value as Salt would (`"42"` → 42, `"yes"` → true, `"[1, a]"` → [1, "a"]). */
export function saltYamlify(text: string): unknown {
  if (text.trim() === '') return text; // YAML would read blank as null; Salt keeps the text.
  // Digits joined by underscores would load as one int; Salt keeps those as text.
  if (text.includes('_') && /^[0-9_]+$/.test(text.trim())) return text;

  let parsed: unknown;
  try {
    if (text.includes('#')) {
      // '#' may start a YAML comment, so only accept a load that produced a real type.
      parsed = loadYaml11(text);
      return typeof parsed === 'string' || parsed === null ? text : parsed;
    }
    if (text === 'None') return null;
    parsed = loadYaml11(text);
  } catch {
    return text;
  }

  if (Array.isArray(parsed)) return text.startsWith('[') ? parsed : text;
  if (parsed !== null && typeof parsed === 'object') return text.startsWith('{') ? parsed : text;
  // YAML reads a lone '|' or '!' as empty; Salt keeps the character.
  if ((parsed === '' || parsed === null) && (text === '|' || text === '!')) return text;
  if (parsed === null && text.trim().startsWith('#')) return text;
  return parsed;
}

/** What PyYAML makes of a plain (unquoted) scalar, with Salt's octal rule; throws where PyYAML cannot construct one. */
export function resolvePlainScalar(text: string): unknown {
  if (NULL_RE.test(text)) return null;
  if (BOOL_RE.test(text)) return ['yes', 'true', 'on'].includes(text.toLowerCase());
  if (INT_RE.test(text)) return constructInt(text);
  if (FLOAT_RE.test(text)) return constructFloat(text);
  // '=' (the YAML 1.1 "value" type) and a bare '<<' (merge) have no constructor in the safe loader.
  if (text === '=' || text === '<<') throw new Error(`cannot construct ${text}`);
  // Timestamps stay text: Salt's loader constructs them as plain scalars.
  return text;
}

// The YAML 1.1 implicit types as PyYAML resolves them (note: no y/n booleans, floats need a dot).
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_RE =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

const TAG = 'tag:yaml.org,2002:';

function loadYaml11(text: string): unknown {
  // The failsafe schema leaves every scalar as text, so the YAML 1.1 typing below is ours alone.
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) throw doc.errors[0];
  return toValue(doc.contents, doc, 0);
}

function toValue(node: unknown, doc: Document, depth: number): unknown {
  if (depth > 64) throw new Error('too deeply nested');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(node.resolve(doc), doc, depth + 1);
  if (isScalar(node)) return scalarValue(node);
  if (isSeq(node)) {
    if (node.tag && node.tag !== `${TAG}seq`) throw new Error(`unsupported tag ${node.tag}`);
    return node.items.map((item) => (isPair(item) ? pairsToObject([item], doc, depth) : toValue(item, doc, depth + 1)));
  }
  if (isMap(node)) {
    if (node.tag && node.tag !== `${TAG}map`) throw new Error(`unsupported tag ${node.tag}`);
    return pairsToObject(node.items, doc, depth);
  }
  throw new Error('unsupported YAML node');
}

function scalarValue(node: Scalar): unknown {
  const text = String(node.value ?? '');
  const tag = node.tag;
  if (tag === undefined || tag === null) return node.type === Scalar.PLAIN ? resolvePlainScalar(text) : text;
  if (tag === '!' || tag === `${TAG}str`) return text;
  if (tag === `${TAG}null`) {
    if (!NULL_RE.test(text)) throw new Error('not a null');
    return null;
  }
  if (tag === `${TAG}bool`) {
    if (!BOOL_RE.test(text)) throw new Error('not a bool');
    return resolvePlainScalar(text);
  }
  if (tag === `${TAG}int`) {
    if (!INT_RE.test(text)) throw new Error('not an int');
    return constructInt(text);
  }
  if (tag === `${TAG}float`) {
    if (!FLOAT_RE.test(text) && !INT_RE.test(text)) throw new Error('not a float');
    return constructFloat(text);
  }
  // Binary, sets and Python tags are "not supported types" to Salt: the whole value stays text.
  throw new Error(`unsupported tag ${tag}`);
}

function pairsToObject(pairs: unknown[], doc: Document, depth: number): Record<string, unknown> {
  const own: [string, unknown][] = [];
  const merged: [string, unknown][] = [];
  for (const pair of pairs) {
    if (!isPair(pair)) throw new Error('unexpected map item');
    if (isScalar(pair.key) && pair.key.type === Scalar.PLAIN && !pair.key.tag && pair.key.value === '<<') {
      // A merge key folds other maps in; keys written out in this map win.
      const source = toValue(pair.value, doc, depth + 1);
      const sources = Array.isArray(source) ? [...source].reverse() : [source];
      for (const s of sources) {
        if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new Error('can only merge maps');
        merged.push(...Object.entries(s as Record<string, unknown>));
      }
      continue;
    }
    const key = toValue(pair.key, doc, depth + 1);
    if (key !== null && typeof key === 'object') throw new Error('unhashable map key');
    own.push([jsonKey(key), toValue(pair.value, doc, depth + 1)]);
  }
  // As in Salt's loader: merged keys come first unless written out here, and any repeat is refused
  // ("found conflicting ID").
  const ownKeys = new Set(own.map(([key]) => key));
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [key, value] of [...merged.filter(([key]) => !ownKeys.has(key)), ...own]) {
    if (seen.has(key)) throw new Error(`duplicate key ${key}`);
    seen.add(key);
    setOwn(result, key, value);
  }
  return result;
}

/** Writes a key as an own property, so that a key such as `__proto__` stays data. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// A map key the way it ends up in JSON (Python's json.dumps turns None/True keys into "null"/"true").
function jsonKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null) return 'null';
  return String(key);
}

function constructInt(text: string): number | string {
  let value = text;
  // Salt's loader reads a leading zero as decimal, not octal (`0755` → 755).
  if (value !== '0' && value.startsWith('0') && !value.startsWith('0b') && !value.startsWith('0x')) {
    value = value.replace(/^0+/, '') || '0';
  }
  value = value.replace(/_/g, '');
  let sign = 1;
  if (value.startsWith('-') || value.startsWith('+')) {
    if (value.startsWith('-')) sign = -1;
    value = value.slice(1);
  }
  let n: number;
  if (value === '0') n = 0;
  else if (value.startsWith('0b')) n = parseInt(value.slice(2), 2);
  else if (value.startsWith('0x')) n = parseInt(value.slice(2), 16);
  else if (value.startsWith('0')) n = parseInt(value, 8); // only a signed value reaches here, as in PyYAML
  else if (value.includes(':')) n = sexagesimal(value);
  else n = Number(value);
  n *= sign;
  // JSON numbers in JavaScript lose digits past 2^53; such a value is kept as its text instead.
  return Number.isSafeInteger(n) ? n : text;
}

function constructFloat(text: string): number {
  let value = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value.startsWith('-') || value.startsWith('+')) {
    if (value.startsWith('-')) sign = -1;
    value = value.slice(1);
  }
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return NaN;
  if (value.includes(':')) return sign * sexagesimal(value);
  return sign * Number(value);
}

// YAML 1.1 base 60: `1:30` is 90 (the classic surprise for times and MAC-like values).
function sexagesimal(value: string): number {
  return value.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}
