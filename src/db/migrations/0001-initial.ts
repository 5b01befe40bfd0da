/** Organizations, networks, devices, SSIDs, admins and API keys. */
import { sql, type Kysely } from 'kysely';

/** Creates the foundation tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One sequence for every numeric id, started high so ids look like Meraki's long numeric strings.
  await sql`create sequence object_id_seq start 573000000000000001`.execute(db);
  await sql`
    create table organizations (
      id bigint primary key default nextval('object_id_seq'),
      name text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table networks (
      id bigint primary key default nextval('object_id_seq'),
      organization_id bigint not null references organizations (id) on delete cascade,
      name text not null,
      product_types jsonb not null default '[]',
      time_zone text not null default 'America/Los_Angeles',
      tags jsonb not null default '[]',
      notes text not null default '',
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index networks_organization on networks (organization_id, id)`.execute(db);
  // Serials sort byte-wise ("C") so that keyset pagination means the same on every server locale.
  await sql`
    create table devices (
      serial text collate "C" primary key,
      organization_id bigint not null references organizations (id) on delete cascade,
      network_id bigint references networks (id) on delete set null,
      name text not null default '',
      model text not null,
      mac text not null,
      lan_ip text,
      product_type text not null,
      firmware text not null default '',
      tags jsonb not null default '[]',
      address text not null default '',
      notes text not null default '',
      lat double precision,
      lng double precision,
      dongle_id uuid unique,
      unit_id uuid unique,
      behaviour jsonb not null default '{}',
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index devices_organization on devices (organization_id, serial)`.execute(db);
  await sql`create index devices_network on devices (network_id)`.execute(db);
  await sql`
    create table ssids (
      network_id bigint not null references networks (id) on delete cascade,
      number smallint not null check (number between 0 and 14),
      settings jsonb not null,
      primary key (network_id, number)
    )`.execute(db);
  await sql`
    create table admins (
      id bigint primary key default nextval('object_id_seq'),
      name text not null,
      email text not null unique,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table admin_organizations (
      admin_id bigint not null references admins (id) on delete cascade,
      organization_id bigint not null references organizations (id) on delete cascade,
      primary key (admin_id, organization_id)
    )`.execute(db);
  await sql`
    create table api_keys (
      id bigint primary key default nextval('object_id_seq'),
      admin_id bigint not null references admins (id) on delete cascade,
      key_hash text not null unique,
      key_suffix text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
}
