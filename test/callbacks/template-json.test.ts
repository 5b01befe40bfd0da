/** Locating the first JSON syntax error in rendered output, for a template error that says where. */
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../src/callbacks/template-json.js';
import { actionBatchCallback, hostileAlert } from '../support/hostile-payloads.js';

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on valid JSON and on thousands of mutations of it', () => {
    const valid = [
      JSON.stringify({ ...hostileAlert, deviceName: 'short' }),
      JSON.stringify(actionBatchCallback, null, 2),
      '[1, -0.5e+10, true, false, null, "\\u00e9\\n", {}, [], {"a": [{}]}]',
    ];
    const pieces = ['{', '}', '[', ']', ',', ':', '"', '\\', 'e', '-', '0', '1.', 'tru', 'null', ' ', '\n', '\u0001', '\\u12'];
    // A fixed linear congruential generator: the same mutations on every run.
    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let invalid = 0;
    for (const text of valid) {
      expect(findJsonSyntaxError(text)).toBeUndefined();
      for (let k = 0; k < 2000; k++) {
        const at = next(text.length + 1);
        const cut = next(3);
        const mutated = text.slice(0, at) + pieces[next(pieces.length)]! + text.slice(at + cut);
        let parses = true;
        try {
          JSON.parse(mutated);
        } catch {
          parses = false;
          invalid++;
        }
        expect(findJsonSyntaxError(mutated) === undefined, mutated.slice(Math.max(0, at - 20), at + 20)).toBe(parses);
      }
    }
    expect(invalid).toBeGreaterThan(3000);
  });

  it('finds errors in deeply nested text without overflowing the stack', () => {
    expect(findJsonSyntaxError('['.repeat(200_000))).toEqual({ position: 200_000, reason: 'unexpected end of input' });
    expect(findJsonSyntaxError(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBeUndefined();
    expect(findJsonSyntaxError('{"a" 1}')).toEqual({ position: 5, reason: "expected ':' after a property name" });
    expect(findJsonSyntaxError('["a\\x"]')).toEqual({ position: 3, reason: 'invalid escape in a string' });
    expect(findJsonSyntaxError('["a')).toEqual({ position: 1, reason: 'unterminated string' });
  });
});
