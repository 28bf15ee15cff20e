import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'

/** Removes for good, in every workspace, the records of `table` deleted before `before`; returns how many. */
export async function purgeDeleted(
  db: Kysely<Database>,
  table: 'customers' | 'contacts' | 'addresses',
  before: Date,
): Promise<number> {
  const result = await db.deleteFrom(table).where('deleted_at', '<', before.toISOString()).executeTakeFirst()
  return Number(result.numDeletedRows)
}
