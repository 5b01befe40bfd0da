/** Row types of every table, as Kysely sees them (migrations/ creates them). */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A bigint id: numeric string in and out (both drivers are set to return int8 as text). */
type Id = Generated<string>;
type CreatedAt = ColumnType<Date, string | undefined, never>;
/** A jsonb column: written as a JSON string (pg rejects raw arrays), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

/** Simulated behaviour of a device: what the simulator driver does when asked to run something. */
export interface DeviceBehaviour {
  /** Round-trip latency in milliseconds. */
  latencyMs?: number;
  /** Latency jitter, ± milliseconds. */
  jitterMs?: number;
  /** Share of packets lost, 0–100. */
  lossPercent?: number;
  /** The device never answers. */
  offline?: boolean;
  /** The device answers after this many milliseconds. */
  answerDelayMs?: number;
}

/** `organizations` table. */
export interface OrganizationTable {
  id: Id;
  name: string;
  created_at: CreatedAt;
}

/** `networks` table. */
export interface NetworkTable {
  id: Id;
  organization_id: string;
  name: string;
  product_types: Json<string[]>;
  time_zone: string;
  tags: Json<string[]>;
  notes: string;
  created_at: CreatedAt;
}

/** `devices` table: Meraki devices and AutoPi dongles alike (dongles also have `dongle_id` and `unit_id`). */
export interface DeviceTable {
  serial: string;
  organization_id: string;
  network_id: string | null;
  name: string;
  model: string;
  mac: string;
  lan_ip: string | null;
  product_type: string;
  firmware: Generated<string>;
  tags: ColumnType<string[], string | undefined, string>;
  address: Generated<string>;
  notes: Generated<string>;
  lat: number | null;
  lng: number | null;
  dongle_id: string | null;
  unit_id: string | null;
  behaviour: Json<DeviceBehaviour>;
  created_at: CreatedAt;
}

/** `ssids` table: 15 per wireless network; everything but the number lives in `settings`. */
export interface SsidTable {
  network_id: string;
  number: number;
  settings: Json<Record<string, unknown>>;
}

/** `admins` table. */
export interface AdminTable {
  id: Id;
  name: string;
  email: string;
  created_at: CreatedAt;
}

/** `admin_organizations` table: which organizations an admin may touch. */
export interface AdminOrganizationTable {
  admin_id: string;
  organization_id: string;
}

/** `api_keys` table: only the SHA-256 of each key is kept. */
export interface ApiKeyTable {
  id: Id;
  admin_id: string;
  key_hash: string;
  /** The key's last four characters, so an admin can tell keys apart. */
  key_suffix: string;
  created_at: CreatedAt;
}

/** The whole schema, for `Kysely<Database>`. */
export interface Database {
  organizations: OrganizationTable;
  networks: NetworkTable;
  devices: DeviceTable;
  ssids: SsidTable;
  admins: AdminTable;
  admin_organizations: AdminOrganizationTable;
  api_keys: ApiKeyTable;
}

export type OrganizationRow = Selectable<OrganizationTable>;
export type NetworkRow = Selectable<NetworkTable>;
export type DeviceRow = Selectable<DeviceTable>;
export type NewDevice = Insertable<DeviceTable>;
export type SsidRow = Selectable<SsidTable>;
export type NetworkUpdate = Updateable<NetworkTable>;
