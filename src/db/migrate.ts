import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely'
import * as m0001 from './migrations/0001_initial.ts'
import * as m0002 from './migrations/0002_customer_records.ts'
import * as m0003 from './migrations/0003_api_guarantees.ts'
import type { Database } from './types.ts'

const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_customer_records': m0002,
  '0003_api_guarantees': m0003,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

export interface MigrateResult {
  applied: string[]
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  // On PostgreSQL, Kysely looks for its bookkeeping tables in every schema of the search path unless told
  // which one: name the current schema, so that two Quoin schemas in one database never see each other's.
  const migrationTableSchema =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined
  const migrator = new Migrator({
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
    db,
    provider,
    migrationTableName: 'quoin_migrations',
    migrationLockTableName: 'quoin_migrations_lock',
  })
  let outcome = await migrator.migrateToLatest()
  // Kysely first lists the tables of every schema it may use: a schema that someone else drops meanwhile
  // (tests create and drop theirs all the time) fails that listing, before anything is applied. Again.
  for (let attempt = 0; attempt < 3 && isSchemaDroppedMeanwhile(outcome.error); attempt++) {
    outcome = await migrator.migrateToLatest()
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

function isSchemaDroppedMeanwhile(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '3F000'
}
