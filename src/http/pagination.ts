import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { SelectQueryBuilder } from 'kysely'
import Type, { type TSchema } from 'typebox'
import { toStoredTime } from '../db/dialect.ts'
import type { SortColumn } from '../db/lookup.ts'
import { isUuid } from '../domain/ids.ts'
import { ApiError } from './errors.ts'
import { Nullable } from './schemas.ts'

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000

/** The query parameters every list takes; a resource's list adds its filters. */
export const PageParams = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      description: `Page size, 1 to ${MAX_LIMIT}; ${DEFAULT_LIMIT} when omitted`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'The next_cursor of the previous page' }),
  ),
}

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    success: Type.Literal(true),
    data: Type.Array(item),
    has_more: Type.Boolean({ description: 'Whether another page follows' }),
    next_cursor: Nullable(
      Type.String({ description: 'Pass as ?cursor= to get the next page; null on the last page' }),
    ),
  })
}

export interface PageRequest {
  limit?: number
  cursor?: string
}

export interface PageResult<R> {
  rows: R[]
  has_more: boolean
  next_cursor: string | null
}

/** A page as every list answers it. */
export function pageBody<R>(page: PageResult<R>) {
  return { success: true as const, data: page.rows, has_more: page.has_more, next_cursor: page.next_cursor }
}

/** The query parameters of a list Qwoty documents as a whole list: a page only when asked for one. */
export const WholeListParams = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      description:
        `Page size, 1 to ${MAX_LIMIT}. Without limit or cursor the answer holds every record, as Qwoty's ` +
        'docs show this list, with has_more false',
    }),
  ),
  cursor: PageParams.cursor,
}

const WHOLE_LIST_BATCH = 500

/**
 * Answers a list Qwoty documents as a whole: with `limit` or `cursor`, one page as every list; without,
 * every record, read a batch at a time and streamed, so memory stays flat however many there are.
 */
export async function answerWholeList<R>(
  reply: FastifyReply,
  page: PageRequest,
  fetch: (page: PageRequest) => Promise<PageResult<R>>,
) {
  if (page.limit !== undefined || page.cursor !== undefined) return pageBody(await fetch(page))
  const first = await fetch({ limit: WHOLE_LIST_BATCH })
  if (!first.has_more) return pageBody(first)
  return reply.type('application/json; charset=utf-8').send(Readable.from(everyRecord(first, fetch)))
}

async function* everyRecord<R>(first: PageResult<R>, fetch: (page: PageRequest) => Promise<PageResult<R>>) {
  yield '{"success":true,"data":['
  let page = first
  let separator = ''
  for (;;) {
    let chunk = ''
    // Rows are the wire objects their mapper built, keys in the documented order.
    for (const row of page.rows) {
      chunk += separator + JSON.stringify(row)
      separator = ','
    }
    yield chunk
    if (!page.has_more || page.next_cursor === null) break
    page = await fetch({ limit: WHOLE_LIST_BATCH, cursor: page.next_cursor })
  }
  yield '],"has_more":false,"next_cursor":null}'
}

interface Position {
  /** The sort the cursor belongs to: a cursor of one order is refused by another. */
  s: SortColumn
  /** The sort column's value of the last row given, as stored: ISO 8601 UTC with milliseconds. */
  v: string
  id: string
  /** The list and filters the cursor belongs to (see listBinding). */
  b: string
}

/**
 * What binds a cursor to the list it came from: a short hash of the list's name and its filters (every
 * query parameter but limit and cursor, in a canonical order). A cursor replayed on another list, or with
 * other filters, would silently skip or repeat records; it is refused instead.
 */
export function listBinding(list: string, filters: object = {}): string {
  const canonical = Object.entries(filters)
    .filter(([key, value]) => key !== 'limit' && key !== 'cursor' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return createHash('sha256')
    .update(JSON.stringify([list, canonical]))
    .digest('base64url')
    .slice(0, 12)
}

function encode(position: Position): string {
  return Buffer.from(
    JSON.stringify({ s: position.s, v: position.v, id: position.id, b: position.b }),
  ).toString('base64url')
}

const BASE64URL = /^[A-Za-z0-9_-]+$/
const STORED_TIME = /^(\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
// Timestamps are written by the server (nowIso): a cursor's lies in years both databases store alike.
const MIN_YEAR = 1970
const MAX_YEAR = 9999
const SORTS: readonly string[] = ['created_at', 'updated_at']

/** A stored timestamp as the server writes it, a real instant in the range stored; checked to the letter. */
function isStoredTime(value: unknown): value is string {
  if (typeof value !== 'string') return false
  const match = STORED_TIME.exec(value)
  if (!match) return false
  const year = Number(match[1])
  if (year < MIN_YEAR || year > MAX_YEAR) return false
  const time = Date.parse(value)
  // Date.parse accepts 2026-02-30; its ISO form would then differ.
  return !Number.isNaN(time) && new Date(time).toISOString() === value
}

/** The position a cursor names, or undefined unless it is exactly what encode gives. */
function parseCursor(cursor: string): Position | undefined {
  if (!BASE64URL.test(cursor)) return undefined
  let p: unknown
  try {
    p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined
  const keys = Object.keys(p).sort()
  if (keys.join(',') !== 'b,id,s,v') return undefined
  const { s, v, id, b } = p as Record<string, unknown>
  if (typeof s !== 'string' || !SORTS.includes(s)) return undefined
  // Ids are stored lower-case, and compared as stored.
  if (typeof id !== 'string' || !isUuid(id) || id !== id.toLowerCase()) return undefined
  if (typeof b !== 'string' || !BASE64URL.test(b) || b.length !== 12) return undefined
  if (!isStoredTime(v)) return undefined
  const position = { s: s as SortColumn, v, id, b }
  // Key order, spacing, escapes and padding too: a cursor is exactly what this server gave.
  return encode(position) === cursor ? position : undefined
}

function decode(cursor: string, sort: SortColumn, binding: string): Position {
  const position = parseCursor(cursor)
  if (!position) {
    throw new ApiError(
      'invalid_parameter',
      "Query parameter 'cursor' is not a cursor this list gave: pass the next_cursor of the previous page as it is",
    )
  }
  if (position.b !== binding || position.s !== sort) {
    throw new ApiError(
      'invalid_parameter',
      "Query parameter 'cursor' belongs to another list or other filters: start again without it",
    )
  }
  return position
}

/**
 * Keyset pagination over (sort column, id): stable while rows are added or removed, and page 1,000 costs
 * what page 1 costs. The query must select `id` and the sort column of its main table, aliased `t`.
 */
export async function paginate<DB, TB extends keyof DB, R extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, R>,
  page: PageRequest,
  sort: SortColumn,
  /** listBinding(list, filters): the cursors given belong to this list and filters only. */
  binding: string,
): Promise<PageResult<R>> {
  const limit = page.limit ?? DEFAULT_LIMIT
  // biome-ignore lint/suspicious/noExplicitAny: the column names are checked by the callers' table types
  let q = query as SelectQueryBuilder<any, any, R>
  if (page.cursor) {
    const at = decode(page.cursor, sort, binding)
    // A row-value comparison: both databases start the index range there (an OR of the two cases made
    // SQLite walk the index from the first row, so a deep page cost its depth).
    q = q.where((eb) => eb(eb.refTuple(`t.${sort}`, 't.id'), '>', eb.tuple(at.v, at.id)))
  }
  const rows = await q
    .orderBy(`t.${sort}`)
    .orderBy('t.id')
    .limit(limit + 1)
    .execute()
  const has_more = rows.length > limit
  if (has_more) rows.pop()
  const last = rows.at(-1) as (R & Record<SortColumn, Date | string>) | undefined
  return {
    rows,
    has_more,
    next_cursor:
      has_more && last ? encode({ s: sort, v: toStoredTime(last[sort]), id: last.id, b: binding }) : null,
  }
}
