/** Updates one SSID's settings: the code behind PUT …/wireless/ssids/{number} (and, later, action batches). */
import type { Kysely } from 'kysely';
import type { UpdateNetworkWirelessSsidData, WirelessSsid } from '../../generated/client/types.gen.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';

type SsidUpdate = NonNullable<UpdateNetworkWirelessSsidData['body']>;

// Fields that only mean something for a pre-shared-key SSID.
const PSK_FIELDS = ['psk', 'encryptionMode', 'wpaEncryptionMode'] as const;

/** The API resource for stored SSID settings; the PSK is write-only, as in Meraki's API. */
export function toSsid(number: number, settings: Record<string, unknown>): WirelessSsid {
  const { psk: _psk, ...visible } = settings;
  return { number, ...visible } as WirelessSsid;
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
  const settings: Record<string, unknown> = { ...row.settings, ...update };
  delete settings.number;
  if (settings.authMode === 'psk') {
    if (typeof settings.psk !== 'string') throw new InputError('psk is required when authMode is psk');
    settings.encryptionMode ??= 'wpa';
    settings.wpaEncryptionMode ??= 'WPA2 only';
  } else {
    for (const field of PSK_FIELDS) {
      if (field in update) throw new InputError(`${field} is only allowed when authMode is psk`);
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
