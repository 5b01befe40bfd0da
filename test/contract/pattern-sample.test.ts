/** patternSample: a string each pattern of the spec (and the usual regex forms) matches; undefined for what it cannot follow. */
import { describe, expect, it } from 'vitest';
import { patternSample } from '../../src/contract/pattern-sample.js';
import { schemaSample } from '../../src/contract/schema-sample.js';

describe('patternSample', () => {
  it('follows classes (negated too), groups, alternatives, escapes and quantifiers', () => {
    const samples = Object.fromEntries(
      [
        '^[0-9]+$',
        '^/devices/[^/]+/liveTools/ping/[0-9]+$',
        '^salt/job/[0-9]{20}/ret/[^/]+$',
        '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?$',
        '^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)*$',
        '^(?:foo|bar)+x?$',
        '^\\d{3}-\\w+\\s\\.$',
        '^[^a-z0-9]{2,}$',
        'id',
      ].map((p) => [p, patternSample(p)]),
    );
    expect(samples).toEqual({
      '^[0-9]+$': '0',
      '^/devices/[^/]+/liveTools/ping/[0-9]+$': '/devices/a/liveTools/ping/0',
      '^salt/job/[0-9]{20}/ret/[^/]+$': `salt/job/${'0'.repeat(20)}/ret/a`,
      '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?$': '0000-00-00T00:00:00.0',
      '^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)*$': `v1,${'a'.repeat(43)}= v1,${'a'.repeat(43)}=`,
      '^(?:foo|bar)+x?$': 'foox',
      '^\\d{3}-\\w+\\s\\.$': '000-a .',
      '^[^a-z0-9]{2,}$': 'AA',
      id: 'id',
    });
  });

  it('gives up on lookarounds, backreferences, word boundaries and broken patterns', () => {
    expect(['(?=a)b', '^(a)\\1$', '\\bx', '^[a-', '(ab'].map(patternSample)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('schemaSample', () => {
  it('gives each string with a pattern a matching value, and leaves the schema\'s own values alone', () => {
    const schema = {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string', pattern: '^evt_[0-9]{4}$' },
        kind: { type: 'string', pattern: '^[a-z]+$', enum: ['created'] },
        note: { type: 'string' },
      },
    };
    expect(schemaSample(schema)).toEqual({ id: 'evt_0000', kind: 'created', note: 'string' });
    expect(schemaSample(schema, { requiredOnly: true })).toEqual({ id: 'evt_0000' });
  });
});
