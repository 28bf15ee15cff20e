import { type Kysely, sql } from 'kysely'
import type { Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'

// The ranks of a pricing table's rows: 1..n among the children of one parent (a quote's sections, a
// section's phases, a phase's line items), with no gap and no duplicate after every operation. A row's
// neighbours move by one UPDATE that shifts a whole range (rank = rank ± 1): no index is unique on
// (parent, rank), so a shift never collides with itself half-way. The caller holds the quote's lock (every
// write of a quote's table locks the quote first), so no other write moves the same ranks meanwhile.
// Parents are given by id only: callers have found them in the workspace's quote before.

export type RankedTable = 'quote_sections' | 'quote_phases' | 'quote_lines'

/** The column that names the parent of a row of each ranked table. */
export const PARENT_COLUMN = {
  quote_sections: 'quote_id',
  quote_phases: 'section_id',
  quote_lines: 'phase_id',
} as const satisfies Record<RankedTable, string>

const where = (table: RankedTable, parent: string) => sql`${sql.ref(PARENT_COLUMN[table])} = ${parent}`

/** A rank a request asks for: a whole number from 1; one beyond the end means the end. */
function checkRank(rank: number, field: string): void {
  if (!Number.isInteger(rank) || rank < 1) {
    throw new ApiError('validation_failed', 'Validation error', [`Field '${field}' must be >= 1`])
  }
}

/** How many children `parent` has. */
export async function countChildren(
  trx: Kysely<Database>,
  table: RankedTable,
  parent: string,
): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}
    where ${where(table, parent)}`.execute(trx)
  return Number(rows[0]?.n ?? 0)
}

async function rankOf(
  trx: Kysely<Database>,
  table: RankedTable,
  parent: string,
  id: string,
): Promise<number> {
  const { rows } = await sql<{ rank: number }>`select rank from ${sql.table(table)}
    where id = ${id} and ${where(table, parent)}`.execute(trx)
  const row = rows[0]
  if (!row) throw new Error(`${table} ${id} is not a child of ${parent}`)
  return Number(row.rank)
}

/**
 * Opens a place at `rank` among `parent`'s children (shifting those from there down by one) and returns the
 * rank the new row must take: the end when `rank` is omitted or beyond the end; below 1 is a 400 naming
 * `field`.
 */
export async function insertAt(
  trx: Kysely<Database>,
  table: RankedTable,
  parent: string,
  rank?: number,
  field = 'rank',
): Promise<number> {
  if (rank !== undefined) checkRank(rank, field)
  const n = await countChildren(trx, table, parent)
  if (rank === undefined || rank > n) return n + 1
  await sql`update ${sql.table(table)} set rank = rank + 1
    where ${where(table, parent)} and rank >= ${rank}`.execute(trx)
  return rank
}

/**
 * Moves the row `id` to `rank` among its siblings (the last place when beyond the end); those between its
 * old and new place shift by one toward the place it left. Returns the rank it took.
 */
export async function moveTo(
  trx: Kysely<Database>,
  table: RankedTable,
  parent: string,
  id: string,
  rank: number,
  field = 'rank',
): Promise<number> {
  checkRank(rank, field)
  const from = await rankOf(trx, table, parent, id)
  const to = Math.min(rank, await countChildren(trx, table, parent))
  if (to === from) return to
  const t = sql.table(table)
  if (to < from) {
    await sql`update ${t} set rank = rank + 1
      where ${where(table, parent)} and rank >= ${to} and rank < ${from}`.execute(trx)
  } else {
    await sql`update ${t} set rank = rank - 1
      where ${where(table, parent)} and rank > ${from} and rank <= ${to}`.execute(trx)
  }
  await sql`update ${t} set rank = ${to} where id = ${id}`.execute(trx)
  return to
}

/**
 * Moves the row `id` from parent `from` to parent `to`, at `rank` there (the end when omitted or beyond
 * it): a place opens in the new parent and the gap closes in the old one. Within one parent it is moveTo,
 * or nothing without a rank. Returns the rank it took.
 */
export async function moveAcross(
  trx: Kysely<Database>,
  table: RankedTable,
  from: string,
  to: string,
  id: string,
  rank?: number,
  field = 'rank',
): Promise<number> {
  if (from === to) {
    return rank === undefined ? rankOf(trx, table, from, id) : moveTo(trx, table, from, id, rank, field)
  }
  const old = await rankOf(trx, table, from, id)
  const place = await insertAt(trx, table, to, rank, field)
  await sql`update ${sql.table(table)} set ${sql.ref(PARENT_COLUMN[table])} = ${to}, rank = ${place}
    where id = ${id}`.execute(trx)
  await closeGap(trx, table, from, old)
  return place
}

/** Closes the gap a row that left `parent` at `rank` made: the children after it move up by one. */
export async function closeGap(
  trx: Kysely<Database>,
  table: RankedTable,
  parent: string,
  rank: number,
): Promise<void> {
  await sql`update ${sql.table(table)} set rank = rank - 1
    where ${where(table, parent)} and rank > ${rank}`.execute(trx)
}
