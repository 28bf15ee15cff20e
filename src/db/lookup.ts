// A list narrowed by a selective condition (an exact filter, a search with few matches) should find its rows
// through that condition's index, then sort the few it found. SQLite, without statistics, believes that
// `workspace_id = ?` keeps about ten rows, so it walks the index that orders the page and tests every row of
// the workspace instead: a million rows for one match. Naming the rows by the page's own sort key makes the
// lookup the cheaper plan in its eyes too, with or without statistics (EXPLAIN QUERY PLAN: `SEARCH t USING
// INDEX <table>_workspace_created (workspace_id=? AND created_at=? AND id=?)`, fed by the condition's index).
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely'
import { isPostgres } from './dialect.ts'
import type { Database } from './types.ts'

export type ListTable = 'customers' | 'contacts' | 'segments' | 'products'
export type SortColumn = 'created_at' | 'updated_at'

/**
 * The rows of the list's table (aliased `alias`, sorted by `sort`) that `condition` keeps: a condition on
 * that table's own columns, unqualified, which an index of its own serves.
 */
export function rowsWhere(
  db: Kysely<Database>,
  table: ListTable,
  condition: Expression<SqlBool>,
  sort: SortColumn = 'created_at',
  alias = 't',
): Expression<SqlBool> {
  const t = sql.ref(alias)
  const from = sql.table(table)
  if (isPostgres(db)) return sql<SqlBool>`${t}.id in (select id from ${from} where ${condition})`
  const key = sql.ref(sort)
  return sql<SqlBool>`(${t}.${key}, ${t}.id) in (select ${key}, id from ${from} where ${condition})`
}
