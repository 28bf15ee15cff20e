import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen: never edit a migration that has shipped; add a new one.
// Every write records an event in its own transaction: what webhooks will deliver, and what
// GET /api/events pages through. Ids are UUIDv7, so their order is the order events were recorded in.

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = pg ? sql`uuid` : sql`text`
  await db.schema
    .createTable('events')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('record_id', id, (c) => c.notNull())
    .addColumn('created_at', pg ? sql`timestamptz` : sql`text`, (c) => c.notNull())
    .addColumn('data', pg ? sql`jsonb` : sql`text`, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('events_workspace').on('events').columns(['workspace_id', 'id']).execute()
  await db.schema
    .createIndex('events_workspace_type')
    .on('events')
    .columns(['workspace_id', 'type', 'id'])
    .execute()
  await db.schema
    .createIndex('events_record')
    .on('events')
    .columns(['workspace_id', 'record_id', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute()
}
