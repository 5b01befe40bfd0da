/** Sample payloads that payload templates are checked against: one callback and one alert, valid against their schemas. */
import type { AlertPayload, PingCallback } from '../../generated/client/types.gen.js';

/** Shared secret used with the samples, so that templates printing `sharedSecret` are exercised. */
export const SAMPLE_SHARED_SECRET = 'sample-shared-secret';

/** A completed live-tools ping, as the `pingHost` callback delivers it (a `PingCallback`). */
export const sampleCallback: PingCallback = {
  callbackId: '643451796760560204',
  organization: { id: '321321', name: 'My Laboratory' },
  network: { id: 'L_643451796760500000', name: 'Branch 1' },
  sentAt: '2024-01-15T06:46:17.000Z',
  message: {
    pingId: '643451796835419513',
    url: '/devices/Q2BX-9QRR-ABCD/liveTools/ping/643451796835419513',
    request: { serial: 'Q2BX-9QRR-ABCD', target: '8.8.8.8', count: 3 },
    status: 'complete',
    results: {
      sent: 3,
      received: 3,
      loss: { percentage: 0 },
      latencies: { minimum: 11.2, average: 12.4, maximum: 13.9 },
      replies: [
        { sequenceId: 1, size: 64, latency: 11.2 },
        { sequenceId: 2, size: 64, latency: 12.1 },
        { sequenceId: 3, size: 64, latency: 13.9 },
      ],
    },
  },
};

/** A device alert in Meraki's envelope (an `AlertPayload`): an access point stopped reporting. */
export const sampleAlert: AlertPayload = {
  version: '0.1',
  sharedSecret: SAMPLE_SHARED_SECRET,
  sentAt: '2024-01-15T07:02:41.000Z',
  organizationId: '321321',
  organizationName: 'My Laboratory',
  organizationUrl: 'https://boomerang.example/o/321321/manage/organization/overview',
  networkId: 'L_643451796760500000',
  networkName: 'Branch 1',
  networkUrl: 'https://boomerang.example/n/L_643451796760500000/manage/nodes/list',
  networkTags: ['branch', 'lab'],
  deviceSerial: 'Q2BX-9QRR-ABCD',
  deviceMac: '00:18:0a:12:34:56',
  deviceName: 'Lobby AP',
  deviceUrl: 'https://boomerang.example/n/L_643451796760500000/manage/nodes/new_list/103392763753558',
  deviceTags: ['lobby'],
  deviceModel: 'MR46',
  alertId: '643451796765320956',
  alertType: 'APs went down',
  alertTypeId: 'stopped_reporting',
  alertLevel: 'critical',
  occurredAt: '2024-01-15T07:00:00.000Z',
  alertData: {},
};
