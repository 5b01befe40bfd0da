/** Hostile payloads and helpers shared by the template tests: values that have broken hand-written JSON templates. */
import { expect } from 'vitest';
import type { ActionBatchCallback, AlertPayload, PingCallback } from '../../generated/client/types.gen.js';
import { type PayloadTemplateSource, TemplateError } from '../../src/callbacks/render-payload.js';
import { sampleAlert } from '../../src/callbacks/sample-payloads.js';

/**
 * Everything that has broken a hand-written JSON template somewhere: quotes, escapes, control characters, HTML, line
 * and paragraph separators, astral characters, and Liquid syntax that must stay text.
 */
export const HOSTILE =
  'Quote " back\\slash \\" new\nline\r\nCRLF\ttab \u0000nul \u001f </script><b>&amp; \u2028\u2029 é 😀 ' +
  "{{ sharedSecret }} {% raw %} }} %} 'single'";
/** A long string of hostile characters (over 100,000 UTF-16 units). */
export const LONG = `${'x" \\ 😀 '.repeat(20_000)}end`;

/** A ping callback carrying hostile and long values in every string field a template might print. */
export const hostileCallback: PingCallback = {
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

/** An alert carrying hostile values, nested ones too. */
export const hostileAlert: AlertPayload = {
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

/** An action batch callback as Meraki documents it. */
export const actionBatchCallback: ActionBatchCallback = {
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
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The TemplateError a promise rejects with (fails the test if it resolves or throws something else). */
export async function templateError(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

/** A template source with `body` and, optionally, headers. */
export const bodyOnly = (body: string, headers: PayloadTemplateSource['headers'] = []): PayloadTemplateSource => ({ body, headers });
