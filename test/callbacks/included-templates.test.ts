/** The included payload templates: valid JSON for every payload, hostile values kept intact. */
import { describe, expect, it } from 'vitest';
import { findIncludedTemplate, includedTemplates } from '../../src/callbacks/included-templates.js';
import { checkTemplate, renderPayload } from '../../src/callbacks/render-payload.js';
import { sampleAlert, sampleCallback } from '../../src/callbacks/sample-payloads.js';
import { createTemplateEngine } from '../../src/callbacks/template-engine.js';
import { actionBatchCallback, HOSTILE, hostileAlert, hostileCallback, strings } from '../support/hostile-payloads.js';

const engine = createTemplateEngine();

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
