import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTenant, insertCustomer, useTestApp } from '../../test/helpers.ts'

let tenant: Awaited<ReturnType<typeof buildTenant>>
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
  },
})

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: Record<string, string> = {},
  payload?: object,
) => t.app.inject({ method, url, headers: { ...tenant.auth, ...headers }, ...(payload ? { payload } : {}) })

describe('ETag on single-record responses', () => {
  it('is sent on GET, POST and PATCH of every versioned resource and changes with every write', async () => {
    const {
      id: customer,
      contactIds,
      addressIds,
    } = await insertCustomer(t.db, tenant.workspaceId, { contacts: 1, addresses: 1 })
    const seg = await call('POST', '/api/segments', {}, { name: 'Etag' })
    assert.equal(seg.statusCode, 201)
    assert.match(String(seg.headers.etag), /^"\d+"$/)
    const cases = [
      { url: `/api/customers/${customer}`, patch: { name: 'Changed' } },
      { url: `/api/contacts/${contactIds[0]}`, patch: { first_name: 'Changed' } },
      { url: `/api/addresses/${addressIds[0]}`, patch: { city: 'Lyon' } },
      { url: `/api/segments/${seg.json().data.id}`, patch: { name: 'Changed' } },
    ]
    for (const c of cases) {
      const first = await call('GET', c.url)
      assert.match(String(first.headers.etag), /^"\d+"$/, c.url)
      const patched = await call('PATCH', c.url, {}, c.patch)
      assert.notEqual(patched.headers.etag, first.headers.etag, c.url)
      assert.equal((await call('GET', c.url)).headers.etag, patched.headers.etag, c.url)
    }
  })

  it("changes when a customer's contacts change, since contact_ids is part of it", async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    const before = (await call('GET', `/api/customers/${id}`)).headers.etag
    const res = await call(
      'POST',
      '/api/contacts',
      {},
      { customer_id: id, first_name: 'A', last_name: 'B', email: 'a@b.fr' },
    )
    assert.equal(res.statusCode, 201)
    assert.notEqual((await call('GET', `/api/customers/${id}`)).headers.etag, before)
  })

  it("changes when a contact's addresses change, since address_ids is part of it", async () => {
    const { id, contactIds } = await insertCustomer(t.db, tenant.workspaceId, { contacts: 1 })
    const url = `/api/contacts/${contactIds[0]}`
    const before = (await call('GET', url)).headers.etag
    const address = await call(
      'POST',
      '/api/addresses',
      {},
      {
        customer_id: id,
        contact_id: contactIds[0],
        type: 'shipping',
        address_line1: '1 quai',
        city: 'Nantes',
        postal_code: '44000',
        country: 'FR',
      },
    )
    assert.equal(address.statusCode, 201)
    const linked = await call('GET', url)
    assert.notEqual(linked.headers.etag, before)
    assert.deepEqual(linked.json().data.address_ids, [address.json().data.id])
    await call('DELETE', `/api/addresses/${address.json().data.id}`)
    assert.notEqual((await call('GET', url)).headers.etag, linked.headers.etag)
  })

  it('is not sent on lists', async () => {
    assert.equal((await call('GET', '/api/customers')).headers.etag, undefined)
  })
})

describe('If-None-Match on GET', () => {
  it('answers 304 with no body when the ETag matches, and 200 when it does not', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    const etag = String((await call('GET', `/api/customers/${id}`)).headers.etag)
    const cached = await call('GET', `/api/customers/${id}`, { 'if-none-match': etag })
    assert.equal(cached.statusCode, 304)
    assert.equal(cached.body, '')
    assert.equal(cached.headers.etag, etag)
    assert.equal(
      (await call('GET', `/api/customers/${id}`, { 'if-none-match': `W/${etag}, "x"` })).statusCode,
      304,
    )
    const stale = await call('GET', `/api/customers/${id}`, { 'if-none-match': '"0"' })
    assert.equal(stale.statusCode, 200)
    assert.equal(stale.json().data.id, id)
  })
})

describe('If-Match on PATCH and DELETE', () => {
  it('applies the write when the ETag matches', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    const etag = String((await call('GET', `/api/customers/${id}`)).headers.etag)
    const res = await call('PATCH', `/api/customers/${id}`, { 'if-match': etag }, { name: 'Matched' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.name, 'Matched')
  })

  it('answers 412 and writes nothing when it no longer matches', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId, { name: 'Original' })
    const etag = String((await call('GET', `/api/customers/${id}`)).headers.etag)
    await call('PATCH', `/api/customers/${id}`, {}, { id_crm: 'moved-on' })
    const res = await call('PATCH', `/api/customers/${id}`, { 'if-match': etag }, { name: 'Lost update' })
    assert.equal(res.statusCode, 412)
    assert.equal(res.json().code, 'precondition_failed')
    assert.notEqual(res.headers.etag, etag)
    assert.equal((await call('GET', `/api/customers/${id}`)).json().data.name, 'Original')
    const del = await call('DELETE', `/api/customers/${id}`, { 'if-match': etag })
    assert.equal(del.statusCode, 412)
    assert.equal((await call('GET', `/api/customers/${id}`)).statusCode, 200)
  })

  it('never matches a weak ETag, and * matches any version', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    const etag = String((await call('GET', `/api/customers/${id}`)).headers.etag)
    assert.equal(
      (await call('PATCH', `/api/customers/${id}`, { 'if-match': `W/${etag}` }, { name: 'x' })).statusCode,
      412,
    )
    assert.equal(
      (await call('PATCH', `/api/customers/${id}`, { 'if-match': '*' }, { name: 'y' })).statusCode,
      200,
    )
  })

  it('lets exactly one of two racing writers with the same ETag win', async () => {
    for (const [resource, patch] of [
      ['customers', { name: 'racer' }],
      ['segments', { name: 'racer' }],
    ] as const) {
      const id =
        resource === 'customers'
          ? (await insertCustomer(t.db, tenant.workspaceId)).id
          : (await call('POST', '/api/segments', {}, { name: 'race' })).json().data.id
      const etag = String((await call('GET', `/api/${resource}/${id}`)).headers.etag)
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(
            'PATCH',
            `/api/${resource}/${id}`,
            { 'if-match': etag },
            { ...patch, name: `${patch.name} ${i}` },
          ),
        ),
      )
      const statuses = results.map((r) => r.statusCode).sort()
      assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412], resource)
    }
  })

  it('answers 404, not 412, for a record that does not exist', async () => {
    const res = await call(
      'PATCH',
      '/api/customers/00000000-0000-4000-8000-000000000000',
      { 'if-match': '"1"' },
      { name: 'x' },
    )
    assert.equal(res.statusCode, 404)
  })
})
