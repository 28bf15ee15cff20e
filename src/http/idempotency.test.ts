import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { buildTenant, dialect, useTestApp } from '../../test/helpers.ts'
import { fingerprint, purgeIdempotencyKeys } from './idempotency.ts'

let tenant: Awaited<ReturnType<typeof buildTenant>>
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
  },
})

const post = (key: string | undefined, payload: object, url = '/api/customers', auth = tenant.auth) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: { ...auth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload,
  })

const count = async (name: string) =>
  (
    await t.db.kysely
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('name', '=', name)
      .execute()
  ).length

describe('Idempotency-Key', () => {
  it('replays the first response to a retry of the same request and writes nothing', async () => {
    const first = await post('create-acme-1', { name: 'Once', type: 'company' })
    assert.equal(first.statusCode, 201)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    const retry = await post('create-acme-1', { name: 'Once', type: 'company' })
    assert.equal(retry.statusCode, 201)
    assert.equal(retry.headers['idempotent-replayed'], 'true')
    assert.equal(retry.body, first.body)
    assert.equal(retry.headers.etag, first.headers.etag)
    assert.equal(await count('Once'), 1)
  })

  it('keeps a 4xx answer too, and replays it', async () => {
    const body = { name: 'Bad', type: 'company', segment_id: uuidv7() }
    const first = await post('bad-segment', body)
    assert.equal(first.statusCode, 400)
    const retry = await post('bad-segment', body)
    assert.equal(retry.statusCode, 400)
    assert.equal(retry.headers['idempotent-replayed'], 'true')
    assert.equal(retry.body, first.body)
  })

  it('takes the same body with its keys in another order, or padded with spaces, as the same request', async () => {
    const first = await post('reordered', { name: 'Ordered', type: 'company', id_crm: 'crm-o' })
    assert.equal(first.statusCode, 201)
    for (const again of [
      { id_crm: 'crm-o', type: 'company', name: 'Ordered' },
      { type: 'company', name: ' Ordered ', id_crm: 'crm-o ' },
    ]) {
      const retry = await post('reordered', again)
      assert.equal(retry.statusCode, 201, retry.body)
      assert.equal(retry.headers['idempotent-replayed'], 'true')
      assert.equal(retry.body, first.body)
    }
    assert.equal(await count('Ordered'), 1)
    const other = await post('reordered', { id_crm: 'crm-other', type: 'company', name: 'Ordered' })
    assert.equal(other.statusCode, 422)
  })

  it('fingerprints the query string by meaning too: parameters in any order', () => {
    const a = fingerprint({ method: 'POST', url: '/api/x?b=2&a=1', body: { k: [1, { y: 1, z: 2 }] } })
    const b = fingerprint({ method: 'POST', url: '/api/x?a=1&b=2', body: { k: [1, { z: 2, y: 1 }] } })
    assert.equal(a, b)
    const c = fingerprint({ method: 'POST', url: '/api/x?a=1&b=2', body: { k: [{ z: 2, y: 1 }, 1] } })
    assert.notEqual(a, c, 'the order of an array is part of its meaning')
  })

  it('answers 422 to the same key with another body, path or method', async () => {
    await post('reused', { name: 'First', type: 'company' })
    const body = await post('reused', { name: 'Second', type: 'company' })
    assert.equal(body.statusCode, 422)
    assert.equal(body.json().code, 'idempotency_mismatch')
    const path = await post('reused', { name: 'First' }, '/api/segments')
    assert.equal(path.statusCode, 422)
    assert.equal(await count('Second'), 0)
  })

  it('lets one of two concurrent requests with one key run, and answers the other 409', async () => {
    const results = await Promise.all([
      post('concurrent', { name: 'Concurrent', type: 'company' }),
      post('concurrent', { name: 'Concurrent', type: 'company' }),
    ])
    const statuses = results.map((r) => r.statusCode).sort()
    // The second either finds the first still running (409) or finished (a replayed 201).
    assert.ok(
      JSON.stringify(statuses) === '[201,409]' || results.every((r) => r.statusCode === 201),
      String(statuses),
    )
    assert.equal(await count('Concurrent'), 1)
    const in409 = results.find((r) => r.statusCode === 409)
    if (in409) assert.equal(in409.json().code, 'idempotency_in_progress')
  })

  it('answers 409 while the first request is still running', async () => {
    await t.db.kysely
      .insertInto('idempotency_keys')
      .values({
        workspace_id: tenant.workspaceId,
        key: 'running',
        fingerprint: fingerprint({
          method: 'POST',
          url: '/api/customers',
          body: { type: 'company', name: 'Waits' },
        }),
        status: null,
        response: null,
        etag: null,
        created_at: new Date().toISOString(),
      })
      .execute()
    const res = await post('running', { name: 'Waits', type: 'company' })
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().code, 'idempotency_in_progress')
    assert.equal(await count('Waits'), 0)
  })

  it('scopes keys to the workspace', async () => {
    const other = await buildTenant(t.db)
    assert.equal((await post('shared-key', { name: 'In A', type: 'company' })).statusCode, 201)
    const b = await post('shared-key', { name: 'In B', type: 'company' }, '/api/customers', other.auth)
    assert.equal(b.statusCode, 201)
    assert.equal(b.headers['idempotent-replayed'], undefined)
  })

  it('holds across a restart of the app: the response is kept in the database', async () => {
    const first = await post('survives', { name: 'Durable', type: 'company' })
    const { buildApp } = await import('../app.ts')
    const again = await buildApp({ db: t.db, logLevel: 'silent' })
    try {
      const retry = await again.inject({
        method: 'POST',
        url: '/api/customers',
        headers: { ...tenant.auth, 'idempotency-key': 'survives' },
        payload: { name: 'Durable', type: 'company' },
      })
      assert.equal(retry.headers['idempotent-replayed'], 'true')
      assert.equal(retry.body, first.body)
    } finally {
      await again.close()
    }
    assert.equal(await count('Durable'), 1)
  })

  it('works on PATCH and DELETE, and refuses a malformed key', async () => {
    const { id } = (await post(undefined, { name: 'Patchy', type: 'company' })).json().data
    const patch = () =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/customers/${id}`,
        headers: { ...tenant.auth, 'idempotency-key': 'p1' },
        payload: { name: 'Patched' },
      })
    const a = await patch()
    const b = await patch()
    assert.equal(b.headers['idempotent-replayed'], 'true')
    assert.equal(b.body, a.body)
    const del = () =>
      t.app.inject({
        method: 'DELETE',
        url: `/api/customers/${id}`,
        headers: { ...tenant.auth, 'idempotency-key': 'd1' },
      })
    assert.equal((await del()).statusCode, 200)
    const again = await del()
    assert.equal(again.statusCode, 200, 'the replay, not a 404')
    assert.equal(again.headers['idempotent-replayed'], 'true')
    const bad = await post('x'.repeat(256), { name: 'Long key', type: 'company' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error, /Idempotency-Key/)
  })

  it('never stores the secret of a created token; a retry learns that the first one ran', async () => {
    const first = await post('new-token', { name: 'ci' }, '/api/tokens')
    assert.equal(first.statusCode, 201)
    const secret = first.json().data.token
    const rows = await t.db.kysely.selectFrom('idempotency_keys').selectAll().execute()
    assert.ok(!JSON.stringify(rows).includes(secret))
    const retry = await post('new-token', { name: 'ci' }, '/api/tokens')
    assert.equal(retry.statusCode, 409)
    assert.ok(!retry.body.includes(secret))
  })

  it('forgets responses older than 24 hours', async () => {
    await post('old', { name: 'Old', type: 'company' })
    const removed = await purgeIdempotencyKeys(t.db.kysely, Date.now() + 25 * 3_600_000)
    assert.ok(removed >= 1)
    const again = await post('old', { name: 'Old', type: 'company' })
    assert.equal(again.statusCode, 201)
    assert.equal(again.headers['idempotent-replayed'], undefined)
  })
})

describe('Idempotency-Key with the write it keeps', () => {
  /** Makes every insert into events fail, as a crash between the write and its end would leave it. */
  const breakEvents = async (broken: boolean) => {
    if (dialect === 'postgres') {
      if (broken) {
        await sql`create or replace function quoin_test_refuse() returns trigger language plpgsql as $$
          begin raise exception 'refused by the test'; end $$`.execute(t.db.kysely)
        await sql`create trigger quoin_test_refuse before insert on events
          for each row execute function quoin_test_refuse()`.execute(t.db.kysely)
      } else {
        await sql`drop trigger quoin_test_refuse on events`.execute(t.db.kysely)
      }
    } else if (broken) {
      await sql`create trigger quoin_test_refuse before insert on events
        begin select raise(abort, 'refused by the test'); end`.execute(t.db.kysely)
    } else {
      await sql`drop trigger quoin_test_refuse`.execute(t.db.kysely)
    }
  }

  it('commits the write, its event and its kept answer together, or none of them', async () => {
    const body = { name: 'All or nothing', type: 'company' }
    await breakEvents(true)
    try {
      const failed = await post('all-or-nothing', body)
      assert.equal(failed.statusCode, 500)
    } finally {
      await breakEvents(false)
    }
    // Nothing of the failed write stayed: no customer, no kept answer, so the retry runs, once.
    assert.equal(await count('All or nothing'), 0)
    const kept = await t.db.kysely
      .selectFrom('idempotency_keys')
      .select('status')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('key', '=', 'all-or-nothing')
      .execute()
    assert.deepEqual(kept, [])
    const retry = await post('all-or-nothing', body)
    assert.equal(retry.statusCode, 201)
    assert.equal(retry.headers['idempotent-replayed'], undefined)
    const again = await post('all-or-nothing', body)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.body, retry.body)
    assert.equal(await count('All or nothing'), 1)
    const row = await t.db.kysely
      .selectFrom('idempotency_keys')
      .select(['status', 'response'])
      .where('workspace_id', '=', tenant.workspaceId)
      .where('key', '=', 'all-or-nothing')
      .executeTakeFirstOrThrow()
    assert.equal(row.status, 201)
    assert.equal(row.response, retry.body)
  })
})
