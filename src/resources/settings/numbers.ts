import { type Kysely, sql } from 'kysely'
import type { Database } from '../../db/types.ts'
import { formatNumber, type NumberReset, periodKey } from '../../domain/quote-numbers.ts'
import type { WriteContext } from '../../kernel/write.ts'

// Quote and order numbers: the workspace's pattern (domain/quote-numbers.ts) filled with a counter of
// number_counters, one row per (workspace, kind, period of reset).
//
// Never duplicated, never skipped:
// - the counter moves by one statement, an upsert (`insert … on conflict do update set value = value + 1
//   returning value`) in the write's own transaction. On PostgreSQL it holds the counter's row lock until
//   the write commits or rolls back, so the next write of the same period waits for it and then reads
//   what it committed; on SQLite the write's transaction began IMMEDIATE and holds the database's write
//   lock already, across processes too;
// - a write that rolls back (an error after the number was taken, or PostgreSQL aborting it to be run
//   again) takes its increment back with it: the next number is the one it had.
// Call it late in the write: from then on, the workspace's other writes that need a number of that period
// wait for this one to end.

export type NumberKind = 'quote' | 'order'

/** How a workspace numbers records of a kind: orders never reset and start at 1. */
export interface Numbering {
  pattern: string
  reset: NumberReset
  /** The counter of a period's first number (offsets come on top). */
  start: number
}

export async function numberingOf(
  db: Kysely<Database>,
  workspaceId: string,
  kind: NumberKind,
): Promise<Numbering> {
  const ws = await db
    .selectFrom('workspaces')
    .select([
      'quote_number_pattern',
      'quote_number_reset',
      'quote_number_reset_start',
      'order_number_pattern',
    ])
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  if (kind === 'order') return { pattern: ws.order_number_pattern, reset: 'never', start: 1 }
  const reset = ws.quote_number_reset
  return {
    pattern: ws.quote_number_pattern,
    reset,
    start: reset === 'never' ? 1 : Number(ws.quote_number_reset_start),
  }
}

/**
 * The next number of `kind` for a record made `at`, taken inside the write `w`: the counter of the period
 * `at` falls in moves on, and is given back if the write rolls back.
 */
export async function allocateNumber(w: WriteContext, kind: NumberKind, at: Date): Promise<string> {
  const { pattern, reset, start } = await numberingOf(w.trx, w.workspaceId, kind)
  const period = periodKey(reset, at)
  for (;;) {
    const { value } = await w.trx
      .insertInto('number_counters')
      .values({ workspace_id: w.workspaceId, kind, period, value: start })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'kind', 'period']).doUpdateSet({ value: sql`number_counters.value + 1` }),
      )
      .returning('value')
      .executeTakeFirstOrThrow()
    const number = formatNumber(pattern, Number(value), at)
    // A number can already be held when the pattern or the reset changed (Q-{0000} after Q-{00} gives
    // Q-0100 again, a counter restarted gives a number of its former run): the counter moves on until one is
    // free, as numbers are unique in the workspace (quotes_number, orders_number).
    if (!(await isHeld(w.trx, w.workspaceId, kind, number))) return number
  }
}

/** The number the next record of `kind` made `at` would get, read without taking it. */
export async function peekNumber(
  db: Kysely<Database>,
  workspaceId: string,
  kind: NumberKind,
  at: Date,
): Promise<string> {
  const { pattern, reset, start } = await numberingOf(db, workspaceId, kind)
  const row = await db
    .selectFrom('number_counters')
    .select('value')
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', kind)
    .where('period', '=', periodKey(reset, at))
    .executeTakeFirst()
  for (let counter = row ? Number(row.value) + 1 : start; ; counter++) {
    const number = formatNumber(pattern, counter, at)
    if (!(await isHeld(db, workspaceId, kind, number))) return number
  }
}

async function isHeld(db: Kysely<Database>, workspaceId: string, kind: NumberKind, number: string) {
  const table = kind === 'quote' ? 'quotes' : 'orders'
  const row = await db
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('number', '=', number)
    .executeTakeFirst()
  return row !== undefined
}
