import type { Kysely } from 'kysely'
import { idEquals, toWireTime } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Event, EventListQuery } from './schema.ts'

/** A page of the workspace's events, in the order they were recorded. */
export async function listEvents(
  db: Kysely<Database>,
  workspaceId: string,
  filters: EventListQuery,
): Promise<PageResult<Event>> {
  let query = db.selectFrom('events as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.type !== undefined) query = query.where('t.type', '=', filters.type)
  if (filters.record_id !== undefined) query = query.where(idEquals('t.record_id', filters.record_id))
  if (filters.since !== undefined) {
    query = query.where('t.created_at', '>=', new Date(filters.since).toISOString())
  }
  const page = await paginate(query, filters, 'created_at', listBinding('events', filters))
  return {
    ...page,
    rows: page.rows.map((row) => ({
      id: row.id,
      type: row.type,
      record_id: row.record_id,
      data: typeof row.data === 'string' ? JSON.parse(row.data) : row.data,
      created_at: toWireTime(row.created_at),
    })),
  }
}
