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
  /** When the key was revoked (it then no longer authenticates); null while it is valid. */
  revoked_at: ColumnType<Date | null, undefined, Date>;
}

/** `http_servers` table: a network's webhook receivers; `id` is the Base64 of the URL, as Meraki's. */
export interface HttpServerTable {
  network_id: string;
  id: string;
  name: string;
  url: string;
  /** The shared secret, AES-256-GCM encrypted (never returned by the API). */
  secret_ciphertext: string | null;
  payload_template_id: Generated<string>;
  created_at: CreatedAt;
}

/** `payload_templates` table: a network's custom Liquid templates (the included ones live in code). */
export interface PayloadTemplateTable {
  id: string;
  network_id: string;
  name: string;
  body: string;
  headers: Json<{ name: string; template: string }[]>;
  created_at: CreatedAt;
}

/** How a callback's requests are signed. */
export type Signing = 'standard-webhooks' | 'request-signature';

/** `callbacks` table: one per operation that asked for its result to be sent. */
export interface CallbackTable {
  id: Id;
  organization_id: string;
  network_id: string | null;
  /** The spec contract every payload of this callback must meet, `operationId.callbackName` or `webhook.NAME`. */
  contract: string;
  url: string;
  http_server_id: string | null;
  payload_template_id: string;
  signing: Signing;
  /** The signing secret (Meraki sharedSecret, or the dongle caller's token), encrypted; deleted with the row at expiry. */
  secret_ciphertext: string | null;
  status: Generated<'running' | 'completed' | 'failed'>;
  errors: ColumnType<string[], string | undefined, string>;
  created_by: string | null;
  sent_at: Date | null;
  created_at: CreatedAt;
  expires_at: Date;
}

/** `deliveries` table: the outbox, one row per payload to send, with its rendered bytes and retry state. */
export interface DeliveryTable {
  id: Id;
  callback_id: string;
  /** Its callback's organization, copied here so the worker can share its claims out by organization without a join. */
  organization_id: string;
  /** Stable across attempts (the `webhook-id` header), so receivers can de-duplicate. */
  webhook_id: string;
  /** What this payload is, for logs: the dongle state or the alert type. */
  label: string | null;
  url: string;
  body: string;
  headers: Json<Record<string, string>>;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
}

/** `delivery_attempts` table: one row per HTTP request sent (the webhook log). */
export interface DeliveryAttemptTable {
  id: Id;
  delivery_id: string;
  organization_id: string;
  network_id: string | null;
  alert_type: string | null;
  url: string;
  sent_at: Date;
  logged_at: CreatedAt;
  response_code: number | null;
  /** Milliseconds from sending to the end of the response (or the error). */
  response_duration: number;
  error: string | null;
}

/** Where a live tool job stands: `new → scheduled → ready → running → complete | failed`. */
export type LiveToolJobStatus = 'new' | 'scheduled' | 'ready' | 'running' | 'complete' | 'failed';

/** `live_tool_jobs` table: one row per live tool run (ping, pingDevice, wakeOnLan, arpTable, cableTest). */
export interface LiveToolJobTable {
  id: Id;
  /** The live tool (`ping`, `pingDevice`, `wakeOnLan`, `arpTable`, `cableTest`). */
  kind: string;
  serial: string;
  organization_id: string;
  network_id: string;
  /** The job's `request` object as the API shows it (serial included). */
  request: Json<Record<string, unknown>>;
  status: ColumnType<LiveToolJobStatus, LiveToolJobStatus | undefined, LiveToolJobStatus>;
  /** What the job adds once complete: `{results}` or `{entries}` (empty for wakeOnLan). */
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  error: string | null;
  callback_id: string | null;
  created_at: CreatedAt;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When a device that has not answered makes the job fail (stored, so that it holds across restarts). */
  deadline: ColumnType<Date, Date, Date>;
  /** The runner holding the job (null until one claims it, and after a server stopping hands it back). */
  lease_owner: string | null;
  /** Until when `lease_owner` holds the job; after that any server may claim it. */
  leased_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** How many times a runner started the job on its device (more than once only after a take-over). */
  runs: ColumnType<number, number | undefined, number>;
  /** How many times running or finishing the job threw for a reason other than its device (see `MAX_WORK_FAILURES`). */
  failures: ColumnType<number, number | undefined, number>;
  /** The error of the last such failure. */
  last_error: string | null;
}

/** `dongle_commands` table: one row per execute / execute_raw, kept until it expires (2 days by default). */
export interface DongleCommandTable {
  /** Salt-style 20-digit job id (`YYYYMMDDhhmmssffffff`). */
  jid: string;
  serial: string;
  organization_id: string;
  /** The dongle's AutoPi id and Salt minion id. */
  device_id: string;
  unit_id: string;
  /** `module.function`. */
  fun: string;
  args: Json<unknown[]>;
  kwargs: Json<Record<string, unknown>>;
  callback_id: string | null;
  callback_url: string | null;
  timeout_seconds: number;
  timeout_task_id: string;
  created_at: ColumnType<Date, Date, never>;
  /** When the simulated device answers; null when it never does (offline). */
  answer_at: ColumnType<Date | null, Date | null, never>;
  /** When the TIMEOUT callback is due if the device has not answered. */
  deadline: ColumnType<Date, Date, never>;
  answered_at: ColumnType<Date | null, undefined, Date>;
  timed_out_at: ColumnType<Date | null, undefined, Date>;
  /** The minion's return `{return, retcode, success}` and when it was stamped, once answered. */
  result: ColumnType<DongleCommandResult | null, undefined, string>;
  expires_at: ColumnType<Date, Date, never>;
  /** How many times settling the command threw (see `MAX_WORK_FAILURES`). */
  failures: ColumnType<number, number | undefined, number>;
  /** The error of the last such failure. */
  last_error: ColumnType<string | null, undefined, string | null>;
  /** Not settled before this time after a failure (null: due by its answer and deadline alone). */
  next_attempt_at: ColumnType<Date | null, undefined, Date | null>;
}

/** What a dongle returned for a command. */
export interface DongleCommandResult {
  return: unknown;
  retcode: number;
  success: boolean;
  /** Salt's `_stamp`, as sent in the callback. */
  stamp: string;
}

/** A resource an action batch created: its id and path (relative to `/api/v1`). */
export interface CreatedResource {
  id: string;
  uri: string;
}

/** One action of a batch, as the API shows it. */
export interface StoredAction {
  resource: string;
  operation: 'create' | 'update' | 'destroy';
  body?: Record<string, unknown>;
}

/** Outcome summary of a finished batch (the callback's `message.results`). */
export interface ActionBatchResultsRecord {
  actionsCompleted: number;
  actionsFailed: number;
  details: { networkId?: string; resource: string; operation: StoredAction['operation']; status: 'success' | 'failed' }[];
}

/** `action_batches` table: a batch's actions and, once it ran, its outcome. */
export interface ActionBatchTable {
  id: Id;
  organization_id: string;
  confirmed: ColumnType<boolean, boolean | undefined, boolean>;
  synchronous: ColumnType<boolean, boolean | undefined, boolean>;
  /** `pending` until the batch has run (or has not been confirmed), then `completed` or `failed`. */
  status: ColumnType<'pending' | 'completed' | 'failed', undefined, 'completed' | 'failed'>;
  actions: Json<StoredAction[]>;
  /** The network of each action's resource (null for organization-level ones). */
  action_network_ids: Json<(string | null)[]>;
  errors: ColumnType<string[], string | undefined, string>;
  created_resources: ColumnType<CreatedResource[], string | undefined, string>;
  results: ColumnType<ActionBatchResultsRecord | null, undefined, string>;
  /** The one network every action belongs to, else null. */
  network_id: string | null;
  callback_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  confirmed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, undefined, Date>;
  /** When an unconfirmed batch is deleted; null once confirmed. */
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** How many times running the batch threw for a reason other than one of its actions (see `MAX_WORK_FAILURES`). */
  failures: ColumnType<number, number | undefined, number>;
  /** The error of the last such failure. */
  last_error: string | null;
  /** Not run before this time after a failure (null: runnable once confirmed). */
  next_attempt_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** The whole schema, for `Kysely<Database>`. */
/** `inboxes` table: an organization's callback inboxes; `token` is the unguessable part of the receiving URL. */
export interface InboxTable {
  id: Id;
  organization_id: string;
  name: string;
  token: string;
  created_at: CreatedAt;
}

/** `inbox_requests` table: what an inbox received, as received (headers as sent, body as bytes), until it expires. */
export interface InboxRequestTable {
  id: Id;
  inbox_id: string;
  received_at: CreatedAt;
  expires_at: Date;
  method: string;
  /** Header names (lower case) and values, in arrival order, repeated names kept. */
  headers: Json<[string, string][]>;
  body: Uint8Array;
}

export interface Database {
  action_batches: ActionBatchTable;
  dongle_commands: DongleCommandTable;
  http_servers: HttpServerTable;
  payload_templates: PayloadTemplateTable;
  callbacks: CallbackTable;
  live_tool_jobs: LiveToolJobTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  organizations: OrganizationTable;
  networks: NetworkTable;
  devices: DeviceTable;
  ssids: SsidTable;
  admins: AdminTable;
  admin_organizations: AdminOrganizationTable;
  api_keys: ApiKeyTable;
  inboxes: InboxTable;
  inbox_requests: InboxRequestTable;
}

export type OrganizationRow = Selectable<OrganizationTable>;
export type NetworkRow = Selectable<NetworkTable>;
export type DeviceRow = Selectable<DeviceTable>;
export type NewDevice = Insertable<DeviceTable>;
export type SsidRow = Selectable<SsidTable>;
export type NetworkUpdate = Updateable<NetworkTable>;
export type LiveToolJobRow = Selectable<LiveToolJobTable>;
export type DongleCommandRow = Selectable<DongleCommandTable>;
export type ActionBatchRow = Selectable<ActionBatchTable>;
