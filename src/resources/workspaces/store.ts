import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { inTransaction, nowIso } from '../../db/dialect.ts'
import type { Database, TaxIdValidation } from '../../db/types.ts'
import { seedWorkspace } from './defaults.ts'

/** The settings a new workspace starts with (its records: see defaults.ts): Qwoty's own examples pass (lenient), phones are read as French. */
export const DEFAULT_SETTINGS: WorkspaceSettings = { tax_id_validation: 'lenient', default_country: 'FR' }

export interface WorkspaceSettings {
  tax_id_validation: TaxIdValidation
  default_country: string
}

export interface NewWorkspace {
  id?: string
  name: string
  createdAt?: string
  settings?: Partial<WorkspaceSettings>
}

export async function createWorkspace(db: Kysely<Database>, input: NewWorkspace) {
  const row = {
    id: input.id ?? uuidv7(),
    name: input.name,
    created_at: input.createdAt ?? nowIso(),
    ...DEFAULT_SETTINGS,
    ...input.settings,
  }
  const write = async (trx: Kysely<Database>) => {
    await trx.insertInto('workspaces').values(row).execute()
    await seedWorkspace(trx, row.id, row.created_at)
  }
  await inTransaction(db, write)
  return row
}

export async function findWorkspace(db: Kysely<Database>, id: string) {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function countWorkspaces(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('workspaces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The settings that shape how the workspace's writes are checked. */
export async function workspaceSettings(
  db: Kysely<Database>,
  workspaceId: string,
): Promise<WorkspaceSettings> {
  const row = await db
    .selectFrom('workspaces')
    .select(['tax_id_validation', 'default_country'])
    .where('id', '=', workspaceId)
    .executeTakeFirst()
  return row ?? DEFAULT_SETTINGS
}

export interface WorkspaceChanges {
  name?: string
  taxIdValidation?: TaxIdValidation
  defaultCountry?: string
}

/** Changes a workspace's settings; false when it does not exist. */
export async function updateWorkspace(
  db: Kysely<Database>,
  id: string,
  changes: WorkspaceChanges,
): Promise<boolean> {
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.taxIdValidation !== undefined ? { tax_id_validation: changes.taxIdValidation } : {}),
    ...(changes.defaultCountry !== undefined ? { default_country: changes.defaultCountry } : {}),
  }
  if (Object.keys(set).length === 0) return (await findWorkspace(db, id)) !== undefined
  const result = await db.updateTable('workspaces').set(set).where('id', '=', id).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
