import { type Kysely, type RawBuilder, type Selectable, type SelectQueryBuilder, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { jsonArrayFrom, nowIso, toWireTime } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
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

/**
 * Sets `changes` on one live record of the workspace, with updated_at and `stamps` (who wrote it), when
 * one of them differs from what it holds; false when there is no such record. Writing only what differs
 * is what keeps a PATCH that sends a GET back unchanged from moving the version (the ETag) or recording an
 * event. `touch` writes (moves updated_at and the version) even so: the caller changed rows of its own.
 */
export async function updateLive(
  trx: Kysely<Database>,
  table: RecordTable,
  workspaceId: string,
  id: string,
  changes: Record<string, unknown>,
  options: { softDeleted: boolean; at?: string; stamps?: Record<string, unknown>; touch?: boolean },
): Promise<boolean> {
  const live = options.softDeleted ? sql` and deleted_at is null` : sql``
  const exists = async () => {
    const { rows } = await sql`select 1 from ${sql.table(table)}
      where workspace_id = ${workspaceId} and id = ${id}${live}`.execute(trx)
    return rows.length > 0
  }
  const columns = Object.entries(changes)
  if (columns.length === 0 && !options.touch) return exists()
  const differs = sql.join(
    columns.map(([column, value]) => sql`${sql.ref(column)} is distinct from ${value}`),
    sql` or `,
  )
  const db = trx as unknown as Kysely<Record<string, Record<string, unknown>>>
  const result = await db
    .updateTable(table)
    .set({ ...changes, ...options.stamps, updated_at: options.at ?? nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .$if(options.softDeleted, (q) => q.where('deleted_at', 'is', null))
    .$if(!options.touch, (q) => q.where(sql<boolean>`(${differs})`))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0 || (!options.touch && (await exists()))
}

/** Deletes one record of the workspace for good (its own rows go by cascade); false when there is none. */
export async function deleteRecord(
  trx: Kysely<Database>,
  table:
    | 'segments'
    | 'payment_terms'
    | 'catalogs'
    | 'categories'
    | 'taxes'
    | 'billing_frequencies'
    | 'pricebooks',
  workspaceId: string,
  id: string,
): Promise<boolean> {
  const result = await trx
    .deleteFrom(table)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/**
 * Soft-deletes one live record, as a deletion of its own unless `deletionId` names one it belongs to;
 * false when there is none.
 */
export async function softDeleteLive(
  trx: Kysely<Database>,
  table: 'customers' | 'contacts' | 'addresses',
  workspaceId: string,
  id: string,
  at: string,
  deletionId: string = uuidv7(),
): Promise<boolean> {
  const result = await trx
    .updateTable(table)
    .set({ deleted_at: at, deletion_id: deletionId })
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

/**
 * The ids of the live records of `table` whose `column` names the row aliased `parent` of the enclosing
 * query, oldest first, as one JSON array column (read back with parseJsonArray).
 */
export function liveIdsOf(
  db: Kysely<Database>,
  eb: Loose,
  table: 'contacts' | 'addresses',
  column: 'customer_id' | 'contact_id',
  parent: string,
) {
  return jsonArrayFrom(
    db,
    eb
      .selectFrom(`${table} as child`)
      .select('child.id')
      .whereRef('child.workspace_id', '=', `${parent}.workspace_id`)
      .whereRef(`child.${column}`, '=', `${parent}.id`)
      .where('child.deleted_at', 'is', null)
      .orderBy('child.created_at')
      .orderBy('child.id'),
  ) as RawBuilder<{ id: string }[] | string>
}

/** A query narrowed to the live record `p.id` of workspace `p.workspaceId`, its table aliased `alias`. */
export function whereLive<Q>(query: Q, alias: string, p: { workspaceId: string; id: string }): Q {
  return (query as Loose)
    .where(`${alias}.workspace_id`, '=', p.workspaceId)
    .where(`${alias}.id`, '=', p.id)
    .where(`${alias}.deleted_at`, 'is', null)
}

/** A store's find: one live record of the workspace by id (in any case), mapped, or undefined. */
export function finder<R, T>(
  byId: (db: Kysely<Database>, p: { workspaceId: string; id: string }) => Promise<R[]>,
  map: (row: R) => Versioned<T>,
) {
  return async (db: Kysely<Database>, workspaceId: string, id: string): Promise<Versioned<T> | undefined> => {
    const [row] = await byId(db, { workspaceId, id: id.toLowerCase() })
    return row === undefined ? undefined : map(row)
  }
}

/** The workspace's live records of `table`, aliased `t`: the soft-delete filter every list starts from. */
export function selectLive<T extends SoftDeleted>(
  db: Kysely<Database>,
  table: T,
  workspaceId: string,
): SelectQueryBuilder<Database & { t: Database[T] }, 't', Selectable<Database[T]>> {
  return (db as Loose)
    .selectFrom(`${table} as t`)
    .selectAll('t')
    .where('t.workspace_id', '=', workspaceId)
    .where('t.deleted_at', 'is', null)
}
