import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTenant, buildTestApp, insertCustomer, type TestContext } from './helpers.ts'

/** What another workspace's token gets from each route, given the first workspace's ids. */
interface Ids {
  token: string
  customer: string
  contact: string
  address: string
  segment: string
}
interface Case {
  url: (ids: Ids) => string
  body?: (ids: Ids) => object
  status: number
}

const byId = (path: string, status = 404): Case => ({
  url: (ids) => path.replace(/:(\w+)/, (_, k) => ids[k as keyof Ids]),
  status,
})

// Every route the app registers with a scope must be here: a new route fails this suite until added.
const TABLE: Record<string, Case> = {
  'GET /api/customers': { url: () => '/api/customers?limit=1000', status: 200 },
  'POST /api/customers': {
    url: () => '/api/customers',
    body: (ids) => ({ name: 'X', type: 'company', segment_id: ids.segment }),
    status: 400,
  },
  'GET /api/customers/:id': byId('/api/customers/:customer'),
  'PATCH /api/customers/:id': { ...byId('/api/customers/:customer'), body: () => ({ name: 'Taken over' }) },
  'DELETE /api/customers/:id': byId('/api/customers/:customer'),
  'POST /api/customers/:id/restore': byId('/api/customers/:customer/restore'),
  'GET /api/contacts': { url: (ids) => `/api/contacts?customer_id=${ids.customer}`, status: 200 },
  'POST /api/contacts': {
    url: () => '/api/contacts',
    body: (ids) => ({
      customer_id: ids.customer,
      first_name: 'E',
      last_name: 'Ve',
      email: 'eve@example.com',
    }),
    status: 400,
  },
  'GET /api/contacts/:id': byId('/api/contacts/:contact'),
  'PATCH /api/contacts/:id': { ...byId('/api/contacts/:contact'), body: () => ({ first_name: 'Eve' }) },
  'DELETE /api/contacts/:id': byId('/api/contacts/:contact'),
  'GET /api/addresses': { url: (ids) => `/api/addresses?customer_id=${ids.customer}`, status: 200 },
  'POST /api/addresses': {
    url: () => '/api/addresses',
    body: (ids) => ({
      customer_id: ids.customer,
      type: 'billing',
      address_line1: '1 rue X',
      city: 'Lyon',
      postal_code: '69001',
      country: 'FR',
    }),
    status: 400,
  },
  'GET /api/addresses/:id': byId('/api/addresses/:address'),
  'PATCH /api/addresses/:id': { ...byId('/api/addresses/:address'), body: () => ({ city: 'Nowhere' }) },
  'DELETE /api/addresses/:id': byId('/api/addresses/:address'),
  'GET /api/segments': { url: () => '/api/segments?limit=1000', status: 200 },
  'POST /api/segments': { url: () => '/api/segments', body: () => ({ name: 'Mine' }), status: 201 },
  'GET /api/segments/:id': byId('/api/segments/:segment'),
  'PATCH /api/segments/:id': { ...byId('/api/segments/:segment'), body: () => ({ name: 'Taken over' }) },
  'DELETE /api/segments/:id': byId('/api/segments/:segment'),
  'GET /api/tokens': { url: () => '/api/tokens?limit=1000', status: 200 },
  'POST /api/tokens': { url: () => '/api/tokens', body: () => ({ name: 'Mine' }), status: 201 },
  'DELETE /api/tokens/:id': byId('/api/tokens/:token'),
}

describe('workspace isolation', () => {
  let t: TestContext
  let owner: Awaited<ReturnType<typeof buildTenant>>
  let intruder: Awaited<ReturnType<typeof buildTenant>>
  let ids: Ids
  const SECRET_NAME = 'Owner-only Corp'

  before(async () => {
    t = await buildTestApp()
    owner = await buildTenant(t.db)
    intruder = await buildTenant(t.db)
    const c = await insertCustomer(t.db, owner.workspaceId, { name: SECRET_NAME, contacts: 1, addresses: 1 })
    const seg = await t.app.inject({
      method: 'POST',
      url: '/api/segments',
      headers: owner.auth,
      payload: { name: 'Owner segment' },
    })
    ids = {
      token: owner.id,
      customer: c.id,
      contact: c.contactIds[0]!,
      address: c.addressIds[0]!,
      segment: seg.json().data.id,
    }
  })
  after(() => t.close())

  it('has a case for every route that needs a token', () => {
    const routes = t.app.routeList.filter((r) => r.scope).map((r) => `${r.method} ${r.url}`)
    assert.ok(routes.length >= 21)
    const missing = routes.filter((r) => !(r in TABLE))
    assert.deepEqual(missing, [], 'routes without an isolation case')
    const stale = Object.keys(TABLE).filter((k) => !routes.includes(k))
    assert.deepEqual(stale, [], 'cases for routes that no longer exist')
  })

  for (const [route, c] of Object.entries(TABLE)) {
    it(`${route} with another workspace's token reveals and changes nothing`, async () => {
      const [method] = route.split(' ') as ['GET' | 'POST' | 'PATCH' | 'DELETE']
      const res = await t.app.inject({
        method,
        url: c.url(ids),
        headers: intruder.auth,
        ...(c.body ? { payload: c.body(ids) } : {}),
      })
      assert.equal(res.statusCode, c.status, res.body)
      for (const id of Object.values(ids)) assert.ok(!res.body.includes(id), `${route} leaks ${id}`)
      assert.ok(!res.body.includes(SECRET_NAME))
      if (c.status === 404) assert.equal(res.json().code, 'not_found')
    })
  }

  it("leaves the owner's records whole", async () => {
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: owner.auth })
    const customer = (await get(`/api/customers/${ids.customer}`)).json().data
    assert.equal(customer.name, SECRET_NAME)
    assert.deepEqual(customer.contact_ids, [ids.contact])
    assert.deepEqual(customer.address_ids, [ids.address])
    assert.equal((await get(`/api/contacts/${ids.contact}`)).json().data.first_name, 'Ada')
    assert.equal((await get(`/api/addresses/${ids.address}`)).json().data.city, 'Paris')
    assert.equal((await get(`/api/segments/${ids.segment}`)).json().data.name, 'Owner segment')
    const tokens = (await get('/api/tokens')).json().data.map((x: { id: string }) => x.id)
    assert.ok(tokens.includes(ids.token), "the owner's token was not revoked")
  })
})
