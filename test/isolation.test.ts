import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { RouteInfo } from '../src/app.ts'
import { RESOURCES } from '../src/resources/index.ts'
import { buildTenant, buildTestApp, makeSamples, type TestContext } from './helpers.ts'

// The matrix is derived from the list of resources: every route of every resource, called with another
// workspace's token and the owner's ids, reveals and changes nothing. A new resource is in it by being listed.

interface Case {
  route: string
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  url: string
  body?: object
  status: number
}

/** What another workspace's token gets from a route, given the owner's sample of each resource. */
function caseOf(route: RouteInfo, ids: Record<string, string>): Case {
  const resource = RESOURCES.find((r) => r.name === route.resource)
  if (!resource) throw new Error(`${route.method} ${route.url} belongs to no resource`)
  const method = route.method as Case['method']
  const key = `${route.method} ${route.url}`
  if (route.url.includes(':id')) {
    const id = ids[resource.name]
    if (!id) throw new Error(`${resource.name} has no sample: its by-id routes cannot be checked`)
    const body = method === 'PATCH' ? (resource.sample?.patch ?? {}) : undefined
    return { route: key, method, url: route.url.replace(':id', id), ...(body ? { body } : {}), status: 404 }
  }
  if (method === 'GET') return { route: key, method, url: `${route.url}?limit=1000`, status: 200 }
  if (method === 'POST' && resource.sample) {
    const { intrusion } = resource.sample
    return { route: key, method, url: route.url, body: intrusion.body(ids), status: intrusion.status }
  }
  throw new Error(`${key}: no isolation case can be derived; give its resource a sample`)
}

describe('workspace isolation', () => {
  let t: TestContext
  let owner: Awaited<ReturnType<typeof buildTenant>>
  let intruder: Awaited<ReturnType<typeof buildTenant>>
  let ids: Record<string, string>
  let cases: Case[]

  before(async () => {
    t = await buildTestApp()
    owner = await buildTenant(t.db)
    intruder = await buildTenant(t.db)
    ids = await makeSamples(t.app, owner.auth)
    cases = t.app.routeList.filter((r) => r.scope).map((r) => caseOf(r, ids))
  })
  after(() => t.close())

  it('every API route belongs to a listed resource, and every listed resource has routes', () => {
    const routes = t.app.routeList.filter((r) => r.scope)
    assert.ok(routes.length >= 22)
    const names = RESOURCES.map((r) => r.name)
    const orphans = routes.filter((r) => !r.resource || !names.includes(r.resource))
    assert.deepEqual(orphans, [], 'routes that no resource declares')
    const idle = names.filter((name) => !routes.some((r) => r.resource === name))
    assert.deepEqual(idle, [], 'resources without routes')
  })

  it('has a case for every route of every resource, and a sample of every resource that has writes', () => {
    assert.equal(cases.length, t.app.routeList.filter((r) => r.scope).length)
    for (const resource of RESOURCES) {
      const writes = t.app.routeList.some((r) => r.resource === resource.name && r.method !== 'GET')
      if (writes) assert.ok(ids[resource.name], `${resource.name} has writes but no sample`)
    }
  })

  it("another workspace's token reveals and changes nothing, on every route", async () => {
    const secrets = Object.values(ids)
    for (const c of cases) {
      const res = await t.app.inject({
        method: c.method,
        url: c.url,
        headers: intruder.auth,
        ...(c.body ? { payload: c.body } : {}),
      })
      assert.equal(res.statusCode, c.status, `${c.route}: ${res.body}`)
      for (const id of secrets) assert.ok(!res.body.includes(id), `${c.route} leaks ${id}`)
      assert.ok(!res.body.includes('Owner-only Corp'), `${c.route} leaks the owner's customer`)
      if (c.status === 404) assert.equal(res.json().code, 'not_found', c.route)
    }
  })

  it("leaves the owner's records whole", async () => {
    for (const resource of RESOURCES) {
      const id = ids[resource.name]
      const list = t.app.routeList.find(
        (r) => r.resource === resource.name && r.method === 'GET' && !r.url.includes(':'),
      )
      if (!id || !list) continue
      const res = await t.app.inject({ method: 'GET', url: `${list.url}?limit=1000`, headers: owner.auth })
      assert.equal(res.statusCode, 200)
      const listed = res.json().data.map((x: { id: string }) => x.id)
      assert.ok(listed.includes(id), `the owner's ${resource.name} sample is gone`)
    }
    const customer = await t.app.inject({
      method: 'GET',
      url: `/api/customers/${ids.customers}`,
      headers: owner.auth,
    })
    assert.equal(customer.json().data.name, 'Owner-only Corp')
    assert.deepEqual(customer.json().data.contact_ids, [ids.contacts])
    assert.deepEqual(customer.json().data.address_ids, [ids.addresses])
  })
})
