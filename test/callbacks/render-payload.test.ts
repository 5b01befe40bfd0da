/** Rendering and checking payload templates: output, headers, escaping and the limits that make a template fail. */
import { describe, expect, it } from 'vitest';
import { checkTemplate, MAX_HEADER_VALUE_BYTES, renderPayload } from '../../src/callbacks/render-payload.js';
import { SAMPLE_SHARED_SECRET, sampleAlert, sampleCallback } from '../../src/callbacks/sample-payloads.js';
import { createTemplateEngine, DEFAULT_MEMORY_LIMIT, DEFAULT_PARSE_LIMIT, DEFAULT_RENDER_LIMIT_MS } from '../../src/callbacks/template-engine.js';
import { escapeJsonString } from '../../src/callbacks/template-escape.js';
import { bodyOnly, HOSTILE, hostileAlert, hostileCallback, templateError } from '../support/hostile-payloads.js';

const engine = createTemplateEngine();

describe('renderPayload', () => {
  it('renders the callback branch of the if callbackId / elsif alertId / else template for a callback, the alert branch for an alert', async () => {
    const seed = bodyOnly(`{% if callbackId %}
  {% # Handle as Callback %}
  {"kind": "callback", "id": "{{ callbackId }}", "status": "{{ message.status }}"}
{% elsif alertId %}
  {% # Handle as Webhook Alert %}
  {"kind": "alert", "id": "{{ alertId }}", "type": "{{ alertType }}"}
{% else %}
  {% # Unknown payload type %}
  {"kind": "unknown"}
{% endif %}`);
    expect(JSON.parse((await renderPayload(engine, seed, sampleCallback)).body)).toEqual({
      kind: 'callback',
      id: sampleCallback.callbackId,
      status: 'complete',
    });
    expect(JSON.parse((await renderPayload(engine, seed, hostileAlert)).body)).toEqual({ kind: 'alert', id: hostileAlert.alertId, type: HOSTILE });
    expect(JSON.parse((await renderPayload(engine, seed, { something: 'else' })).body)).toEqual({ kind: 'unknown' });
  });

  it('returns the body re-serialised compactly', async () => {
    const { body } = await renderPayload(engine, bodyOnly('{\n  "a" : [ 1 ,\n 2 ],\n\t"b": "{{ alertLevel }}"\n}\n'), sampleAlert);
    expect(body).toBe('{"a":[1,2],"b":"critical"}');
  });

  it('JSON-escapes printed values, including <, >, &, U+2028 and U+2029', async () => {
    expect(await engine.parseAndRender('"{{ v }}"', { v: 'a"b\\c\n</script>&\u2028\u2029😀' })).toBe(
      '"a\\"b\\\\c\\n\\u003c/script\\u003e\\u0026\\u2028\\u2029😀"',
    );
    expect(escapeJsonString('\u0000\t')).toBe('\\u0000\\t');
    // Objects printed inside a string become their JSON text, still a valid string.
    const { body } = await renderPayload(engine, bodyOnly('{"d": "{{ alertData }}"}'), hostileAlert);
    expect(JSON.parse(body)).toEqual({ d: JSON.stringify(hostileAlert.alertData) });
  });

  it('prints whole values with jsonify and json, escaped once', async () => {
    const template = bodyOnly('{"d": {{ alertData | jsonify }}, "j": {{ alertData | json }}, "t": {{ networkTags | jsonify }}, "n": {{ missing | jsonify }}}');
    const { body } = await renderPayload(engine, template, hostileAlert);
    expect(JSON.parse(body)).toEqual({ d: hostileAlert.alertData, j: hostileAlert.alertData, t: hostileAlert.networkTags, n: null });
  });

  it('keeps captured text unescaped until it is printed, so capture then jsonify escapes once', async () => {
    const template = bodyOnly('{% capture t %}Type: "{{ alertType }}"{% endcapture %}{"j": {{ t | jsonify }}, "s": "{{ t }}", "n": {{ t | size }}}');
    const { body } = await renderPayload(engine, template, hostileAlert);
    const expected = `Type: "${HOSTILE}"`;
    expect(JSON.parse(body)).toEqual({ j: expected, s: expected, n: expected.length });
  });

  it('shows the template only the payload and sharedSecret, with no prototypes, and leaves the payload untouched', async () => {
    const payload = structuredClone(sampleCallback);
    const template = bodyOnly(
      '{% capture n %}{% increment callbackId %}{% endcapture %}{% assign organization = "x" %}' +
        '{"c": "{{ organization.constructor }}{{ message.constructor }}{{ message.__proto__ }}{{ message.hasOwnProperty }}",' +
        ' "g": "{{ process }}{{ global }}{{ globalThis }}{{ require }}", "s": "{{ sharedSecret }}", "o": "{{ organization }}"}',
    );
    const { body } = await renderPayload(engine, template, payload, { sharedSecret: 'k' });
    expect(JSON.parse(body)).toEqual({ c: '', g: '', s: 'k', o: 'x' });
    expect(payload).toEqual(sampleCallback);
  });

  it('stops runaway templates with the time and memory limits', async () => {
    const started = performance.now();
    const loops = await templateError(
      renderPayload(engine, bodyOnly('{% for i in (1..1000000) %}{% for j in (1..1000000) %}{% endfor %}{% endfor %}{}'), sampleAlert),
    );
    expect(loops.message).toBe(`render exceeded ${DEFAULT_RENDER_LIMIT_MS} ms`);
    expect(performance.now() - started).toBeLessThan(2000);

    const doubling = '{% assign s = "0123456789" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}"{{ s }}"';
    expect((await templateError(renderPayload(engine, bodyOnly(doubling), sampleAlert))).message).toBe(
      `render exceeded the memory limit of ${DEFAULT_MEMORY_LIMIT} characters`,
    );
    const bigRange = await templateError(renderPayload(engine, bodyOnly('[{% for i in (1..100000000) %}{{ i }},{% endfor %}0]'), sampleAlert));
    expect(bigRange.message).toBe(`render exceeded the memory limit of ${DEFAULT_MEMORY_LIMIT} characters`);

    // Printed values are charged too: repeating a large value runs out of memory, not into an enormous body.
    const repeat = '[{% for i in (1..100000) %}{{ message | jsonify }},{% endfor %}0]';
    expect((await templateError(renderPayload(engine, bodyOnly(repeat), hostileCallback))).message).toMatch(/^render exceeded/);
  });

  it('applies custom limits, and refuses a body longer than the memory limit or a template longer than the parse limit', async () => {
    const quick = createTemplateEngine({ renderLimitMs: 20 });
    const slowLoop = '{% for i in (1..2000) %}{% for j in (1..2000) %}{% assign x = j %}{% endfor %}{% endfor %}{}';
    expect((await templateError(renderPayload(quick, bodyOnly(slowLoop), sampleAlert))).message).toBe('render exceeded 20 ms');
    const small = createTemplateEngine({ memoryLimit: 1000, parseLimit: 5000 });
    const long = await templateError(renderPayload(small, bodyOnly(`{"a": "${'x'.repeat(2000)}"}`), sampleAlert));
    expect(long.message).toBe('body renders to more than 1000 characters');
    const source = await templateError(renderPayload(small, bodyOnly(`{"a": "${'x'.repeat(5000)}"}`), sampleAlert));
    expect(source.message).toBe('template is longer than 5000 characters');
    const defaultSource = await templateError(renderPayload(engine, bodyOnly(`"${'x'.repeat(DEFAULT_PARSE_LIMIT)}"`), sampleAlert));
    expect(defaultSource.message).toBe(`template is longer than ${DEFAULT_PARSE_LIMIT} characters`);
  });

  it('refuses a template nested deeper than the stack allows, instead of crashing', async () => {
    const roomy = createTemplateEngine({ parseLimit: 1_000_000 });
    const deep = `${'{%if 1%}'.repeat(20_000)}{}${'{%endif%}'.repeat(20_000)}`;
    expect((await templateError(renderPayload(roomy, bodyOnly(deep), sampleAlert))).message).toMatch(/^template nests too deeply/);
    expect((await renderPayload(roomy, bodyOnly('{"ok": true}'), sampleAlert)).body).toBe('{"ok":true}');
  });

  it('refuses include, render and layout, even in a branch that is never taken', async () => {
    const cases: [string, string][] = [
      ["{% include 'x' %}{}", 'include'],
      ["{% render '/etc/passwd' %}{}", 'render'],
      ["{% layout 'default' %}{}", 'layout'],
      ['{% layout none %}{}', 'layout'],
      ["{% if false %}{% include '../../etc/passwd' %}{% endif %}{}", 'include'],
      ["{% liquid\n render 'x'\n%}{}", 'render'],
    ];
    for (const [body, tag] of cases) {
      const error = await templateError(renderPayload(engine, bodyOnly(body), sampleCallback));
      expect(error.message, body).toMatch(new RegExp(`^tag "${tag}" is not allowed: payload templates cannot load other templates \\(line \\d+, col \\d+\\)$`));
    }
  });

  it('refuses an unknown filter', async () => {
    const error = await templateError(renderPayload(engine, bodyOnly('{\n"a": "{{ alertType | foo }}"}'), sampleAlert));
    expect(error.message).toBe('unknown filter "foo" (line 2, col 7)');
  });

  it('refuses a body that does not render to JSON, saying where, without quoting the text', async () => {
    const unquoted = await templateError(renderPayload(engine, bodyOnly('{"a": {{ alertType }}}'), sampleAlert));
    expect(unquoted.message).toBe('body does not render to valid JSON: unexpected character "A" at line 1, column 7 (position 6)');
    const comma = await templateError(renderPayload(engine, bodyOnly('{\n  "s": "{{ sharedSecret }}",\n}'), sampleAlert, { sharedSecret: 'TOPSECRET' }));
    expect(comma.message).toBe('body does not render to valid JSON: expected a double-quoted property name at line 3, column 1 (position 22)');
    expect(comma.message).not.toContain('TOPSECRET');
    expect((await templateError(renderPayload(engine, bodyOnly('  '), sampleAlert))).message).toBe(
      'body does not render to valid JSON: empty body at line 1, column 3 (position 2)',
    );
    expect((await templateError(renderPayload(engine, bodyOnly('{} {}'), sampleAlert))).message).toBe(
      'body does not render to valid JSON: unexpected data after the JSON value at line 1, column 4 (position 3)',
    );
    // The Jinja-style comment of some examples is not Liquid: it is printed, and the body is not JSON.
    const jinja = await templateError(renderPayload(engine, bodyOnly('{# Handle as Callback #}{}'), sampleCallback));
    expect(jinja.message).toBe('body does not render to valid JSON: expected a double-quoted property name at line 1, column 2 (position 1)');
  });

  it('formats dates in UTC whatever the server time zone', async () => {
    const { body } = await renderPayload(engine, bodyOnly('{"at": "{{ occurredAt | date: "%Y-%m-%d %H:%M %z" }}"}'), sampleAlert);
    expect(JSON.parse(body)).toEqual({ at: '2024-01-15 07:00 +0000' });
  });

  it('renders headers as single trimmed lines: data cannot add lines, the template text cannot either', async () => {
    const payload = { ...sampleCallback, organization: { id: '1', name: 'Acme\r\nX-Evil: 1\u0000"' } };
    const template = bodyOnly('{}', [
      { name: 'X-Org', template: '  {{ organization.name }} ' },
      { name: 'Authorization', template: 'Bearer {{ sharedSecret }}' },
      { name: 'X-Empty', template: '{% if false %}x{% endif %}' },
    ]);
    const { headers } = await renderPayload(engine, template, payload, { sharedSecret: 'a"b\\c' });
    expect(headers).toEqual({ 'X-Org': 'Acme  X-Evil: 1 "', Authorization: 'Bearer a"b\\c' });

    const newline = await templateError(renderPayload(engine, bodyOnly('{}', [{ name: 'X-Test', template: 'a\nb' }]), sampleCallback));
    expect(newline.message).toBe('header "X-Test" renders to more than one line');
    const raw = await templateError(renderPayload(engine, bodyOnly('{}', [{ name: 'X-Raw', template: '{{ organization.name | raw }}' }]), payload));
    expect(raw.message).toBe('header "X-Raw" renders to more than one line');
    const big = bodyOnly('{}', [{ name: 'X-Big', template: 'é'.repeat(MAX_HEADER_VALUE_BYTES / 2 + 1) }]);
    expect((await templateError(renderPayload(engine, big, sampleCallback))).message).toBe(
      `header "X-Big" renders to more than ${MAX_HEADER_VALUE_BYTES} bytes`,
    );
    const filter = await templateError(renderPayload(engine, bodyOnly('{}', [{ name: 'X-F', template: '{{ a | nope }}' }]), sampleCallback));
    expect(filter.message).toBe('header "X-F": unknown filter "nope" (line 1, col 1)');
  });

  it('refuses header names that are not HTTP tokens, belong to the HTTP client, or repeat', async () => {
    const cases: [string[], string][] = [
      [['Bad Name'], 'header name "Bad Name" is not a valid HTTP header name'],
      [['X-A:b'], 'header name "X-A:b" is not a valid HTTP header name'],
      [['X-A\r\nX-B'], 'header name "X-A\\r\\nX-B" is not a valid HTTP header name'],
      [[''], 'header name "" is not a valid HTTP header name'],
      [['Content-Length'], 'header "Content-Length" is set by the HTTP client and cannot be templated'],
      [['Host'], 'header "Host" is set by the HTTP client and cannot be templated'],
      [['X-Id', 'x-id'], 'header "x-id" is given more than once'],
    ];
    for (const [names, message] of cases) {
      const template = bodyOnly('{}', names.map((name) => ({ name, template: 'v' })));
      expect((await templateError(renderPayload(engine, template, sampleCallback))).message).toBe(message);
    }
  });
});

describe('checkTemplate', () => {
  it('names the sample that fails', async () => {
    const alertFails = await templateError(checkTemplate(engine, bodyOnly('{% if callbackId %}{"ok": true}{% else %}not JSON{% endif %}')));
    expect(alertFails.message).toBe('with the sample alert: body does not render to valid JSON: unexpected character "n" at line 1, column 1 (position 0)');
    expect(alertFails.sample).toBe('alert');

    const callbackFails = await templateError(checkTemplate(engine, bodyOnly('{% if alertId %}{"ok": true}{% endif %}')));
    expect(callbackFails.message).toBe('with the sample callback: body does not render to valid JSON: empty body at line 1, column 1 (position 0)');
    expect(callbackFails.sample).toBe('callback');

    const headerFails = await templateError(
      checkTemplate(engine, bodyOnly('{}', [{ name: 'X-Alert', template: '{% if alertId %}a\nb{% endif %}' }])),
    );
    expect(headerFails.message).toBe('with the sample alert: header "X-Alert" renders to more than one line');
  });

  it('reports parse errors without naming a sample, and returns both renders of a good template', async () => {
    const parse = await templateError(checkTemplate(engine, bodyOnly('{% if callbackId %}{}')));
    expect(parse.message).toBe('tag {% if callbackId %} not closed (line 1, col 1)');
    expect(parse.sample).toBeUndefined();

    const good = await checkTemplate(engine, bodyOnly('{"id": "{{ callbackId }}{{ alertId }}"}', [{ name: 'X-Secret', template: '{{ sharedSecret }}' }]));
    expect(good.callback).toEqual({ body: `{"id":"${sampleCallback.callbackId}"}`, headers: { 'X-Secret': SAMPLE_SHARED_SECRET } });
    expect(good.alert).toEqual({ body: `{"id":"${sampleAlert.alertId}"}`, headers: { 'X-Secret': SAMPLE_SHARED_SECRET } });
  });
});
