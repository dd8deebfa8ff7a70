import { sql, type Kysely } from 'kysely';

/**
 * Calls and CDRs (C1, C2, P9). `calls` holds the live state of each call (one row per switch call
 * id and tenant); `call_events` and `cdrs` are partitioned by month (declarative range partitions
 * on the event time and the call's end time): a 31-day query reads two partitions at most, and
 * retention drops whole partitions instead of deleting rows (modules/calls/calls.partitions.ts
 * creates them ahead and drops the old ones).
 *
 * A unique key of a partitioned table must contain the partition key, and a repeated report may
 * carry another timestamp: the switch's event ids are made unique in the small non-partitioned
 * `call_event_ids` (primary key (tenant, switch event id)), emptied by retention like the rest.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.references('privacy_apps.id').onDelete('set null'))
    .addColumn('instance_id', 'uuid', (c) => c.references('instances.id').onDelete('set null'))
    .addColumn('binding_id', 'uuid', (c) => c.references('privacy_bindings.id').onDelete('set null'))
    .addColumn('number_id', 'uuid', (c) => c.references('numbers.id').onDelete('set null'))
    .addColumn('switch_call_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('IN','OUT')`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('RINGING','QUEUED','TALKING','ENDED')`))
    .addColumn('x_e164', 'text', (c) => c.notNull())
    .addColumn('caller_e164', 'text')
    .addColumn('called_e164', 'text')
    .addColumn('callee_e164', 'text')
    .addColumn('user_data', 'text')
    .addColumn('skill_group_id', 'uuid', (c) => c.references('skill_groups.id').onDelete('set null'))
    .addColumn('agent_id', 'uuid', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('call_in_at', 'timestamptz')
    .addColumn('forward_start_at', 'timestamptz')
    .addColumn('queued_at', 'timestamptz')
    .addColumn('alerting_at', 'timestamptz')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('failure_reason', 'text')
    .addColumn('recording_url', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('calls_switch_call', ['tenant_id', 'switch_call_id'])
    .execute();
  await db.schema.createIndex('calls_live_tenant_idx').on('calls').columns(['tenant_id', 'created_at']).where(sql<boolean>`state <> 'ENDED'`).execute();
  await db.schema.createIndex('calls_live_app_idx').on('calls').columns(['app_id', 'created_at']).where(sql<boolean>`state <> 'ENDED'`).execute();
  await db.schema.createIndex('calls_live_instance_idx').on('calls').columns(['instance_id', 'created_at']).where(sql<boolean>`state <> 'ENDED'`).execute();
  await db.schema.createIndex('calls_ended_idx').on('calls').column('ended_at').where(sql<boolean>`ended_at is not null`).execute();

  await sql`
    create table call_events (
      id uuid not null default gen_random_uuid(),
      tenant_id uuid not null,
      app_id uuid,
      instance_id uuid,
      call_id uuid not null,
      switch_event_id text not null,
      type text not null check (type in ('CALLIN','CALLOUT','QUEUED','ALERTING','ANSWER','DISCONNECT')),
      occurred_at timestamptz not null,
      received_at timestamptz not null,
      payload jsonb not null default '{}',
      primary key (id, occurred_at)
    ) partition by range (occurred_at)`.execute(db);
  await sql`create index call_events_call_idx on call_events (call_id, occurred_at)`.execute(db);
  await sql`create index call_events_tenant_idx on call_events (tenant_id, occurred_at)`.execute(db);

  await db.schema
    .createTable('call_event_ids')
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('switch_event_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_event_ids_pk', ['tenant_id', 'switch_event_id'])
    .execute();
  await db.schema.createIndex('call_event_ids_occurred_idx').on('call_event_ids').column('occurred_at').execute();

  await sql`
    create table cdrs (
      id uuid not null default gen_random_uuid(),
      tenant_id uuid not null,
      app_id uuid,
      instance_id uuid,
      binding_id uuid,
      call_id uuid not null,
      switch_call_id text not null,
      switch_event_id text not null,
      x_e164 text not null,
      caller_e164 text,
      called_e164 text,
      callee_e164 text,
      user_data text,
      call_in_at timestamptz,
      forward_start_at timestamptz,
      alerting_at timestamptz,
      answered_at timestamptz,
      ended_at timestamptz not null,
      failure_reason text,
      recording_url text,
      recording_for_analysis boolean not null default false,
      billable_minutes integer not null check (billable_minutes >= 0),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (id, ended_at)
    ) partition by range (ended_at)`.execute(db);
  for (const [name, cols] of [
    ['cdrs_tenant_idx', 'tenant_id, created_at'],
    ['cdrs_app_idx', 'app_id, created_at'],
    ['cdrs_instance_idx', 'instance_id, created_at'],
    ['cdrs_binding_idx', 'binding_id, created_at'],
    ['cdrs_call_idx', 'call_id'],
    ['cdrs_x_idx', 'x_e164, ended_at'],
    ['cdrs_caller_idx', 'caller_e164, ended_at'],
    ['cdrs_callee_idx', 'callee_e164, ended_at'],
  ] as const)
    await sql`create index ${sql.raw(name)} on cdrs (${sql.raw(cols)})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['cdrs', 'call_event_ids', 'call_events', 'calls']) await db.schema.dropTable(t).execute();
}
