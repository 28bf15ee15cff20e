import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  insertQuoteRow,
  type QuoteRefs,
  quoteRefs,
  startWorker,
  type Worker,
  type WorkerResult,
} from '../../../test/fixtures/numbering.ts'
import {
  buildWorkspace,
  createTestDatabase,
  insertCustomer,
  type TestDatabase,
} from '../../../test/helpers.ts'
import { connect, type Db } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import type { NumberReset } from '../../db/types.ts'
import { runWrite } from '../../kernel/write.ts'
import { allocateNumber, type NumberKind, peekNumber } from './numbers.ts'

const MARCH_15 = new Date('2026-03-15T10:00:00Z')

let database: TestDatabase
let db: Db

before(async () => {
  database = await createTestDatabase()
  db = connect(database.url)
  await migrateToLatest(db.kysely)
})
after(async () => {
  await db.close()
  await database.drop()
})

/** A workspace with the numbering given, and what a quote row of it needs. */
async function buildNumbering(
  settings: { pattern?: string; reset?: NumberReset; start?: number; orders?: string } = {},
): Promise<QuoteRefs> {
  const ws = await buildWorkspace(db)
  const changes = {
    ...(settings.pattern ? { quote_number_pattern: settings.pattern } : {}),
    ...(settings.reset ? { quote_number_reset: settings.reset } : {}),
    ...(settings.start !== undefined ? { quote_number_reset_start: settings.start } : {}),
    ...(settings.orders ? { order_number_pattern: settings.orders } : {}),
  }
  if (Object.keys(changes).length > 0) {
    await db.kysely.updateTable('workspaces').set(changes).where('id', '=', ws.id).execute()
  }
  const customer = await insertCustomer(db, ws.id)
  return quoteRefs(db.kysely, ws.id, customer.id)
}

/** One write that takes a number and, for a quote, keeps it in a quote row. */
const create = (refs: QuoteRefs, at = MARCH_15, kind: NumberKind = 'quote') =>
  runWrite(db.kysely, refs.workspaceId, async (w) => {
    const number = await allocateNumber(w, kind, at)
    if (kind === 'quote') await insertQuoteRow(w.trx, refs, number)
    return number
  })

async function counters(workspaceId: string) {
  return db.kysely
    .selectFrom('number_counters')
    .select(['kind', 'period', 'value'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('kind')
    .orderBy('period')
    .execute()
}

const numbered = (n: number) => `Q-2026-${String(n).padStart(4, '0')}`

describe('allocateNumber', () => {
  it('numbers by the default pattern from 1, one after another', async () => {
    const refs = await buildNumbering()
    assert.deepEqual([await create(refs), await create(refs), await create(refs)], [1, 2, 3].map(numbered))
    assert.deepEqual(await counters(refs.workspaceId), [{ kind: 'quote', period: '', value: 3 }])
  })

  it('gives back the number of a write that throws after taking it', async () => {
    const refs = await buildNumbering()
    assert.equal(await create(refs), numbered(1))
    let taken: string | undefined
    await assert.rejects(
      runWrite(db.kysely, refs.workspaceId, async (w) => {
        taken = await allocateNumber(w, 'quote', MARCH_15)
        throw new Error('the rest of the write failed')
      }),
      /the rest of the write failed/,
    )
    assert.equal(taken, numbered(2))
    assert.equal(await create(refs), numbered(2))
    assert.equal(await create(refs), numbered(3))
  })

  it("makes Qwoty's documented examples, offset included", async () => {
    const offset = await buildNumbering({ pattern: 'Q{YY}{MM}-{000+30}', reset: 'month', start: 1 })
    assert.deepEqual([await create(offset), await create(offset)], ['Q2603-031', 'Q2603-032'])
    const daily = await buildNumbering({ pattern: '{YYYY}{MM}{DD}-{00000}' })
    assert.equal(await create(daily), '20260315-00001')
  })

  it('restarts at quote_number_reset_start when the month changes', async () => {
    const refs = await buildNumbering({ pattern: 'Q{YYYY}{MM}-{000}', reset: 'month', start: 5 })
    const april = new Date('2026-04-01T00:00:00Z')
    assert.deepEqual(
      [
        await create(refs, MARCH_15),
        await create(refs, new Date('2026-03-31T23:59:59Z')),
        await create(refs, april),
        await create(refs, april),
        // A quote dated in March, made late (the counters of both months stay).
        await create(refs, MARCH_15),
      ],
      ['Q202603-005', 'Q202603-006', 'Q202604-005', 'Q202604-006', 'Q202603-007'],
    )
    assert.deepEqual(await counters(refs.workspaceId), [
      { kind: 'quote', period: '2026-03', value: 7 },
      { kind: 'quote', period: '2026-04', value: 6 },
    ])
  })

  it('restarts each year and each day as well', async () => {
    const yearly = await buildNumbering({ pattern: 'QUO-{YYYY}-{0000}', reset: 'year', start: 1 })
    assert.deepEqual(
      [await create(yearly), await create(yearly), await create(yearly, new Date('2027-01-01T00:00:00Z'))],
      ['QUO-2026-0001', 'QUO-2026-0002', 'QUO-2027-0001'],
    )
    const daily = await buildNumbering({ pattern: '{YY}{MM}{DD}-{0}', reset: 'day', start: 0 })
    assert.deepEqual(
      [await create(daily), await create(daily), await create(daily, new Date('2026-03-16T00:00:00Z'))],
      ['260315-0', '260315-1', '260316-0'],
    )
  })

  it('starts at 1 when numbers never reset, whatever quote_number_reset_start says', async () => {
    const refs = await buildNumbering({ reset: 'never', start: 500 })
    assert.equal(await create(refs), numbered(1))
  })

  it('skips a number already held, as a restarted counter would give one again', async () => {
    const refs = await buildNumbering({ pattern: 'Q-{YYYY}-{0000}' })
    for (let i = 0; i < 3; i++) await create(refs)
    await db.kysely
      .updateTable('workspaces')
      .set({ quote_number_reset: 'year', quote_number_reset_start: 1 })
      .where('id', '=', refs.workspaceId)
      .execute()
    assert.equal(await peekNumber(db.kysely, refs.workspaceId, 'quote', MARCH_15), numbered(4))
    assert.deepEqual([await create(refs), await create(refs)], [4, 5].map(numbered))
  })

  it('numbers orders by order_number_pattern, never reset, apart from quotes', async () => {
    const refs = await buildNumbering({ pattern: 'Q{YYYY}{MM}-{000}', reset: 'month', start: 10 })
    const nextYear = new Date('2027-02-01T00:00:00Z')
    assert.deepEqual(
      [await create(refs, MARCH_15, 'order'), await create(refs, nextYear, 'order'), await create(refs)],
      ['ORD-2026-0001', 'ORD-2027-0002', 'Q202603-010'],
    )
  })

  it("keeps each workspace's counters apart", async () => {
    const a = await buildNumbering()
    const b = await buildNumbering()
    assert.deepEqual([await create(a), await create(a), await create(b)], [1, 2, 1].map(numbered))
  })
})

describe('peekNumber', () => {
  it('tells the next number without taking it', async () => {
    const refs = await buildNumbering({ pattern: 'Q{YY}{MM}-{000+30}', reset: 'month', start: 1 })
    assert.equal(await peekNumber(db.kysely, refs.workspaceId, 'quote', MARCH_15), 'Q2603-031')
    assert.equal(await peekNumber(db.kysely, refs.workspaceId, 'quote', MARCH_15), 'Q2603-031')
    assert.equal(await create(refs), 'Q2603-031')
    assert.equal(await peekNumber(db.kysely, refs.workspaceId, 'quote', MARCH_15), 'Q2603-032')
    assert.equal(await peekNumber(db.kysely, refs.workspaceId, 'order', MARCH_15), 'ORD-2026-0001')
  })
})

describe('50 numbers taken at once by two processes', () => {
  const workers: Worker[] = []
  after(() => {
    for (const w of workers) w.kill()
  })

  it('are exactly 1 to 50: no duplicate, no gap, the rolled-back ones given back', async () => {
    const refs = await buildNumbering({ pattern: 'Q-{YYYY}-{0000}', reset: 'year', start: 1 })
    // 30 writes in each process, of which 5 throw once they have their number: 50 numbers kept.
    const failing = [0, 6, 12, 18, 24]
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startWorker({
          databaseUrl: database.url,
          refs,
          at: MARCH_15.toISOString(),
          count: 30,
          failing,
        }),
      )
    }
    const results: WorkerResult[] = (await Promise.all(workers.map((w) => w.go()))).flat()
    const kept = results.flatMap((r) => ('kept' in r ? [r.kept] : []))
    const rolledBack = results.flatMap((r) => ('rolledBack' in r ? [r.rolledBack] : []))
    assert.equal(kept.length, 50)
    assert.equal(rolledBack.length, 10)
    const expected = Array.from({ length: 50 }, (_, i) => numbered(i + 1))
    assert.deepEqual([...kept].sort(), expected)
    // A number given back went to a later write, unless no write came after it (then it is the 51st).
    for (const n of rolledBack) assert.ok(kept.includes(n) || n === numbered(51), n)
    const stored = await db.kysely
      .selectFrom('quotes')
      .select('number')
      .where('workspace_id', '=', refs.workspaceId)
      .execute()
    assert.deepEqual(stored.map((q) => q.number).sort(), expected)
    assert.deepEqual(await counters(refs.workspaceId), [{ kind: 'quote', period: '2026', value: 50 }])
  })
})
