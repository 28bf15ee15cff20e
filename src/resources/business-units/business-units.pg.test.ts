import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { api, buildTenant, buildTestApp, type TestContext } from '../../../test/helpers.ts'

// The default business unit under a rival write: a transaction held open on a connection of its own makes
// another unit the default, committed once the API's write waits on it, so that the clearing statement
// before the write cannot have seen it.

/** Polls `condition` until it holds; fails past a generous deadline. No assertion depends on how long. */
async function until(condition: () => Promise<boolean>, deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`not within ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('the default business unit under concurrent writes (PostgreSQL)', () => {
  let t: TestContext
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  let rival: pg.Client

  before(async () => {
    t = await buildTestApp()
    tenant = await buildTenant(t.db)
    rival = new pg.Client({ connectionString: t.database.url })
    await rival.connect()
  })
  after(async () => {
    await rival.end()
    await t.close()
  })

  const waiting = async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'
      and query like ${'update "business_units"%'}`.execute(t.db.kysely)
    return rows[0]!.n > 0
  }

  it('keeps exactly one default when a rival makes another unit the default meanwhile', async () => {
    const a = api(t, tenant.auth)
    const [first] = (await a.get('/api/business-units')).json().data
    const second = (await a.post('/api/business-units', { type: 'company', name: 'Second' })).json().data
    const third = (await a.post('/api/business-units', { type: 'company', name: 'Third' })).json().data
    await rival.query('begin')
    await rival.query('update business_units set is_default = false where id = $1', [first.id])
    await rival.query('update business_units set is_default = true where id = $1', [second.id])
    const pending = a.patch(`/api/business-units/${third.id}`, { is_default: true })
    await until(waiting)
    await rival.query('commit')
    const res = await pending
    assert.equal(res.statusCode, 200, res.body)
    const all = (await a.get('/api/business-units')).json().data
    assert.deepEqual(
      all.map((u: { name: string; is_default: boolean }) => [u.name, u.is_default]),
      [
        ['Test workspace', false],
        ['Second', false],
        ['Third', true],
      ],
    )
    const events = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', second.id)
      .orderBy('id')
      .execute()
    assert.deepEqual(
      events.map((e) => e.type),
      ['business_unit.created', 'business_unit.updated'],
    )
  })

  it('ends with one default after many concurrent moves', async () => {
    const a = api(t, tenant.auth)
    const units: string[] = []
    for (let i = 0; i < 8; i++) {
      units.push((await a.post('/api/business-units', { type: 'company', name: `Unit ${i}` })).json().data.id)
    }
    const answers = await Promise.all(
      units.map((id) => a.patch(`/api/business-units/${id}`, { is_default: true })),
    )
    for (const res of answers) assert.ok([200, 503].includes(res.statusCode), res.body)
    assert.ok(answers.some((r) => r.statusCode === 200))
    const defaults = (await a.get('/api/business-units?is_default=true')).json().data
    assert.equal(defaults.length, 1)
  })
})
