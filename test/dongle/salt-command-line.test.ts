import { describe, expect, it } from 'vitest';
import { formatSaltCommand, parseSaltCommandLine, SaltSyntaxError, saltFunArgs } from '../../src/dongle/salt-command-line.js';

/** The single positional argument `value` parses to. */
function arg(value: string): unknown {
  return parseSaltCommandLine(`test.arg ${value}`).args[0];
}

function syntaxError(line: string): string {
  try {
    parseSaltCommandLine(line);
  } catch (error) {
    expect(error).toBeInstanceOf(SaltSyntaxError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(line)}`);
}

describe('parseSaltCommandLine', () => {
  it('reads the AutoPi examples', () => {
    expect(parseSaltCommandLine("test.echo 'hello world'")).toEqual({ fun: 'test.echo', args: ['hello world'], kwargs: {} });
    expect(parseSaltCommandLine('obd.query speed force=True')).toEqual({ fun: 'obd.query', args: ['speed'], kwargs: { force: true } });
    expect(parseSaltCommandLine('grains.get kernel')).toEqual({ fun: 'grains.get', args: ['kernel'], kwargs: {} });
    expect(parseSaltCommandLine('state.sls pending')).toEqual({ fun: 'state.sls', args: ['pending'], kwargs: {} });
    expect(parseSaltCommandLine('test.ping')).toEqual({ fun: 'test.ping', args: [], kwargs: {} });
  });

  it('types positionals and kwargs like Salt, keeping flow collections whole', () => {
    expect(parseSaltCommandLine("test.arg 1 2.5 yes [1, 2] {a: 1} name='x y' flag=false nothing=null")).toEqual({
      fun: 'test.arg',
      args: [1, 2.5, true, [1, 2], { a: 1 }],
      kwargs: { name: 'x y', flag: false, nothing: null },
    });
  });

  it('splits on any whitespace and ignores it at both ends', () => {
    expect(parseSaltCommandLine('  test.arg\ta \n b  ')).toEqual({ fun: 'test.arg', args: ['a', 'b'], kwargs: {} });
  });

  it('keeps quoted values as text even when they look typed', () => {
    expect(parseSaltCommandLine(`test.arg '42' "2.5" 'true' "None" '[1, 2]' n='7'`)).toEqual({
      fun: 'test.arg',
      args: ['42', '2.5', 'true', 'None', '[1, 2]'],
      kwargs: { n: '7' },
    });
    expect(arg("''")).toBe('');
    expect(arg('ab"cd"')).toBe('abcd');
    expect(arg(`'it'"'"'s'`)).toBe("it's");
  });

  it('handles backslash escapes as a POSIX shell does', () => {
    expect(arg('hello\\ world')).toBe('hello world');
    expect(arg('\\42')).toBe('42'); // an escaped character counts as quoted, so it stays text
    expect(arg('"say \\"hi\\" \\\\ \\n"')).toBe('say "hi" \\ \\n');
    expect(arg("'no \\escapes here'")).toBe('no \\escapes here');
  });

  it('reads YAML 1.1 scalars as PyYAML with Salt\'s rules does', () => {
    expect(arg('42')).toBe(42);
    expect(arg('-7')).toBe(-7);
    expect(arg('2.5')).toBe(2.5);
    expect(arg('1.0e+3')).toBe(1000);
    expect(arg('.5')).toBe(0.5);
    expect(arg('.inf')).toBe(Infinity);
    expect(arg('0x1A')).toBe(26);
    expect(arg('0b101')).toBe(5);
    expect(arg('0755')).toBe(755); // Salt reads leading zeros as decimal, not octal
    expect(arg('-1_000')).toBe(-1000);
    expect(arg('1_000')).toBe('1_000'); // digits and underscores only: Salt keeps the text
    expect(arg('1:30')).toBe(90); // YAML 1.1 base 60
    expect(arg('1e3')).toBe('1e3'); // YAML 1.1 floats need a decimal point
    expect(arg('12345678901234567890')).toBe('12345678901234567890'); // beyond exact JSON integers
  });

  it('reads the YAML 1.1 booleans and nulls, but not y/n', () => {
    for (const yes of ['true', 'True', 'TRUE', 'yes', 'Yes', 'on', 'ON']) expect(arg(yes), yes).toBe(true);
    for (const no of ['false', 'False', 'no', 'NO', 'off', 'Off']) expect(arg(no), no).toBe(false);
    for (const nil of ['null', 'Null', '~', 'None']) expect(arg(nil), nil).toBeNull();
    expect(arg('y')).toBe('y');
    expect(arg('n')).toBe('n');
    expect(arg('none')).toBe('none');
  });

  it('keeps as text what YAML cannot load or Salt refuses', () => {
    expect(arg('2024-01-01')).toBe('2024-01-01');
    expect(arg('a:')).toBe('a:'); // a map not written in braces
    expect(arg('-')).toBe('-'); // a list not written in brackets
    expect(arg('|')).toBe('|');
    expect(arg('#')).toBe('#');
    expect(arg('foo#bar')).toBe('foo#bar');
    expect(arg('[1]x')).toBe('[1]x');
    expect(arg('{a: 1, a: 2}')).toBe('{a: 1, a: 2}'); // duplicate keys
    expect(arg('=x')).toBe('=x');
  });

  it('reads nested flow lists and maps, with YAML quoting inside', () => {
    expect(arg("[1, 'a b', {k: [x, \"y z\"]}, null, on]")).toEqual([1, 'a b', { k: ['x', 'y z'] }, null, true]);
    expect(arg('{a: {b: [1, 2]}, c: "3"}')).toEqual({ a: { b: [1, 2] }, c: '3' });
    expect(arg('[]')).toEqual([]);
    expect(arg('{}')).toEqual({});
    expect(arg("['a ] b', \"c } d\"]")).toEqual(['a ] b', 'c } d']);
    expect(arg("[it's, 'a'']b', x\"y]")).toEqual(["it's", "a']b", 'x"y']); // quotes only open at a scalar's start
    expect(arg('{<<: {a: 1}, b: 2}')).toEqual({ a: 1, b: 2 });
  });

  it('takes key=value words as kwargs the way Salt\'s KWARG_REGEX does', () => {
    expect(parseSaltCommandLine('test.arg a=1 b.c-d=x e= f=a=b ids=[1, 2]').kwargs).toEqual({
      a: 1,
      'b.c-d': 'x',
      e: '',
      f: 'a=b',
      ids: [1, 2],
    });
    // Not kwargs: '==', a leading digit or '=', or a quoted name.
    expect(parseSaltCommandLine("test.arg a==b 1a=2 =c 'd=e' \"f\"=g").args).toEqual(['a==b', '1a=2', '=c', 'd=e', 'f=g']);
    expect(parseSaltCommandLine('test.arg at=16:34 at2="16:34"').kwargs).toEqual({ at: 994, at2: '16:34' });
  });

  it('lets a later kwarg with the same name win, and keeps __proto__ as data', () => {
    expect(parseSaltCommandLine('test.arg a=1 a=2').kwargs).toEqual({ a: 2 });
    const { kwargs } = parseSaltCommandLine('test.arg __proto__=1');
    expect(Object.keys(kwargs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(kwargs)).toBe(Object.prototype);
  });

  it('rejects broken lines with a reason and a position', () => {
    expect(syntaxError('')).toBe('empty command line');
    expect(syntaxError('   ')).toBe('empty command line');
    expect(syntaxError("test.echo 'hello")).toBe('unterminated single quote at position 10');
    expect(syntaxError('test.echo "hello')).toBe('unterminated double quote at position 10');
    expect(syntaxError('test.arg [1, 2')).toBe('unterminated [ at position 9');
    expect(syntaxError('test.arg {a: [1, 2]')).toBe('unterminated { at position 9');
    expect(syntaxError('test.arg {a: [1}')).toBe('mismatched } at position 15 (expected ])');
    expect(syntaxError("test.arg ['a]")).toBe('unterminated single quote at position 10');
    expect(syntaxError('test.arg x\\')).toBe('backslash at end of line at position 10');
  });

  it('rejects a first word that is not module.function', () => {
    expect(syntaxError('foo')).toBe('"foo" is not a module.function name');
    expect(syntaxError('a.b.c')).toBe('"a.b.c" is not a module.function name');
    expect(syntaxError('test..ping')).toBe('"test..ping" is not a module.function name');
    expect(syntaxError('1test.ping')).toBe('"1test.ping" is not a module.function name');
    expect(syntaxError('name=x')).toBe('"name=x" is not a module.function name');
    expect(parseSaltCommandLine("'test.ping'").fun).toBe('test.ping');
  });
});

describe('formatSaltCommand', () => {
  it('writes values the way Salt reads them back', () => {
    expect(formatSaltCommand('test.echo', ['hello world'])).toBe("test.echo 'hello world'");
    expect(formatSaltCommand('obd.query', ['speed'], { force: true })).toBe('obd.query speed force=True');
    expect(formatSaltCommand('test.arg', ['42', 42, null, false, "it's"], { n: 'x y' })).toBe(
      `test.arg '42' 42 None False "it's" n='x y'`,
    );
    expect(formatSaltCommand('test.arg', [[1, 'a b', { k: null }], 1e-7, 'a=b'])).toBe('test.arg [1, "a b", {k: null}] 1.0e-7 \'a=b\'');
    expect(formatSaltCommand('test.ping')).toBe('test.ping');
  });

  it('round-trips through parseSaltCommandLine', () => {
    const cases: [string, unknown[], Record<string, unknown>][] = [
      ['test.arg', [1, -2.5, 'text', 'two words', '', 'yes', 'None', '1:30', '0755', '#', 'say "hi"', "it's", 'back\\slash'], {}],
      ['test.arg', [true, false, null, [1, [2, { a: 'b c' }]], { 'key with space': ['y', 'n', 'on'] }, {}], { x: 'a=b', y: 0.1, z: [] }],
      ['state.sls', ['pending'], { test: true, pillar: { 'a.b': [1, 'two'] } }],
      ['cmd.run', ['cat /etc/os-release | grep "ID=" && echo $HOME `x`'], { ignore_retcode: true }],
    ];
    for (const [fun, args, kwargs] of cases) {
      const line = formatSaltCommand(fun, args, kwargs);
      expect(parseSaltCommandLine(line), line).toEqual({ fun, args, kwargs });
    }
  });
});

describe('saltFunArgs', () => {
  it('packs kwargs into one trailing __kwarg__ dict, as Salt publishes them', () => {
    expect(saltFunArgs(['speed'], { force: true })).toEqual(['speed', { __kwarg__: true, force: true }]);
    expect(saltFunArgs(['pending'], {})).toEqual(['pending']);
  });
});
