import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen: never edit a migration that has shipped; add a new one.
// Each workspace gets a default country, used to read national phone numbers (06 12 34 56 78 in France).
// New workspaces store invalid tax identifiers with a warning (lenient) unless they choose strict, as
// Qwoty's own examples fail their check digits. Existing workspaces keep the policy they have.

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('workspaces')
    .addColumn('default_country', 'text', (c) =>
      c.notNull().defaultTo('FR').check(sql`length(default_country) = 2`),
    )
    .execute()
  // SQLite cannot change a column's default in place: there the application always writes the policy.
  if (pg) await sql`alter table workspaces alter column tax_id_validation set default 'lenient'`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (pg) await sql`alter table workspaces alter column tax_id_validation set default 'strict'`.execute(db)
  await db.schema.alterTable('workspaces').dropColumn('default_country').execute()
}
