import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildTestApp, type TestContext } from '../../../test/helpers.ts'

// Writes that race on what is unique per workspace: the default currency, a billing frequency's period.
// The rival is a transaction held open on a connection of its own, committed once the API's write waits
// on it, so that the check before the write cannot have seen it.

/** Polls `condition` until it holds; fails past a generous deadline. No assertion depends on how long. */
async function until(condition: () => Promise<boolean>, deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`not within ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('the default currency and billing periods under concurrent writes (PostgreSQL)', () => {
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

  /** Whether a statement of the app that starts with `start` waits on a lock (the rival's rows). */
  function waiting(start: string) {
    return async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like ${`${start}%`}`.execute(
        t.db.kysely,
      )
      return rows[0]!.n > 0
    }
  }

  it('keeps exactly one default when a rival makes another currency the default meanwhile', async () => {
    const a = api(t, tenant.auth)
    const eur = (await a.get('/api/currencies')).json().data[0]
    const usd = (await a.post('/api/currencies', { code: 'USD' })).json().data
    const gbp = (await a.post('/api/currencies', { code: 'GBP' })).json().data
    await rival.query('begin')
    await rival.query('update currencies set is_default = false where id = $1', [eur.id])
    await rival.query('update currencies set is_default = true where id = $1', [usd.id])
    const pending = a.patch(`/api/currencies/${gbp.id}`, { is_default: true })
    await until(waiting('update "currencies"'))
    await rival.query('commit')
    const res = await pending
    assert.equal(res.statusCode, 200, res.body)
    const all = (await a.get('/api/currencies')).json().data
    assert.deepEqual(
      all.map((c: { code: string; is_default: boolean }) => [c.code, c.is_default]),
      [
        ['EUR', false],
        ['USD', false],
        ['GBP', true],
      ],
    )
    const events = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', usd.id)
      .orderBy('id')
      .execute()
    assert.deepEqual(
      events.map((e) => e.type),
      ['currency.created', 'currency.updated'],
    )
  })

  it('answers 409 naming the rival that committed the same period and unit first', async () => {
    const id = uuidv7()
    const at = new Date().toISOString()
    await rival.query('begin')
    await rival.query(
      `insert into billing_frequencies (id, workspace_id, name, period, unit, created_at, updated_at)
       values ($1, $2, 'Rival', 9, 'week', $3, $3)`,
      [id, tenant.workspaceId, at],
    )
    const pending = api(t, tenant.auth).post('/api/billing-frequencies', { period: 9, unit: 'week' })
    await until(waiting('insert into "billing_frequencies"'))
    await rival.query('commit')
    const res = await pending
    assert.equal(res.statusCode, 409, res.body)
    assert.match(res.json().error, new RegExp(`already used by billing frequency ${id} \\(Rival\\)`))
  })

  it('moves a generated tax api_name on when a rival commits it first', async () => {
    await rival.query('begin')
    await rival.query(
      `insert into taxes (id, workspace_id, name, api_name, type, country, method, rate, created_at, updated_at)
       values ($1, $2, 'Rival', 'gst_10', 'gst', 'AU', 'percentage', 10, $3, $3)`,
      [uuidv7(), tenant.workspaceId, new Date().toISOString()],
    )
    const pending = api(t, tenant.auth).post('/api/taxes', {
      name: 'GST 10',
      type: 'gst',
      country: 'AU',
      method: 'percentage',
      rate: 10,
    })
    await until(waiting('insert into "taxes"'))
    await rival.query('commit')
    const res = await pending
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.api_name, 'gst_10_2')
  })
})
