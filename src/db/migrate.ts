import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely'
import * as m0001 from './migrations/0001_initial.ts'
import * as m0002 from './migrations/0002_customer_records.ts'
import * as m0003 from './migrations/0003_api_guarantees.ts'
import * as m0004 from './migrations/0004_first_contact.ts'
import * as m0005 from './migrations/0005_search.ts'
import * as m0006 from './migrations/0006_events.ts'
import * as m0007 from './migrations/0007_catalog.ts'
import * as m0008 from './migrations/0008_pricing.ts'
import * as m0009 from './migrations/0009_quotes.ts'
import type { Database } from './types.ts'

const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_customer_records': m0002,
  '0003_api_guarantees': m0003,
  '0004_first_contact': m0004,
  '0005_search': m0005,
  '0006_events': m0006,
  '0007_catalog': m0007,
  '0008_pricing': m0008,
  '0009_quotes': m0009,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

/**
 * The schema Quoin's tables go to on PostgreSQL: the first of the search path (as DATABASE_URL's
 * `options=-c search_path=…` sets it), created if it does not exist yet.
 */
async function ensureSchema(db: Kysely<Database>): Promise<string | undefined> {
  const current = (await sql<{ s: string | null }>`select current_schema() as s`.execute(db)).rows[0]?.s
  if (current) return current
  const path = (await sql<{ p: string }>`select current_setting('search_path') as p`.execute(db)).rows[0]?.p
  const first = path
    ?.split(',')
    .map((s) => s.trim())
    .find((s) => s !== '' && s !== '"$user"')
  if (!first) return undefined
  const name = first.startsWith('"') ? first.slice(1, -1).replace(/""/g, '"') : first.toLowerCase()
  await sql`create schema if not exists ${sql.id(name)}`.execute(db)
  return name
}

export interface MigrateResult {
  applied: string[]
}

export function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  return migrateTo(db)
}

/** Applies the migrations up to `target` (all of them when omitted); an upgrade test stops midway. */
export async function migrateTo(db: Kysely<Database>, target?: string): Promise<MigrateResult> {
  // On PostgreSQL, Kysely looks for its bookkeeping tables in every schema of the search path unless told
  // which one: name the current schema, so that two Quoin schemas in one database never see each other's.
  const migrationTableSchema =
    db.getExecutor().adapter instanceof PostgresAdapter ? await ensureSchema(db) : undefined
  const migrator = new Migrator({
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
    db,
    provider,
    migrationTableName: 'quoin_migrations',
    migrationLockTableName: 'quoin_migrations_lock',
  })
  const migrate = () => (target ? migrator.migrateTo(target) : migrator.migrateToLatest())
  let outcome = await migrate()
  // Kysely first lists the tables of every schema it may use: a schema that someone else drops meanwhile
  // (tests create and drop theirs all the time) fails that listing, before anything is applied. Again.
  for (let attempt = 0; attempt < 3 && isSchemaDroppedMeanwhile(outcome); attempt++) {
    outcome = await migrate()
  }
  const { error, results } = outcome
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(
      failed ? `migration ${failed.migrationName} failed: ${reason}` : `migrations failed: ${reason}`,
    )
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

// What that listing meets when another schema's tables go while it reads the catalog: the schema (3F000), a
// table (42P01) or a column (42703) it was describing. Only before any migration ran: a migration of ours
// failing with one of these is a real failure.
const DROPPED_MEANWHILE = new Set(['3F000', '42P01', '42703'])

function isSchemaDroppedMeanwhile(outcome: { error?: unknown; results?: { status: string }[] }): boolean {
  const code = (outcome.error as { code?: unknown } | undefined)?.code
  return (
    typeof code === 'string' &&
    DROPPED_MEANWHILE.has(code) &&
    !outcome.results?.some((r) => r.status === 'Error')
  )
}
