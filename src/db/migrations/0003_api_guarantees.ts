import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen: never edit a migration that has shipped; add a new one.
// A per-record version that every UPDATE bumps (by trigger, so no write path can forget it): it is the
// ETag. And the responses kept for Idempotency-Key retries.

const VERSIONED = ['customers', 'contacts', 'addresses', 'segments']

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = pg ? sql`uuid` : sql`text`
  const ts = pg ? sql`timestamptz` : sql`text`

  if (pg) {
    await sql`create or replace function quoin_bump_version() returns trigger language plpgsql as $$
      begin
        new.version := old.version + 1;
        return new;
      end
    $$`.execute(db)
  }
  for (const table of VERSIONED) {
    await db.schema
      .alterTable(table)
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute()
    const trigger = sql.raw(`${table}_bump_version`)
    const t = sql.raw(table)
    if (pg) {
      await sql`create trigger ${trigger} before update on ${t}
        for each row execute function quoin_bump_version()`.execute(db)
    } else {
      // SQLite triggers cannot assign NEW; the nested update does not fire the trigger again.
      await sql`create trigger ${trigger} after update on ${t}
        for each row when new.version = old.version
        begin update ${t} set version = old.version + 1 where id = new.id; end`.execute(db)
    }
  }

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('workspace_id', id, (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('response', 'text')
    .addColumn('etag', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['workspace_id', 'key'])
    .execute()
  await db.schema
    .createIndex('idempotency_keys_created')
    .on('idempotency_keys')
    .column('created_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.dropTable('idempotency_keys').execute()
  for (const table of VERSIONED) {
    await sql`drop trigger ${sql.raw(`${table}_bump_version`)}${pg ? sql` on ${sql.raw(table)}` : sql``}`.execute(
      db,
    )
    await db.schema.alterTable(table).dropColumn('version').execute()
  }
  if (pg) await sql`drop function quoin_bump_version()`.execute(db)
}
