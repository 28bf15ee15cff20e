import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'

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
