/** Demo data for an empty database: one organization, two networks, Meraki devices and three dongles. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, DeviceBehaviour } from './database.js';
import { generateApiKey } from '../auth/api-key.js';
import { createAdmin } from '../auth/create-admin.js';
import { newInboxToken } from '../inbox/inbox-token.js';
import { insertNetwork } from '../organizations/create-network.js';

/** What seeding produced: the ids a walk-through needs, and the key if one was generated. */
export interface SeedResult {
  organizationId: string;
  /** The token of the demo organization's callback inbox, `demo`. */
  inboxToken: string;
  networkIds: string[];
  adminId: string;
  apiKey: string;
  /** True when the key was generated here (and so must be shown once). */
  generatedKey: boolean;
}

interface DemoDevice {
  serial: string;
  name: string;
  model: string;
  productType: string;
  mac: string;
  lanIp: string;
  network: 0 | 1;
  dongle?: boolean;
  behaviour: DeviceBehaviour;
}

// Display names say how each simulated device behaves, so that a person trying the API knows what to expect.
const demoDevices: DemoDevice[] = [
  { serial: 'Q2MX-DEMO-0001', name: 'HQ appliance', model: 'MX68', productType: 'appliance', mac: '0c:8d:db:00:00:01', lanIp: '10.0.1.1', network: 0, behaviour: { latencyMs: 12, jitterMs: 3 } },
  { serial: 'Q2MS-DEMO-0002', name: 'HQ switch', model: 'MS120-8', productType: 'switch', mac: '0c:8d:db:00:00:02', lanIp: '10.0.1.2', network: 0, behaviour: { latencyMs: 2, jitterMs: 1 } },
  { serial: 'Q2MR-DEMO-0003', name: 'HQ access point', model: 'MR46', productType: 'wireless', mac: '0c:8d:db:00:00:03', lanIp: '10.0.1.3', network: 0, behaviour: { latencyMs: 8, jitterMs: 4, lossPercent: 5 } },
  { serial: 'Q2MR-DEMO-0004', name: 'Branch access point', model: 'MR36', productType: 'wireless', mac: '0c:8d:db:00:00:04', lanIp: '10.0.2.3', network: 1, behaviour: { latencyMs: 35, jitterMs: 10 } },
  { serial: 'Q2MR-DEMO-0005', name: 'Offline access point (never answers)', model: 'MR36', productType: 'wireless', mac: '0c:8d:db:00:00:05', lanIp: '10.0.2.5', network: 1, behaviour: { offline: true } },
  { serial: 'Q2AP-DEMO-0101', name: 'Dongle (answers at once)', model: 'AutoPi TMU CM4', productType: 'dongle', mac: '0c:8d:db:00:01:01', lanIp: '10.0.2.101', network: 1, dongle: true, behaviour: { answerDelayMs: 0 } },
  { serial: 'Q2AP-DEMO-0102', name: 'Dongle (offline: never answers)', model: 'AutoPi TMU CM4', productType: 'dongle', mac: '0c:8d:db:00:01:02', lanIp: '10.0.2.102', network: 1, dongle: true, behaviour: { offline: true } },
  { serial: 'Q2AP-DEMO-0103', name: 'Dongle (slow: answers after 3 s)', model: 'AutoPi TMU CM4', productType: 'dongle', mac: '0c:8d:db:00:01:03', lanIp: '10.0.2.103', network: 1, dongle: true, behaviour: { answerDelayMs: 3000 } },
];

/** The demo organization's name. */
export const DEMO_ORGANIZATION_NAME = 'Demo Organization';
/** The name of the demo organization's callback inbox. */
export const DEMO_INBOX_NAME = 'demo';

/** The token of the demo organization's inbox, when the demo data are there (an older database may lack the inbox). */
export async function findDemoInboxToken(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db
    .selectFrom('inboxes')
    .innerJoin('organizations', 'organizations.id', 'inboxes.organization_id')
    .select('inboxes.token')
    .where('organizations.name', '=', DEMO_ORGANIZATION_NAME)
    .where('inboxes.name', '=', DEMO_INBOX_NAME)
    .orderBy('organizations.id')
    .limit(1)
    .executeTakeFirst();
  return row?.token;
}

/**
 * A dongle's fixed id (`kind` 0) or unit id (`kind` 1), e.g. `5d0a9e00-0000-4000-8000-000000000101` for Q2AP-DEMO-0101:
 * fixed, like every other demo id on a fresh database, so that the spec's examples name the demo dongle. The seed runs
 * only on a database without organizations, so no other dongle can hold them.
 */
function demoDongleId(serial: string, kind: '0' | '1'): string {
  return `5d0a9e00-0000-4000-8000-${kind}${serial.slice(-4).padStart(11, '0')}`;
}

/** Seeds the demo organization in one transaction if the database has no organization yet; returns null otherwise. */
export async function seedDemo(db: Kysely<Database>, options: { apiKey?: string }): Promise<SeedResult | null> {
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    const existing = await trx.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
    if (existing) return null;
    const { id: organizationId } = await trx
      .insertInto('organizations')
      .values({ name: DEMO_ORGANIZATION_NAME })
      .returning('id')
      .executeTakeFirstOrThrow();
    const networkIds = [
      await insertNetwork(trx, { organizationId, name: 'Headquarters', productTypes: ['appliance', 'switch', 'wireless'], tags: ['demo'] }),
      await insertNetwork(trx, { organizationId, name: 'Branch 1', productTypes: ['wireless', 'sensor'], tags: ['demo', 'branch'] }),
    ];
    await trx
      .insertInto('devices')
      .values(
        demoDevices.map((d) => ({
          serial: d.serial,
          organization_id: organizationId,
          network_id: networkIds[d.network]!,
          name: d.name,
          model: d.model,
          mac: d.mac,
          lan_ip: d.lanIp,
          product_type: d.productType,
          firmware: d.dongle ? 'autopi-2024.05' : 'wired-18-211',
          tags: JSON.stringify(['demo']),
          dongle_id: d.dongle ? demoDongleId(d.serial, '0') : null,
          unit_id: d.dongle ? demoDongleId(d.serial, '1') : null,
          behaviour: JSON.stringify(d.behaviour),
        })),
      )
      .execute();
    // A callback inbox to point the examples' callbacks at: /docs's examples name it (src/http/served-spec.ts).
    const inboxToken = newInboxToken();
    await trx.insertInto('inboxes').values({ organization_id: organizationId, name: DEMO_INBOX_NAME, token: inboxToken }).execute();
    const apiKey = options.apiKey ?? generateApiKey();
    const adminId = await createAdmin(trx, {
      name: 'Demo Admin',
      email: 'admin@demo.example',
      apiKey,
      organizationIds: [organizationId],
    });
    return { organizationId, inboxToken, networkIds, adminId, apiKey, generatedKey: options.apiKey === undefined };
  });
}
