import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso, toWireTime } from '../db/dialect.ts'
import type { Database, Timestamp } from '../db/types.ts'
import type { RecordTable, Versioned } from './resource.ts'

// The store shapes every resource repeats. Stores signal "not found" one way: a read answers undefined,
// a write answers false; the kernel's routes turn either into the resource's 404.

/** A record's wire object with the version its ETag is made of. */
export function versioned<T>(value: T, version: number): Versioned<T> {
  return { value, version }
}

/** A row's timestamps as the wire shows them. */
export function stamps(row: { created_at: Date | string; updated_at: Date | string }) {
  return { created_at: toWireTime(row.created_at), updated_at: toWireTime(row.updated_at) }
}

type Stamped = { created_at: Timestamp; updated_at: Timestamp }

export type { Stamped }

/**
 * Sets `changes` (and updated_at) on one live record of the workspace; false when there is none. With no
 * change at all, only says whether the record is there.
 */
export async function updateLive(
  trx: Kysely<Database>,
  table: RecordTable,
  workspaceId: string,
  id: string,
  changes: Record<string, unknown>,
  options: { softDeleted: boolean; at?: string },
): Promise<boolean> {
  const live = options.softDeleted ? sql` and deleted_at is null` : sql``
  if (Object.keys(changes).length === 0) {
    const { rows } = await sql`select 1 from ${sql.table(table)}
      where workspace_id = ${workspaceId} and id = ${id}${live}`.execute(trx)
    return rows.length > 0
  }
  const db = trx as unknown as Kysely<Record<string, Record<string, unknown>>>
  const result = await db
    .updateTable(table)
    .set({ ...changes, updated_at: options.at ?? nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .$if(options.softDeleted, (q) => q.where('deleted_at', 'is', null))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Soft-deletes one live record as a deletion of its own; false when there is none. */
export async function softDeleteLive(
  trx: Kysely<Database>,
  table: 'customers' | 'contacts' | 'addresses',
  workspaceId: string,
  id: string,
  at: string,
): Promise<boolean> {
  const result = await trx
    .updateTable(table)
    .set({ deleted_at: at, deletion_id: uuidv7() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

type SoftDeleted = 'customers' | 'contacts' | 'addresses'
/** Query builders over a table chosen at run time; the callers' signatures carry the types. */
// biome-ignore lint/suspicious/noExplicitAny: the table is one of SoftDeleted, whose columns the signatures check
type Loose = any

/** The live records of `table` whose `column` names `parentId` (a customer's contacts), oldest first. */
export function liveChildren<T extends SoftDeleted>(
  db: Kysely<Database>,
  table: T,
  workspaceId: string,
  column: keyof Database[T] & string,
  parentId: string,
): Promise<Selectable<Database[T]>[]> {
  return (db as Loose)
    .selectFrom(table)
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where(column, '=', parentId.toLowerCase())
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** Some columns of one live record of `table`, or undefined. */
export function liveRow<T extends SoftDeleted, C extends keyof Selectable<Database[T]> & string>(
  db: Kysely<Database>,
  table: T,
  workspaceId: string,
  id: string,
  columns: readonly C[],
): Promise<Pick<Selectable<Database[T]>, C> | undefined> {
  return (db as Loose)
    .selectFrom(table)
    .select(columns)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
}
