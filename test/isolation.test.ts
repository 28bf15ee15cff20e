import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { RESOURCES } from '../src/resources/index.ts'
import {
  buildTenant,
  caseHeaders,
  makeSamples,
  type RouteCase,
  routeCases,
  snapshotWorkspace,
  useTestApp,
} from './helpers.ts'

// The matrix is derived from the list of resources: every route of every resource, called with another
// workspace's token and the owner's ids, reveals and changes nothing. A new resource is in it by being listed.

describe('workspace isolation', () => {
  const t = useTestApp()
  let owner: Awaited<ReturnType<typeof buildTenant>>
  let intruder: Awaited<ReturnType<typeof buildTenant>>
  let ids: Record<string, string>
  let cases: RouteCase[]
  let untouched: Awaited<ReturnType<typeof snapshotWorkspace>>

  before(async () => {
    owner = await buildTenant(t.db)
    intruder = await buildTenant(t.db)
    ids = await makeSamples(t.app, owner.auth)
    const derived = routeCases(t.app, ids)
    // A PATCH with an empty body writes nothing even for the owner: it must still be a 404 to anyone else.
    const empty = derived
      .filter((c) => c.method === 'PATCH' || c.method === 'PUT')
      .map((c) => ({ ...c, body: {} }))
    cases = [...derived, ...empty]
    untouched = await snapshotWorkspace(t, owner, ids)
  })

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
    const routes = t.app.routeList.filter((r) => r.scope).map((r) => `${r.method} ${r.url}`)
    assert.deepEqual([...new Set(cases.map((c) => c.route))].sort(), [...routes].sort())
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
        headers: caseHeaders(c, intruder.auth),
        ...(c.body ? { payload: c.body } : {}),
      })
      const label = `${c.route} ${JSON.stringify(c.body ?? null)}`
      assert.equal(res.statusCode, c.intrusion, `${label}: ${res.body}`)
      for (const id of secrets) assert.ok(!res.body.includes(id), `${label} leaks ${id}`)
      assert.ok(!res.body.includes('Owner-only'), `${label} leaks a sample of the owner`)
      if (c.intrusion === 404) {
        // The very answer to an id that names nothing: it says nothing of the record.
        const noun = RESOURCES.find((r) => r.name === c.resource)!.noun
        assert.deepEqual(res.json(), { success: false, error: `${noun} not found`, code: 'not_found' }, label)
      }
    }
  })

  it("leaves the owner's records whole: every read and every stored row as before", async () => {
    assert.deepEqual(await snapshotWorkspace(t, owner, ids), untouched)
    for (const resource of RESOURCES) {
      const id = ids[resource.name]
      const list = t.app.routeList.find(
        (r) => r.resource === resource.name && r.method === 'GET' && !r.url.includes(':'),
      )
      // A singleton has no list: its GET, compared above, is its one record.
      if (!id || !list || resource.singleton) continue
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
