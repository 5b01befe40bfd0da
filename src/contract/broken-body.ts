/** A body that breaks its schema in one small way, made from a valid one: what a receiver must refuse even when signed. */

/** A broken body, what was done to it, and what the schema says of it. */
export interface BrokenBody {
  value: unknown;
  /** E.g. `without its required "callbackId"`, `with "count" a string`. */
  how: string;
  /** The schema's problems with it (at least one). */
  problems: string[];
}

/** A value of another JSON type than `value`'s, and that type's name (also the API runner's wrong-type variants). */
export function wrongType(value: unknown): [unknown, string] {
  if (typeof value === 'string') return [12345, 'a number'];
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return ['not a number', 'a string'];
  if (Array.isArray(value)) return ['not an array', 'a string'];
  return ['not an object', 'a string'];
}

/**
 * Breaks `valid` (an object, usually): first by leaving out one of its properties that the schema requires, else by
 * giving one of them a value of the wrong type, else by sending a value of another type altogether. `problems` is the
 * schema check; undefined when nothing tried breaks it (a schema that accepts anything).
 */
export function brokenBody(valid: unknown, problems: (value: unknown) => string[]): BrokenBody | undefined {
  const tries: { value: unknown; how: string }[] = [];
  if (valid !== null && typeof valid === 'object' && !Array.isArray(valid)) {
    const entries = Object.entries(valid);
    // Which properties are required is read from what the schema says once each is gone: oneOf and allOf included.
    for (const [name] of entries) tries.push({ value: Object.fromEntries(entries.filter(([k]) => k !== name)), how: `without its "${name}"` });
    for (const [name, v] of entries) {
      const [other, typeName] = wrongType(v);
      tries.push({ value: { ...valid, [name]: other }, how: `with "${name}" ${typeName}` });
    }
  }
  const [other, typeName] = wrongType(valid);
  tries.push({ value: other, how: `as ${typeName}` });
  for (const attempt of tries) {
    const found = problems(attempt.value);
    if (found.length > 0) return { ...attempt, problems: found };
  }
  return undefined;
}
