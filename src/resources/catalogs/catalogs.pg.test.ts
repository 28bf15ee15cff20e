import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildTestApp, type TestContext } from '../../../test/helpers.ts'

// Two writers of one api_name at once: the check before the insert cannot see a row another transaction
// has not committed yet, so the unique constraint settles it. The rival here is a transaction held open on
// a connection of its own, committed once the API's insert waits on it.

/** Polls `condition` until it holds; fails past a generous deadline. No assertion depends on how long. */
async function until(condition: () => Promise<boolean>, deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`not within ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('catalog api_names under concurrent writes (PostgreSQL)', () => {
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

  /** Inserts a catalog holding `apiName` in a transaction left open; returns its id and the commit. */
  async function holdOpen(apiName: string) {
    const id = uuidv7()
    const at = new Date().toISOString()
    await rival.query('begin')
    await rival.query(
      `insert into catalogs (id, workspace_id, name, api_name, created_at, updated_at)
       values ($1, $2, 'Rival', $3, $4, $4)`,
      [id, tenant.workspaceId, apiName, at],
    )
    return { id, commit: () => rival.query('commit') }
  }

  /**
   * Whether a statement that starts with `start` waits on a lock (the rival's uncommitted row). Asked on
   * the app's pool: the rival, inside its transaction, would see one frozen snapshot of pg_stat_activity.
   */
  function waiting(start: string) {
    return async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like ${`${start}%`}`.execute(
        t.db.kysely,
      )
      return rows[0]!.n > 0
    }
  }

  it('moves a generated api_name on to the next number when a rival commits it first', async () => {
    const held = await holdOpen('racing_widgets')
    const pending = api(t, tenant.auth).post('/api/catalogs', { name: 'Racing Widgets' })
    await until(waiting('insert into "catalogs"'))
    await held.commit()
    const res = await pending
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.api_name, 'racing_widgets_2')
  })

  it('answers 409 naming the rival when an api_name given is committed by it first', async () => {
    const held = await holdOpen('contested')
    const pending = api(t, tenant.auth).post('/api/catalogs', { name: 'Mine', api_name: 'contested' })
    await until(waiting('insert into "catalogs"'))
    await held.commit()
    const res = await pending
    assert.equal(res.statusCode, 409, res.body)
    assert.equal(res.json().error, `api_name 'contested' is already used by catalog ${held.id} (Rival)`)
    const mine = await t.db.kysely
      .selectFrom('catalogs')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('name', '=', 'Mine')
      .execute()
    assert.deepEqual(mine, [])
  })

  it('answers 409 when a PATCH takes an api_name a rival commits first', async () => {
    const own = (await api(t, tenant.auth).post('/api/catalogs', { name: 'Patched' })).json().data
    const held = await holdOpen('patched_target')
    const pending = api(t, tenant.auth).patch(`/api/catalogs/${own.id}`, { api_name: 'patched_target' })
    await until(waiting('update "catalogs"'))
    await held.commit()
    const res = await pending
    assert.equal(res.statusCode, 409, res.body)
    assert.match(res.json().error, new RegExp(held.id))
  })
})

describe('a catalog deleted while a product parent is linked to it (PostgreSQL)', () => {
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

  it('answers the 400 of a catalog that is not there, not a 500', async () => {
    const a = api(t, tenant.auth)
    const catalog = (await a.post('/api/catalogs', { name: 'Doomed' })).json().data
    // The deletion holds the catalog's row until it commits, after the write has checked it exists.
    await rival.query('begin')
    await rival.query('delete from catalogs where id = $1', [catalog.id])
    const pending = a.post('/api/product-parents', {
      api_name: 'linked_late',
      recurrence_type: 'one_off',
      name: 'Linked late',
      catalog_ids: [catalog.id],
    })
    await until(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
        and query like 'insert into "product_parent_catalogs"%'`.execute(t.db.kysely)
      return rows[0]!.n > 0
    })
    await rival.query('commit')
    const res = await pending
    assert.equal(res.statusCode, 400, res.body)
    assert.deepEqual(res.json().details, ["Field 'catalog_ids' does not name a catalog of this workspace"])
    assert.equal((await a.get('/api/product-parents?api_name=linked_late')).json().data.length, 0)
  })
})
