import { sql, type Kysely } from 'kysely';

/**
 * Call-center instances (I1–I6): instances, their agents and skill groups (many-to-many with a
 * level), IVR flows with versions, and which flow each number is bound to (at most one: I3).
 * The instance ids that numbers and applications already carried become references to instances;
 * the ids they held before named none (there were no instances), so they are cleared.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instances')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // I1: URL-safe, globally unique, immutable
    .addColumn('access_slug', 'text', (c) => c.notNull().unique().check(sql`access_slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // I1: one instance per number, also when two creates race; null once the number went back to
    // stock (term and grace over, unsubscribed): the instance runs on without it
    .addColumn('number_id', 'uuid', (c) => c.unique().references('numbers.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('CREATING','RUNNING','FAILED')`))
    .addColumn('failure_reason', 'text')
    .addColumn('provision_due_at', 'timestamptz')
    // I5
    .addColumn('analysis_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('running_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('instances_tenant_name', ['tenant_id', 'name'])
    .execute();
  await db.schema.createIndex('instances_tenant_idx').on('instances').columns(['tenant_id', 'created_at']).execute();
  await db.schema
    .createIndex('instances_creating_due_idx')
    .on('instances')
    .column('provision_due_at')
    .where(sql<boolean>`status = 'CREATING'`)
    .execute();

  await db.schema
    .createTable('skill_groups')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('instance_id', 'uuid', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('media_type', 'text', (c) => c.notNull().check(sql`media_type in ('VOICE','CHAT','TASK')`))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('skill_groups_instance_name', ['instance_id', 'name'])
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('instance_id', 'uuid', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('agent_number', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('ADMIN','AGENT')`))
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('OFFLINE').check(sql`status in ('OFFLINE','READY','RINGING','TALKING','AFTER_CALL_WORK','BREAK')`),
    )
    .addColumn('status_reason', 'text')
    .addColumn('status_since', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('agents_instance_number', ['instance_id', 'agent_number'])
    .addCheckConstraint('agents_break_reason', sql`(status = 'BREAK') = (status_reason is not null)`)
    .execute();
  await db.schema.createIndex('agents_instance_idx').on('agents').columns(['instance_id', 'status']).execute();
  await db.schema
    .createIndex('agents_instance_user_idx')
    .on('agents')
    .columns(['instance_id', 'user_id'])
    .unique()
    .where('user_id', 'is not', null)
    .execute();

  await db.schema
    .createTable('agent_skills')
    .addColumn('agent_id', 'uuid', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('skill_group_id', 'uuid', (c) => c.notNull().references('skill_groups.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('instance_id', 'uuid', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    // lower is stronger (1 = primary skill)
    .addColumn('level', 'integer', (c) => c.notNull().check(sql`level between 1 and 10`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_skills_pk', ['agent_id', 'skill_group_id'])
    .execute();
  await db.schema.createIndex('agent_skills_group_idx').on('agent_skills').columns(['skill_group_id', 'agent_id']).execute();

  await db.schema
    .createTable('ivr_flows')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('instance_id', 'uuid', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    // the newest saved version is the draft; calls use the published one
    .addColumn('latest_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published_version', 'integer')
    .addColumn('published_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('ivr_flows_instance_name', ['instance_id', 'name'])
    .addCheckConstraint('ivr_flows_published_saved', sql`published_version is null or published_version <= latest_version`)
    .execute();

  await db.schema
    .createTable('ivr_flow_versions')
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('ivr_flows.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('ivr_flow_versions_pk', ['flow_id', 'version'])
    .execute();

  // I3: a number is bound to at most one flow (the primary key), a flow has many numbers
  await db.schema
    .createTable('flow_numbers')
    .addColumn('number_id', 'uuid', (c) => c.primaryKey().references('numbers.id').onDelete('cascade'))
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('ivr_flows.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('instance_id', 'uuid', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('bound_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flow_numbers_flow_idx').on('flow_numbers').columns(['flow_id', 'bound_at']).execute();

  for (const table of ['numbers', 'number_applications']) {
    // no instance existed before this migration: every id it held names none
    await sql`update ${sql.table(table)} set instance_id = null where instance_id is not null`.execute(db);
    await sql`alter table ${sql.table(table)} alter column instance_id type uuid using instance_id::uuid`.execute(db);
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_instance_fk`)}
      foreign key (instance_id) references instances (id) on delete set null`.execute(db);
  }
  await db.schema.createIndex('numbers_instance_idx').on('numbers').column('instance_id').where('instance_id', 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('numbers_instance_idx').execute();
  for (const table of ['numbers', 'number_applications']) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_instance_fk`)}`.execute(db);
    await sql`alter table ${sql.table(table)} alter column instance_id type text`.execute(db);
  }
  for (const t of ['flow_numbers', 'ivr_flow_versions', 'ivr_flows', 'agent_skills', 'agents', 'skill_groups', 'instances']) {
    await db.schema.dropTable(t).execute();
  }
}
