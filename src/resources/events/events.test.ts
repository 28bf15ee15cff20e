import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { buildTenant, buildToken, useTestApp } from '../../../test/helpers.ts'

interface Event {
  id: string
  type: string
  record_id: string
  data: Record<string, unknown>
  created_at: string
}

describe('events: every write records one, in its transaction', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) => t.app.inject({ method, url, headers: { ...tenant.auth, ...headers }, ...(payload ? { payload } : {}) })

  /** Every event of the workspace, by following the cursor a page of `limit` at a time. */
  const allEvents = async (query = '', auth = tenant.auth, limit = 2): Promise<Event[]> => {
    const out: Event[] = []
    let cursor: string | null = null
    do {
      const sep = query ? '&' : ''
      const url: string = `/api/events?${query}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`
      const res = await t.app.inject({ method: 'GET', url, headers: auth })
      assert.equal(res.statusCode, 200, res.body)
      out.push(...res.json().data)
      cursor = res.json().next_cursor
    } while (cursor)
    return out
  }
  const eventsOf = async (id: string) => allEvents(`record_id=${id}`)

  it('records created, updated, deleted and restored for a customer, with the record as it then stood', async () => {
    const created = await call('POST', '/api/customers', { name: 'Evented', type: 'company' })
    assert.equal(created.statusCode, 201)
    const id = created.json().data.id
    const patched = await call('PATCH', `/api/customers/${id}`, { name: 'Evented again' })
    assert.equal(patched.statusCode, 200)
    const read = (await call('GET', `/api/customers/${id}`)).json().data
    assert.equal((await call('DELETE', `/api/customers/${id}`)).statusCode, 200)
    const restored = await call('POST', `/api/customers/${id}/restore`)
    assert.equal(restored.statusCode, 200)

    const events = await eventsOf(id)
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.created', 'customer.updated', 'customer.deleted', 'customer.restored'],
    )
    assert.deepEqual(events[0]!.data, created.json().data)
    assert.deepEqual(events[1]!.data, patched.json().data)
    // A deletion carries the record as it stood before it.
    assert.deepEqual(events[2]!.data, read)
    assert.deepEqual(events[3]!.data, restored.json().data)
    for (const e of events) {
      assert.equal(e.record_id, id)
      assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/)
      assert.match(e.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    }
    // In the order they were recorded.
    assert.deepEqual(
      events.map((e) => e.id),
      [...events.map((e) => e.id)].sort(),
    )
  })

  it('records the writes of every resource, by type', async () => {
    const customer = (await call('POST', '/api/customers', { name: 'Parts', type: 'company' })).json().data.id
    const contact = await call('POST', '/api/contacts', {
      customer_id: customer,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
    })
    const address = await call('POST', '/api/addresses', {
      customer_id: customer,
      type: 'billing',
      address_line1: '1 rue X',
      city: 'Paris',
      postal_code: '75001',
      country: 'FR',
    })
    const segment = await call('POST', '/api/segments', { name: 'Evented segment' })
    const token = await call('POST', '/api/tokens', { name: 'Evented token' })
    for (const [res, type] of [
      [contact, 'contact.created'],
      [address, 'address.created'],
      [segment, 'segment.created'],
      [token, 'token.created'],
    ] as const) {
      assert.equal(res.statusCode, 201, res.body)
      const [event] = await eventsOf(res.json().data.id)
      assert.equal(event?.type, type)
    }
    // A token's event shows it as reads do: never its secret.
    const [tokenEvent] = await eventsOf(token.json().data.id)
    assert.equal(tokenEvent!.data.token, undefined)
    assert.ok(!JSON.stringify(tokenEvent).includes(token.json().data.token))
    assert.equal((await call('DELETE', `/api/tokens/${token.json().data.id}`)).statusCode, 200)
    assert.deepEqual(
      (await eventsOf(token.json().data.id)).map((e) => e.type),
      ['token.created', 'token.deleted'],
    )
    assert.equal((await call('DELETE', `/api/contacts/${contact.json().data.id}`)).statusCode, 200)
    assert.deepEqual(
      (await eventsOf(contact.json().data.id)).map((e) => e.type),
      ['contact.created', 'contact.deleted'],
    )
  })

  it('records nothing for a write that fails, changes nothing, or is a replay', async () => {
    const created = await call('POST', '/api/customers', { name: 'Quiet', type: 'company' })
    const id = created.json().data.id
    const segment = (await call('POST', '/api/segments', { name: 'Busy' })).json().data.id
    await call('PATCH', `/api/customers/${id}`, { segment_id: segment })
    const count = async () => (await allEvents('', tenant.auth, 1000)).length
    const before = await count()

    const stale = await call('PATCH', `/api/customers/${id}`, { name: 'X' }, { 'if-match': '"999"' })
    assert.equal(stale.statusCode, 412)
    assert.equal((await call('DELETE', `/api/segments/${segment}`)).statusCode, 409)
    assert.equal((await call('PATCH', `/api/customers/${id}`, { name: '' })).statusCode, 400)
    assert.equal((await call('DELETE', '/api/contacts/0190b0a4-0000-7000-8000-000000000000')).statusCode, 404)
    // An empty PATCH changes nothing: the version stays, and no event is recorded.
    const same = await call('PATCH', `/api/customers/${id}`, {})
    assert.equal(same.statusCode, 200)
    assert.equal(same.headers.etag, (await call('GET', `/api/customers/${id}`)).headers.etag)
    assert.equal(await count(), before)

    const keyed = { 'idempotency-key': `events-${id}` }
    const first = await call('PATCH', `/api/customers/${id}`, { name: 'Once' }, keyed)
    const replay = await call('PATCH', `/api/customers/${id}`, { name: 'Once' }, keyed)
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    assert.equal(replay.body, first.body)
    assert.equal(await count(), before + 1)
  })

  it('filters by type, record and instant, and pages with a cursor', async () => {
    const since = new Date(Date.now() - 1000).toISOString()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      ids.push((await call('POST', '/api/segments', { name: `Paged ${i}` })).json().data.id)
    }
    const created = await allEvents(`type=segment.created&since=${encodeURIComponent(since)}`)
    assert.deepEqual(
      created.filter((e) => ids.includes(e.record_id)).map((e) => e.record_id),
      ids,
    )
    assert.ok(created.every((e) => e.type === 'segment.created'))
    const future = new Date(Date.now() + 3_600_000).toISOString()
    assert.deepEqual(await allEvents(`since=${encodeURIComponent(future)}`), [])
    const bad = await call('GET', '/api/events?type=Customer%20created')
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().code, 'invalid_parameter')
    assert.equal((await call('GET', '/api/events?colour=blue')).json().code, 'unknown_parameter')
  })

  it('needs events:read, which no token can be granted write of, and shows another workspace nothing', async () => {
    const writer = await buildToken(t.db, tenant.workspaceId, ['customers:write'])
    const denied = await t.app.inject({ method: 'GET', url: '/api/events', headers: writer.auth })
    assert.equal(denied.statusCode, 403)
    assert.match(denied.json().error, /events:read/)
    const reader = await buildToken(t.db, tenant.workspaceId, ['events:read'])
    assert.ok((await allEvents('', reader.auth, 1000)).length > 0)
    const refused = await call('POST', '/api/tokens', { name: 'No', scopes: ['events:write'] })
    assert.equal(refused.statusCode, 400)

    const stranger = await buildTenant(t.db)
    assert.deepEqual(await allEvents('', stranger.auth), [])
  })
})
