import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import * as m0001 from './migrations/0001_initial.ts'
import type { Database } from './types.ts'

const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

export interface MigrateResult {
  applied: string[]
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'quoin_migrations',
    migrationLockTableName: 'quoin_migrations_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(
      failed ? `migration ${failed.migrationName} failed: ${reason}` : `migrations failed: ${reason}`,
    )
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}
