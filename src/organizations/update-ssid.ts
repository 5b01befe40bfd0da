/** Updates one SSID's settings: the code behind PUT …/wireless/ssids/{number} and batch `update` actions. */
import type { Kysely } from 'kysely';
import type { UpdateNetworkWirelessSsidData, WirelessSsid } from '../../generated/client/types.gen.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';

type SsidUpdate = NonNullable<UpdateNetworkWirelessSsidData['body']>;

// Fields that only mean something for a pre-shared-key SSID.
const PSK_FIELDS = ['psk', 'encryptionMode', 'wpaEncryptionMode'] as const;

// Read from the bundled spec, not from generated/client's schemas: those leave out write-only properties such as `psk`.
const schemas = loadSpec().components?.schemas ?? {};

/** The property names the spec gives component schema `name`; throws when it has none (a renamed schema must not empty the lists). */
function propertiesOf(name: string): string[] {
  const properties = (schemas[name] as { properties?: object } | undefined)?.properties;
  if (!properties) throw new Error(`the spec has no properties for schema ${name}`);
  return Object.keys(properties);
}

/** The settings an update may store: the properties the spec gives the update body. */
const UPDATABLE = new Set<string>(propertiesOf('WirelessSsidUpdate'));

/** The settings an SSID may keep: what the spec describes of an SSID or of its update, less `number` (the row's own). */
const KNOWN = new Set<string>([...propertiesOf('WirelessSsid'), ...UPDATABLE].filter((field) => field !== 'number'));

/** The settings a read shows: the known ones less the write-only PSK (anything stored before unknown properties were dropped stays hidden). */
const SHOWN = new Set<string>([...KNOWN].filter((field) => field !== 'psk'));

/** The entries of `object` whose keys are in `known`. */
function pick(object: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => known.has(key)));
}

/** The API resource for stored SSID settings; the PSK is write-only, as in Meraki's API. */
export function toSsid(number: number, settings: Record<string, unknown>): WirelessSsid {
  return { number, ...pick(settings, SHOWN) } as WirelessSsid;
}

/** Reads one SSID of a network; 404 when the network has no SSIDs (it is not wireless). */
export async function getSsid(db: Kysely<Database>, networkId: string, number: number): Promise<WirelessSsid> {
  const row = await db.selectFrom('ssids').select('settings').where('network_id', '=', networkId).where('number', '=', number).executeTakeFirst();
  if (!row) throw new NotFoundError(`SSID ${number} not found: network ${networkId} is not a wireless network`);
  return toSsid(number, row.settings);
}

/**
 * Merges `update` into the SSID's settings and stores them, with the row locked so concurrent updates apply one after the other.
 * Call inside a transaction (`trx`); throws InputError when the result would be inconsistent.
 */
export async function updateSsid(trx: Kysely<Database>, networkId: string, number: number, update: SsidUpdate): Promise<WirelessSsid> {
  const row = await trx
    .selectFrom('ssids')
    .select('settings')
    .where('network_id', '=', networkId)
    .where('number', '=', number)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`SSID ${number} not found: network ${networkId} is not a wireless network`);
  // The validator has already dropped what the spec does not describe; picking again keeps any other caller (a batch
  // action, a future route) from storing more than the spec's fields.
  const changes = pick(update as Record<string, unknown>, UPDATABLE);
  // Rows written before unknown properties were dropped lose them on their next update.
  const settings = pick({ ...row.settings, ...changes }, KNOWN);
  if (settings.authMode === 'psk') {
    if (typeof settings.psk !== 'string') throw new InputError('psk is required when authMode is psk');
    settings.encryptionMode ??= 'wpa';
    settings.wpaEncryptionMode ??= 'WPA2 only';
  } else {
    for (const field of PSK_FIELDS) {
      if (field in changes) throw new InputError(`${field} is only allowed when authMode is psk`);
      delete settings[field];
    }
  }
  await trx
    .updateTable('ssids')
    .set({ settings: JSON.stringify(settings) })
    .where('network_id', '=', networkId)
    .where('number', '=', number)
    .execute();
  return toSsid(number, settings);
}
