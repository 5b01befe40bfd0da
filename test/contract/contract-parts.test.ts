/** The contract runner's parts that need no server: runtime expressions, invalid variants, and 3.0 schemas. */
import { describe, expect, it } from 'vitest';
import { invalidVariants } from '../../src/contract/invalid-variants.js';
import { evaluate, parseRuntimeExpression, parseTemplate, pointerTokens, setAt, type Exchange } from '../../src/contract/runtime-expression.js';
import { schemaChecker } from '../../src/contract/schema-checker.js';

describe('runtime expressions', () => {
  const exchange: Exchange = {
    method: 'post',
    url: 'http://127.0.0.1:1/devices/Q2/liveTools/ping',
    path: { serial: 'Q2' },
    query: { perPage: '3' },
    headers: { authorization: 'Bearer k' },
    body: { callback: { url: 'http://x/cb', 'a/b': { '~c': 1 } } },
    response: { status: 201, headers: { location: '/jobs/7' }, body: { pingId: '7', list: [{ id: 'first' }] } },
  };

  it('reads every source OpenAPI defines', () => {
    const read = (text: string) => evaluate(parseRuntimeExpression(text), exchange);
    expect(read('$url')).toBe(exchange.url);
    expect(read('$method')).toBe('POST');
    expect(read('$statusCode')).toBe(201);
    expect(read('$request.path.serial')).toBe('Q2');
    expect(read('$request.query.perPage')).toBe('3');
    expect(read('$request.header.Authorization')).toBe('Bearer k');
    expect(read('$request.body#/callback/url')).toBe('http://x/cb');
    expect(read('$request.body#/callback/a~1b/~0c')).toBe(1);
    expect(read('$response.body#/pingId')).toBe('7');
    expect(read('$response.body#/list/0/id')).toBe('first');
    expect(read('$response.header.Location')).toBe('/jobs/7');
    expect(read('$response.body#/missing/deeper')).toBeUndefined();
  });

  it('refuses what is not an expression, and splits a template around its one expression', () => {
    expect(() => parseRuntimeExpression('$request.cookie.x')).toThrow(/not an OpenAPI runtime expression/);
    expect(() => pointerTokens('callback/url')).toThrow(/not a JSON Pointer/);
    expect(parseTemplate('https://example.test/{$request.query.id}/done')).toEqual({
      before: 'https://example.test/',
      expression: { source: 'request', part: 'query', name: 'id' },
      after: '/done',
    });
    expect(() => parseTemplate('{$url}{$method}')).toThrow(/2 runtime expressions/);
    expect(setAt({ callback: 'text' }, ['callback', 'url'], 'u')).toEqual({ callback: { url: 'u' } });
  });
});

describe('invalid variants', () => {
  const schema = {
    type: 'object',
    allOf: [{ properties: { target: { type: 'string', maxLength: 5 } }, required: ['target'] }],
    properties: { count: { type: 'integer', minimum: 1, maximum: 5 }, callback: { type: 'object' } },
    required: ['callback'],
  };

  it('breaks one rule each: a required property, a type, a bound; the runner\'s own fields are left alone', () => {
    const variants = invalidVariants(schema, { target: 'a', count: 2, callback: { url: 'u' } }, new Set(['callback']));
    expect(variants).toEqual([
      { name: 'required target missing', body: { count: 2, callback: { url: 'u' } } },
      { name: 'count of the wrong type (a string, not integer)', body: { target: 'a', count: 'not a number', callback: { url: 'u' } } },
      { name: 'count above its maximum 5', body: { target: 'a', count: 6, callback: { url: 'u' } } },
    ]);
  });

  it('keeps only the variants the schema check refuses', () => {
    const loose = { type: 'object', properties: { count: { type: ['integer', 'string'] } } };
    const check = schemaChecker('3.1');
    expect(invalidVariants(loose, { count: 2 })).toHaveLength(1);
    expect(invalidVariants(loose, { count: 2 }, new Set(), (v) => check(loose, v))).toEqual([]);
  });

  it('makes none of a body that is not an object', () => {
    expect(invalidVariants(schema, ['a'])).toEqual([]);
  });
});

describe('schema checks', () => {
  it('reads OpenAPI 3.0: nullable and boolean exclusive bounds', () => {
    const check = schemaChecker('3.0');
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1, exclusiveMinimum: true, nullable: true } } };
    expect(check(schema, { n: null })).toEqual([]);
    expect(check(schema, { n: 2 })).toEqual([]);
    expect(check(schema, { n: 1 })).toEqual(['n must be > 1']);
  });

  it('reads OpenAPI 3.1 as JSON Schema 2020-12, and says when a schema cannot be compiled', () => {
    const check = schemaChecker('3.1');
    expect(check({ type: ['integer', 'null'], exclusiveMinimum: 1 }, 1)).toEqual(['(body) must be > 1']);
    expect(check({ type: 'nonsense' }, 1)[0]).toMatch(/^the schema cannot be compiled/);
  });
});
