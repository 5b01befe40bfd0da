import { dereference } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import type { ActionBatchCallback, AlertPayload, PingCallback } from '../../generated/client/types.gen.js';
import { findIncludedTemplate, includedTemplates } from '../../src/callbacks/included-templates.js';
import {
  checkTemplate,
  decodeTemplateFiles,
  MAX_HEADER_VALUE_BYTES,
  type PayloadTemplateSource,
  renderPayload,
  TemplateError,
} from '../../src/callbacks/render-payload.js';
import { SAMPLE_SHARED_SECRET, sampleAlert, sampleCallback } from '../../src/callbacks/sample-payloads.js';
import {
  createTemplateEngine,
  DEFAULT_MEMORY_LIMIT,
  DEFAULT_PARSE_LIMIT,
  DEFAULT_RENDER_LIMIT_MS,
} from '../../src/callbacks/template-engine.js';
import { escapeJsonString } from '../../src/callbacks/template-escape.js';
import { findJsonSyntaxError } from '../../src/callbacks/template-json.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { specAjv } from '../../src/spec/spec-ajv.js';

const engine = createTemplateEngine();

// Everything that has broken a hand-written JSON template somewhere: quotes, escapes, control characters, HTML,
// line and paragraph separators, astral characters, and Liquid syntax that must stay text.
const HOSTILE =
  'Quote " back\\slash \\" new\nline\r\nCRLF\ttab \u0000nul \u001f </script><b>&amp; \u2028\u2029 é 😀 ' +
  "{{ sharedSecret }} {% raw %} }} %} 'single'";
const LONG = `${'x" \\ 😀 '.repeat(20_000)}end`;

const hostileCallback: PingCallback = {
  callbackId: '643451796760560299',
  organization: { id: '321321', name: HOSTILE },
  network: { id: 'L_1', name: LONG },
  sentAt: '2024-01-15T06:46:17.000Z',
  message: {
    pingId: '643451796835419599',
    url: '/devices/Q2BX-9QRR-ABCD/liveTools/ping/643451796835419599',
    request: { serial: 'Q2BX-9QRR-ABCD', target: HOSTILE, count: 1 },
    status: 'failed',
    error: HOSTILE,
  },
};

const hostileAlert: AlertPayload = {
  ...sampleAlert,
  sharedSecret: HOSTILE,
  organizationName: HOSTILE,
  networkName: HOSTILE,
  networkTags: [HOSTILE, ''],
  deviceName: LONG,
  alertType: HOSTILE,
  alertLevel: 'warning',
  alertData: { note: HOSTILE, nested: { list: [HOSTILE, 1, null, true] } },
};

const actionBatchCallback: ActionBatchCallback = {
  callbackId: '874399285760560205',
  organization: { id: '123456', name: 'Global Tech Inc.' },
  actionBatchId: '874399285760580000',
  sentAt: '2023-10-01T16:30:00.000Z',
  message: {
    id: '874399285760580000',
    organizationId: '123456',
    confirmed: true,
    synchronous: false,
    status: { completed: true, failed: false, errors: [], createdResources: [] },
    actions: [
      { resource: '/networks/N_1/wireless/ssids/0', operation: 'update', body: { name: 'New SSID Name 1', enabled: true } },
      { resource: '/networks/N_2/wireless/ssids/1', operation: 'update', body: { name: 'New SSID Name 2', enabled: false } },
    ],
    results: {
      actionsCompleted: 2,
      actionsFailed: 0,
      details: [
        { networkId: 'N_1', resource: '/networks/N_1/wireless/ssids/0', operation: 'update', status: 'success' },
        { networkId: 'N_2', resource: '/networks/N_2/wireless/ssids/1', operation: 'update', status: 'success' },
      ],
    },
  },
};

/** Every string in a JSON value, for asserting that a value came through intact wherever a template put it. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The TemplateError a promise rejects with (fails the test if it resolves or throws something else). */
async function templateError(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

const bodyOnly = (body: string, headers: PayloadTemplateSource['headers'] = []): PayloadTemplateSource => ({ body, headers });

describe('sample payloads', async () => {
  const doc = await dereference(loadSpec());
  const ajv = specAjv();
  const schema = (name: string) => ajv.compile(doc.components!.schemas![name] as object);

  it('are valid against the PingCallback and AlertPayload schemas, as is the action batch test payload', () => {
    const ping = schema('PingCallback');
    expect(ping(sampleCallback), JSON.stringify(ping.errors)).toBe(true);
    const alert = schema('AlertPayload');
    expect(alert(sampleAlert), JSON.stringify(alert.errors)).toBe(true);
    const batch = schema('ActionBatchCallback');
    expect(batch(actionBatchCallback), JSON.stringify(batch.errors)).toBe(true);
    expect(sampleAlert.sharedSecret).toBe(SAMPLE_SHARED_SECRET);
  });
});

describe('included templates', () => {
  it('are wpt_00001 to wpt_00006 with their names, and findIncludedTemplate finds them by ID', () => {
    expect(includedTemplates.map((t) => [t.id, t.name, t.type])).toEqual([
      ['wpt_00001', 'Meraki (included)', 'included'],
      ['wpt_00002', 'Webex (included)', 'included'],
      ['wpt_00003', 'Slack (included)', 'included'],
      ['wpt_00004', 'Microsoft Teams (included)', 'included'],
      ['wpt_00005', 'Callback (included)', 'included'],
      ['wpt_00006', 'ServiceNow (included)', 'included'],
    ]);
    expect(findIncludedTemplate('wpt_00003')?.name).toBe('Slack (included)');
    expect(findIncludedTemplate('wpt_00007')).toBeUndefined();
    expect(Object.isFrozen(findIncludedTemplate('wpt_00006')!.headers[0])).toBe(true);
  });

  it('each pass checkTemplate', async () => {
    for (const template of includedTemplates) {
      const { callback, alert } = await checkTemplate(engine, template);
      expect(JSON.parse(callback.body), template.id).toBeTypeOf('object');
      expect(JSON.parse(alert.body), template.id).toBeTypeOf('object');
    }
  });

  for (const template of includedTemplates) {
    it(`${template.id} renders valid JSON that keeps hostile values intact, for a callback and for an alert`, async () => {
      const forCallback = JSON.parse((await renderPayload(engine, template, hostileCallback)).body) as unknown;
      const forAlert = JSON.parse((await renderPayload(engine, template, hostileAlert)).body) as unknown;
      // The exact hostile text must come out (not escaped twice, Liquid inside it not evaluated).
      expect(strings(forCallback).some((s) => s.includes(HOSTILE)), 'callback').toBe(true);
      expect(strings(forAlert).some((s) => s.includes(HOSTILE)), 'alert').toBe(true);
      // HOSTILE holds "{{ sharedSecret }}": had it been evaluated, it would not have come out intact above.
    });
  }

  it('wpt_00002/3/4/6 say what happened, for a callback and for an alert', async () => {
    const text = async (id: string, payload: object) =>
      strings(JSON.parse((await renderPayload(engine, findIncludedTemplate(id)!, payload)).body)).join('\n');
    for (const id of ['wpt_00002', 'wpt_00003', 'wpt_00004', 'wpt_00006']) {
      const callback = await text(id, sampleCallback);
      expect(callback, id).toContain('Callback 643451796760560204: complete');
      expect(callback, id).toContain('My Laboratory');
      expect(callback, id).not.toContain('APs went down');
      const alert = await text(id, sampleAlert);
      expect(alert, id).toContain('APs went down');
      expect(alert, id).toContain('Lobby AP');
      expect(alert, id).not.toContain('Callback');
      const batch = await text(id, actionBatchCallback);
      expect(batch, id).toContain('Action batch 874399285760580000: completed');
    }
  });

  it('wpt_00002 is a Webex message, wpt_00003 a Slack message with a short header, wpt_00004 an Adaptive Card', async () => {
    const webex = JSON.parse((await renderPayload(engine, findIncludedTemplate('wpt_00002')!, sampleAlert)).body);
    expect(Object.keys(webex)).toEqual(['markdown']);
    expect(webex.markdown).toMatch(/^\*\*APs went down\*\* \(critical\)\nOrganization: \[My Laboratory\]\(https:/);

    const slack = JSON.parse((await renderPayload(engine, findIncludedTemplate('wpt_00003')!, hostileAlert)).body);
    expect(slack.text).toBe(`${HOSTILE} (warning)`);
    expect(slack.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'context']);
    // Slack's limits (150 and 3,000 characters) count characters, not UTF-16 units.
    expect([...slack.blocks[0].text.text].length).toBeLessThanOrEqual(150);
    expect([...slack.blocks[1].text.text].length).toBeLessThanOrEqual(3000);

    const teams = JSON.parse((await renderPayload(engine, findIncludedTemplate('wpt_00004')!, actionBatchCallback)).body);
    const card = teams.attachments[0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content.body[0].text).toBe('Action batch 874399285760580000: completed');
    expect(card.content.body[1].facts.map((f: { title: string }) => f.title)).toEqual(['Organization', 'Callback ID', 'Sent at']);
  });

  it('wpt_00006 maps severity to urgency and sends Basic auth from the shared secret only when there is one', async () => {
    const serviceNow = findIncludedTemplate('wpt_00006')!;
    const alert = await renderPayload(engine, serviceNow, sampleAlert, { sharedSecret: 'admin:p@ss' });
    expect(JSON.parse(alert.body)).toMatchObject({ urgency: '1', impact: '1', correlation_id: sampleAlert.alertId });
    expect(alert.headers).toEqual({ Accept: 'application/json', Authorization: `Basic ${Buffer.from('admin:p@ss').toString('base64')}` });
    const failed = await renderPayload(engine, serviceNow, hostileCallback, { sharedSecret: '' });
    expect(JSON.parse(failed.body)).toMatchObject({ urgency: '2', correlation_id: hostileCallback.callbackId });
    expect(failed.headers).toEqual({ Accept: 'application/json' });
  });

  it('wpt_00005 renders exactly the callback payload (same bytes), for a ping and for an action batch without network', async () => {
    const callbackTemplate = findIncludedTemplate('wpt_00005')!;
    for (const payload of [sampleCallback, actionBatchCallback, hostileCallback]) {
      const { body, headers } = await renderPayload(engine, callbackTemplate, payload, { sharedSecret: 'not-in-the-body' });
      expect(JSON.parse(body)).toEqual(payload);
      expect(body).toBe(JSON.stringify(payload));
      expect(headers).toEqual({});
    }
    const batch = JSON.parse((await renderPayload(engine, callbackTemplate, actionBatchCallback)).body);
    expect(Object.keys(batch)).toEqual(['callbackId', 'organization', 'actionBatchId', 'sentAt', 'message']);
  });

  it('wpt_00005 passes an alert through as it is, and wpt_00001 sends the alert as Meraki does', async () => {
    for (const id of ['wpt_00001', 'wpt_00005']) {
      const { body } = await renderPayload(engine, findIncludedTemplate(id)!, hostileAlert);
      expect(JSON.parse(body), id).toEqual(hostileAlert);
      expect(body, id).toBe(JSON.stringify(hostileAlert));
    }
    // The HTTP server's secret, when given, replaces whatever the payload carried.
    const meraki = await renderPayload(engine, findIncludedTemplate('wpt_00001')!, sampleAlert, { sharedSecret: 'other' });
    expect(JSON.parse(meraki.body)).toEqual({ ...sampleAlert, sharedSecret: 'other' });
    const forCallback = JSON.parse((await renderPayload(engine, findIncludedTemplate('wpt_00001')!, sampleCallback, { sharedSecret: 's3' })).body);
    expect(forCallback).toEqual({ sharedSecret: 's3', ...sampleCallback });
  });
});

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

describe('decodeTemplateFiles', () => {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

  it('decodes a Base64 body and headers given as a JSON object (Meraki) or a list', async () => {
    const body = '{"text": "{{ alertType }} – é 😀"}\n';
    const object = { Authorization: 'Bearer {{ sharedSecret }}', 'X-Id': '{{ alertId }}' };
    expect(decodeTemplateFiles({ bodyFile: b64(body), headersFile: b64(JSON.stringify(object, null, 2)) })).toEqual({
      body,
      headers: [
        { name: 'Authorization', template: 'Bearer {{ sharedSecret }}' },
        { name: 'X-Id', template: '{{ alertId }}' },
      ],
    });
    const list = [{ name: 'X-A', template: 'a' }];
    expect(decodeTemplateFiles({ headersFile: b64(JSON.stringify(list)) })).toEqual({ headers: list });
    // Line-wrapped Base64 (as `base64` prints it), unpadded Base64, a BOM and an empty headers file are fine.
    expect(decodeTemplateFiles({ bodyFile: b64(body).replace(/(.{16})/g, '$1\n') }).body).toBe(body);
    expect(decodeTemplateFiles({ bodyFile: b64('{}x').replace(/=+$/, '') }).body).toBe('{}x');
    expect(decodeTemplateFiles({ bodyFile: b64('\uFEFF{}') }).body).toBe('{}');
    expect(decodeTemplateFiles({ headersFile: '' })).toEqual({ headers: [] });
    expect(decodeTemplateFiles({})).toEqual({});

    const decoded = decodeTemplateFiles({ bodyFile: b64('{"t": "{{ alertType }}"}'), headersFile: b64('{"X-T": "{{ alertTypeId }}"}') });
    const rendered = await renderPayload(engine, { body: decoded.body!, headers: decoded.headers! }, sampleAlert);
    expect(rendered).toEqual({ body: '{"t":"APs went down"}', headers: { 'X-T': 'stopped_reporting' } });
  });

  it('refuses bad Base64, text that is not UTF-8, bad JSON and wrong shapes', () => {
    const cases: [Parameters<typeof decodeTemplateFiles>[0], string][] = [
      [{ bodyFile: 'not base64!' }, 'bodyFile is not valid Base64'],
      [{ bodyFile: 'abcde' }, 'bodyFile is not valid Base64'],
      [{ bodyFile: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64') }, 'bodyFile is not UTF-8 text'],
      [{ headersFile: '%%%' }, 'headersFile is not valid Base64'],
      [{ headersFile: b64('{"a": ') }, 'headersFile is not valid JSON: Unexpected end of JSON input'],
      [{ headersFile: b64('42') }, 'headersFile must hold a JSON object of header templates or a list of {name, template}'],
      [{ headersFile: b64('{"X-A": 1}') }, 'headersFile value of "X-A" must be a string'],
      [{ headersFile: b64('[{"name": "X-A"}]') }, 'headersFile item 0 must be an object with string "name" and "template"'],
      [{ headersFile: b64('[null]') }, 'headersFile item 0 must be an object with string "name" and "template"'],
    ];
    for (const [files, message] of cases) {
      expect(() => decodeTemplateFiles(files), message).toThrow(TemplateError);
      expect(() => decodeTemplateFiles(files), message).toThrow(message);
    }
  });
});

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
