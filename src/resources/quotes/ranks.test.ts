import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { createTestDatabase, insertCustomer, nextInstant, type TestDatabase } from '../../../test/helpers.ts'
import { connect, type Db } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { ApiError } from '../../http/errors.ts'
import { createWorkspace } from '../workspaces/store.ts'
import { closeGap, insertAt, moveAcross, moveTo, PARENT_COLUMN, type RankedTable } from './ranks.ts'

// Random sequences of inserts, moves within and across parents and deletes, run on the database and on an
// array per parent: after each, the ranks of every parent are 1..n and its rows stand in the array's order.

let database: TestDatabase
let db: Db
let workspaceId: string
/** Two parents of each table's rows: two quotes, two sections, two phases. */
const parents = {} as Record<RankedTable, [string, string]>
let fixedQuote: string

before(async () => {
  database = await createTestDatabase()
  db = connect(database.url)
  await migrateToLatest(db.kysely)
  workspaceId = (await createWorkspace(db.kysely, { name: 'Ranks' })).id
  const customer = await insertCustomer(db, workspaceId)
  const currency = await db.kysely
    .selectFrom('currencies')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  const pricebook = await db.kysely
    .selectFrom('pricebooks')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  const quotes: string[] = []
  for (const number of ['Q-1', 'Q-2', 'Q-3']) {
    const at = nextInstant()
    const id = uuidv7()
    quotes.push(id)
    await db.kysely
      .insertInto('quotes')
      .values({
        id,
        workspace_id: workspaceId,
        number,
        status: 'draft',
        issue_date: at,
        currency_id: currency.id,
        currency: 'EUR',
        customer_id: customer.id,
        pricebook_id: pricebook.id,
        snapshot: '{}',
        summary: '{}',
        contact_ids: '[]',
        custom_properties: '{}',
        payment_schedule: '[]',
        net_amount: '0',
        tax_amount: '0',
        total_amount: '0',
        is_prices_hidden: 0,
        language: 'en',
        created_at: at,
        updated_at: at,
      })
      .execute()
  }
  // The sections under test live in two quotes of their own; the first quote holds the parents of the others.
  parents.quote_sections = [quotes[1]!, quotes[2]!]
  fixedQuote = quotes[0]!
  parents.quote_phases = [
    await insertRow('quote_sections', fixedQuote, 1),
    await insertRow('quote_sections', fixedQuote, 2),
  ]
  // The phases that parent the lines sit in a third section, out of the phases' test's reach.
  const third = await insertRow('quote_sections', fixedQuote, 3)
  parents.quote_lines = [await insertRow('quote_phases', third, 1), await insertRow('quote_phases', third, 2)]
})
after(async () => {
  await db.close()
  await database.drop()
})

/** Inserts a row of `table` under `parent` at `rank`, with what its other columns need. */
async function insertRow(table: RankedTable, parent: string, rank: number, trx = db.kysely): Promise<string> {
  const id = uuidv7()
  const at = nextInstant()
  const base = { id, workspace_id: workspaceId, rank, created_at: at, updated_at: at }
  const quoteId = fixedQuote
  if (table === 'quote_sections') {
    await trx
      .insertInto(table)
      .values({ ...base, quote_id: parent, type: 'standard', name: 'S' })
      .execute()
  } else if (table === 'quote_phases') {
    await trx
      .insertInto(table)
      .values({ ...base, quote_id: quoteId, section_id: parent, name: 'P' })
      .execute()
  } else {
    const zero = '0'
    await trx
      .insertInto(table)
      .values({
        ...base,
        quote_id: quoteId,
        phase_id: parent,
        product_id: uuidv7(),
        product: '{}',
        price: '{}',
        pricing_model: 'per_unit',
        quantity: '1',
        unit_price: zero,
        list_amount: zero,
        discount_amount: zero,
        subtotal_amount: zero,
        document_discount_amount: zero,
        net_amount: zero,
        tax_amount: zero,
        total_amount: zero,
      })
      .execute()
  }
  return id
}

async function children(table: RankedTable, parent: string): Promise<{ id: string; rank: number }[]> {
  const { rows } = await sql<{ id: string; rank: number }>`select id, rank from ${sql.table(table)}
    where ${sql.ref(PARENT_COLUMN[table])} = ${parent} order by rank, id`.execute(db.kysely)
  return rows.map((r) => ({ id: String(r.id), rank: Number(r.rank) }))
}

type Op =
  | { kind: 'insert'; p: 0 | 1; rank: number | undefined }
  | { kind: 'move'; p: 0 | 1; i: number; rank: number }
  | { kind: 'across'; p: 0 | 1; i: number; rank: number | undefined }
  | { kind: 'delete'; p: 0 | 1; i: number }

const side = fc.constantFrom<0 | 1>(0, 1)
// Ranks from -1 (refused) to past the end of most lists.
const rank = fc.integer({ min: -1, max: 9 })
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      p: side,
      rank: fc.option(rank, { nil: undefined }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('move' as const), p: side, i: fc.nat(20), rank }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('across' as const),
      p: side,
      i: fc.nat(20),
      rank: fc.option(rank, { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), p: side, i: fc.nat(20) }) },
)

/** How many rows each parent starts with: moves need a few to move among. */
const start = fc.tuple(fc.nat(6), fc.nat(6))

/** Where a rank the model is asked for puts a row among n: undefined or past the end is the end. */
const place = (rank: number | undefined, n: number) => (rank === undefined || rank > n ? n + 1 : rank)

async function apply(table: RankedTable, model: [string[], string[]], o: Op): Promise<void> {
  const pair = parents[table]
  const list = model[o.p]
  const parent = pair[o.p]
  const refused = (err: unknown) =>
    err instanceof ApiError && err.status === 400 && err.details?.[0] === "Field 'rank' must be >= 1"
  const invalid = 'rank' in o && o.rank !== undefined && o.rank < 1
  const run = (fn: (trx: typeof db.kysely) => Promise<void>) => db.kysely.transaction().execute(fn)
  if (invalid && (o.kind === 'insert' || list.length > 0)) {
    await assert.rejects(
      run(async (trx) => {
        if (o.kind === 'insert') await insertAt(trx, table, parent, o.rank)
        else if (o.kind === 'move') await moveTo(trx, table, parent, list[o.i % list.length]!, o.rank)
        else if (o.kind === 'across') {
          await moveAcross(trx, table, parent, pair[1 - o.p]!, list[o.i % list.length]!, o.rank)
        }
      }),
      refused,
    )
    return
  }
  if (o.kind === 'insert') {
    let id = ''
    await run(async (trx) => {
      const r = await insertAt(trx, table, parent, o.rank)
      id = await insertRow(table, parent, r, trx)
    })
    list.splice(place(o.rank, list.length) - 1, 0, id)
    return
  }
  if (list.length === 0) return
  const id = list[o.i % list.length]!
  if (o.kind === 'move') {
    await run(async (trx) => {
      await moveTo(trx, table, parent, id, o.rank)
    })
    list.splice(list.indexOf(id), 1)
    list.splice(Math.min(o.rank, list.length + 1) - 1, 0, id)
  } else if (o.kind === 'across') {
    const other = model[1 - o.p]!
    await run(async (trx) => {
      await moveAcross(trx, table, parent, pair[1 - o.p]!, id, o.rank)
    })
    list.splice(list.indexOf(id), 1)
    other.splice(place(o.rank, other.length) - 1, 0, id)
  } else {
    const [row] = (await children(table, parent)).filter((c) => c.id === id)
    await run(async (trx) => {
      await sql`delete from ${sql.table(table)} where id = ${id}`.execute(trx)
      await closeGap(trx, table, parent, row!.rank)
    })
    list.splice(list.indexOf(id), 1)
  }
}

async function clear(table: RankedTable): Promise<void> {
  for (const parent of parents[table]) {
    await sql`delete from ${sql.table(table)} where ${sql.ref(PARENT_COLUMN[table])} = ${parent}`.execute(
      db.kysely,
    )
  }
}

for (const table of ['quote_sections', 'quote_phases', 'quote_lines'] as const) {
  describe(`ranks of ${table}`, () => {
    it('stay 1..n, in the order the operations imply, under random inserts, moves and deletes', async () => {
      await fc.assert(
        fc.asyncProperty(start, fc.array(op, { minLength: 1, maxLength: 30 }), async (sizes, ops) => {
          await clear(table)
          const model: [string[], string[]] = [[], []]
          for (const p of [0, 1] as const) {
            for (let r = 1; r <= sizes[p]; r++) model[p].push(await insertRow(table, parents[table][p], r))
          }
          for (const o of ops) {
            await apply(table, model, o)
            for (const p of [0, 1] as const) {
              const rows = await children(table, parents[table][p])
              assert.deepEqual(
                rows.map((r) => r.rank),
                rows.map((_, i) => i + 1),
                `${JSON.stringify(o)}: ranks of parent ${p}`,
              )
              assert.deepEqual(
                rows.map((r) => r.id),
                model[p],
                `${JSON.stringify(o)}: order of parent ${p}`,
              )
            }
          }
        }),
        { seed: 20260311, numRuns: 40, endOnFailure: true },
      )
    })
  })
}

describe('insertAt', () => {
  it('refuses a rank below 1, naming the field', async () => {
    await assert.rejects(
      db.kysely
        .transaction()
        .execute((trx) => insertAt(trx, 'quote_phases', parents.quote_phases[0], 0, 'rank')),
      (err: unknown) =>
        err instanceof ApiError && err.status === 400 && err.details?.[0] === "Field 'rank' must be >= 1",
    )
  })
})
