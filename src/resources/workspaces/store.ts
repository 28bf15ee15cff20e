import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso } from '../../db/dialect.ts'
import type { Database, TaxIdValidation } from '../../db/types.ts'

export interface NewWorkspace {
  id?: string
  name: string
  createdAt?: string
}

export async function createWorkspace(db: Kysely<Database>, input: NewWorkspace) {
  const row = { id: input.id ?? uuidv7(), name: input.name, created_at: input.createdAt ?? nowIso() }
  await db.insertInto('workspaces').values(row).execute()
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

export async function workspaceTaxIdPolicy(
  db: Kysely<Database>,
  workspaceId: string,
): Promise<TaxIdValidation> {
  const row = await db
    .selectFrom('workspaces')
    .select('tax_id_validation')
    .where('id', '=', workspaceId)
    .executeTakeFirst()
  return row?.tax_id_validation ?? 'strict'
}

/** Changes a workspace's settings; false when it does not exist. */
export async function updateWorkspace(
  db: Kysely<Database>,
  id: string,
  changes: { name?: string; taxIdValidation?: TaxIdValidation },
): Promise<boolean> {
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.taxIdValidation !== undefined ? { tax_id_validation: changes.taxIdValidation } : {}),
  }
  if (Object.keys(set).length === 0) return (await findWorkspace(db, id)) !== undefined
  const result = await db.updateTable('workspaces').set(set).where('id', '=', id).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
