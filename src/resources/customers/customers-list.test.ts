import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildTenant, useTestApp } from '../../../test/helpers.ts'

const t = useTestApp()

type Tenant = Awaited<ReturnType<typeof buildTenant>>

const list = async (tenant: Tenant, query: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/customers${query}`, headers: tenant.auth })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as {
    data: { id: string; name: string; updated_at: string }[]
    has_more: boolean
    next_cursor: string | null
  }
}

const post = async (tenant: Tenant, body: object) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/customers',
    headers: tenant.auth,
    payload: body,
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data as { id: string; updated_at: string }
}

/** Follows next_cursor to the end and returns every id seen, in order. */
async function walk(tenant: Tenant, query: string, between?: (page: number) => Promise<void>) {
  const seen: string[] = []
  let cursor: string | null = null
  let page = 0
  do {
    const sep = query ? '&' : '?'
    const body = await list(tenant, `${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`)
    seen.push(...body.data.map((c) => c.id))
    assert.equal(body.has_more, body.next_cursor !== null)
    cursor = body.next_cursor
    page++
    if (between) await between(page)
    assert.ok(page < 1000, 'the walk ends')
  } while (cursor)
  return seen
}

describe('GET /api/customers', () => {
  it('answers the envelope with has_more and next_cursor, 100 by default', async () => {
    const tenant = await buildTenant(t.db)
    for (let i = 0; i < 3; i++) await post(tenant, { name: `C${i}`, type: 'company' })
    const body = await list(tenant, '')
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 3)
    assert.equal(body.has_more, false)
    assert.equal(body.next_cursor, null)
  })

  it('walks 250 customers with limit=7, each exactly once, while others are created and deleted', async () => {
    const tenant = await buildTenant(t.db)
    const ids: string[] = []
    for (let i = 0; i < 250; i++) ids.push((await post(tenant, { name: `Walk ${i}`, type: 'company' })).id)
    const deleted = new Set<string>()
    const seen = await walk(tenant, '?limit=7', async (page) => {
      await post(tenant, { name: `Added during page ${page}`, type: 'individual' })
      const victim = ids[(page * 37) % ids.length]!
      if (!deleted.has(victim)) {
        deleted.add(victim)
        await t.app.inject({ method: 'DELETE', url: `/api/customers/${victim}`, headers: tenant.auth })
      }
    })
    assert.equal(new Set(seen).size, seen.length, 'no customer twice')
    const seenSet = new Set(seen)
    for (const id of ids) if (!deleted.has(id)) assert.ok(seenSet.has(id), `customer ${id} was seen`)
  })

  it('pages in creation order, then id', async () => {
    const tenant = await buildTenant(t.db)
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await post(tenant, { name: `Ordered ${i}`, type: 'company' })).id)
    assert.deepEqual(await walk(tenant, '?limit=2'), ids)
  })

  it('sees every change made after the start of an updated_since sync', async () => {
    const tenant = await buildTenant(t.db)
    const ids: string[] = []
    for (let i = 0; i < 12; i++) ids.push((await post(tenant, { name: `Sync ${i}`, type: 'company' })).id)
    const start = new Date(Date.now() - 1000).toISOString()
    // Changes land while the sync walks: every one must show up.
    const changed = new Set<string>()
    const seen = await walk(tenant, `?limit=5&updated_since=${encodeURIComponent(start)}`, async (page) => {
      const id = ids[page]!
      changed.add(id)
      await t.app.inject({
        method: 'PATCH',
        url: `/api/customers/${id}`,
        headers: tenant.auth,
        payload: { name: `Changed on page ${page}` },
      })
    })
    for (const id of ids) assert.ok(seen.includes(id))
    // A record changed after the walk passed it comes again, later in the walk.
    for (const id of changed) {
      const last = seen.lastIndexOf(id)
      assert.ok(last >= 0)
    }
    const body = await list(
      tenant,
      `?updated_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    )
    assert.deepEqual(body.data, [])
  })

  it('orders an updated_since page by updated_at, then id', async () => {
    const tenant = await buildTenant(t.db)
    const a = await post(tenant, { name: 'A', type: 'company' })
    const b = await post(tenant, { name: 'B', type: 'company' })
    // B last changed long ago, whatever the clock's resolution: A's PATCH comes after it.
    const setUpdatedAt = (id: string, at: string) =>
      t.db.kysely.updateTable('customers').set({ updated_at: at }).where('id', '=', id).execute()
    await setUpdatedAt(b.id, '2020-01-01T00:00:00.000Z')
    await t.app.inject({
      method: 'PATCH',
      url: `/api/customers/${a.id}`,
      headers: tenant.auth,
      payload: { name: 'A2' },
    })
    const ids = async () => (await list(tenant, '?updated_since=2000-01-01T00:00:00Z')).data.map((c) => c.id)
    assert.deepEqual(await ids(), [b.id, a.id])
    // The same instant: by id.
    await setUpdatedAt(a.id, '2020-01-01T00:00:00.000Z')
    assert.deepEqual(await ids(), [a.id, b.id].sort())
  })

  it('filters on type, segment, external ids, tax value and q', async () => {
    const tenant = await buildTenant(t.db)
    const seg = uuidv7()
    const at = new Date().toISOString()
    await t.db.kysely
      .insertInto('segments')
      .values({
        id: seg,
        workspace_id: tenant.workspaceId,
        name: 'Key',
        reference: null,
        description: null,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const acme = await post(tenant, {
      name: 'Acme Industries',
      type: 'company',
      segment_id: seg,
      id_crm: 'CRM-1',
      id_erp: 'ERP-1',
      id_accounting: 'ACC-1',
      tax_ids: [{ tax: 'VAT', tax_value: 'FR 83 404 833 048' }],
    })
    const bob = await post(tenant, { name: 'Bob Martin', type: 'individual', id_crm: 'crm-bob' })
    const ids = async (q: string) => (await list(tenant, q)).data.map((c) => c.id)
    assert.deepEqual(await ids('?type=individual'), [bob.id])
    assert.deepEqual(await ids(`?segment_id=${seg}`), [acme.id])
    assert.deepEqual(await ids('?id_crm=CRM-1'), [acme.id])
    assert.deepEqual(await ids('?id_crm=crm-1'), [], 'external ids match exactly')
    assert.deepEqual(await ids('?id_erp=ERP-1'), [acme.id])
    assert.deepEqual(await ids('?id_accounting=ACC-1'), [acme.id])
    assert.deepEqual(await ids('?tax_value=fr83404833048'), [acme.id])
    assert.deepEqual(await ids('?tax_value=FR%2083%20404%20833%20048'), [acme.id])
    assert.deepEqual(await ids('?tax_value=404833048'), [])
    assert.deepEqual(await ids('?q=INDUS'), [acme.id])
    assert.deepEqual(await ids('?q=404833'), [acme.id], 'q searches tax values')
    assert.deepEqual(await ids('?q=crm-'), [acme.id, bob.id], 'q searches external ids, any case')
    assert.deepEqual(await ids('?q=%25'), [], 'a % in q is literal')
    assert.deepEqual(await ids('?type=company&q=bob'), [])
  })

  it('never lists another workspace’s customers', async () => {
    const a = await buildTenant(t.db)
    const b = await buildTenant(t.db)
    await post(a, { name: 'Only in A', type: 'company', id_crm: 'shared' })
    assert.deepEqual((await list(b, '?id_crm=shared')).data, [])
    assert.deepEqual((await list(b, '?q=Only')).data, [])
  })

  it('answers 400 naming an unknown query parameter, a bad limit or a bad cursor', async () => {
    const tenant = await buildTenant(t.db)
    const get = (q: string) =>
      t.app.inject({ method: 'GET', url: `/api/customers${q}`, headers: tenant.auth })
    const unknown = await get('?curser=abc')
    assert.equal(unknown.statusCode, 400)
    assert.deepEqual(unknown.json(), {
      success: false,
      error: "Unknown query parameter 'curser'",
      code: 'unknown_parameter',
      details: ["Unknown query parameter 'curser'"],
    })
    for (const q of [
      '?limit=0',
      '?limit=1001',
      '?limit=ten',
      '?cursor=not-a-cursor',
      '?updated_since=yesterday',
      '?type=robot',
    ]) {
      const res = await get(q)
      assert.equal(res.statusCode, 400, q)
      assert.equal(res.json().code, 'invalid_parameter', q)
    }
    // A cursor of the creation order is refused by the updated_since order.
    for (let i = 0; i < 3; i++) await post(tenant, { name: `P${i}`, type: 'company' })
    const { next_cursor } = await list(tenant, '?limit=1')
    const res = await get(`?limit=1&updated_since=2000-01-01T00:00:00Z&cursor=${next_cursor}`)
    assert.equal(res.statusCode, 400)
  })
})
