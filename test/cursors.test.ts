import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTenant, buildTestApp, buildToken, insertCustomer, type TestContext } from './helpers.ts'

// A cursor is input like any other: checked to the letter, and bound to the list and filters it came from.

let t: TestContext
let tenant: Awaited<ReturnType<typeof buildTenant>>
let customerId: string

interface PageBody {
  data: { id: string }[]
  has_more: boolean
  next_cursor: string | null
}

const LISTS = ['customers', 'contacts', 'addresses', 'segments', 'tokens'] as const

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: tenant.auth })

/** The next_cursor of the first page of one record. */
async function cursorOf(path: string): Promise<string> {
  const sep = path.includes('?') ? '&' : '?'
  const res = await get(`${path}${sep}limit=1`)
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json() as PageBody
  assert.ok(body.next_cursor, `${path} has a second page`)
  return body.next_cursor
}

const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function assertInvalidCursor(res: { statusCode: number; json(): unknown }, label: string, pattern?: RegExp) {
  assert.equal(res.statusCode, 400, label)
  const body = res.json() as { code: string; error: string }
  assert.equal(body.code, 'invalid_parameter', label)
  assert.match(body.error, /'cursor'/, label)
  if (pattern) assert.match(body.error, pattern, label)
}

before(async () => {
  t = await buildTestApp()
  tenant = await buildTenant(t.db)
  customerId = (await insertCustomer(t.db, tenant.workspaceId, { contacts: 3, addresses: 3 })).id
  await insertCustomer(t.db, tenant.workspaceId, { contacts: 1 })
  for (const type of ['company', 'individual', 'company', 'individual']) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: tenant.auth,
      payload: { name: `A ${type}`, type },
    })
    assert.equal(res.statusCode, 201, res.body)
  }
  for (const name of ['One', 'Two', 'Three']) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/segments',
      headers: tenant.auth,
      payload: { name },
    })
    assert.equal(res.statusCode, 201, res.body)
  }
  await buildToken(t.db, tenant.workspaceId, ['customers:read'])
  await buildToken(t.db, tenant.workspaceId, ['contacts:read'])
})

after(() => t.close())

describe('a cursor checked as strictly as any other input', () => {
  for (const list of LISTS) {
    it(`/api/${list} answers 400 to a cursor whose date is out of range, on every database`, async () => {
      const real = decode(await cursorOf(`/api/${list}`))
      for (const v of [
        '0000-01-01T00:00:00Z',
        '0000-01-01T00:00:00.000Z',
        '1969-12-31T23:59:59.999Z',
        '10000-01-01T00:00:00.000Z',
        '+010000-01-01T00:00:00.000Z',
        '-000001-01-01T00:00:00.000Z',
      ]) {
        const res = await get(`/api/${list}?limit=1&cursor=${encode({ ...real, v })}`)
        assertInvalidCursor(res, `${list} at ${v}`)
      }
    })

    it(`/api/${list} answers 400 to a cursor it did not give, whatever its shape`, async () => {
      const real = decode(await cursorOf(`/api/${list}`))
      const { s, v, id, b } = real
      const cases: [string, string][] = [
        ['not base64url', 'not a cursor!'],
        ['base64 of text', Buffer.from('hello').toString('base64url')],
        ['base64 with padding', `${encode(real)}=`],
        ['JSON null', encode(null)],
        ['a JSON array', encode([s, v, id, b])],
        ['a JSON string', encode('cursor')],
        ['an extra key', encode({ ...real, x: 1 })],
        ['a key missing', encode({ s, v, id })],
        ['keys in another order', encode({ b, id, v, s })],
        ['spaces in its JSON', Buffer.from(JSON.stringify(real, null, 1)).toString('base64url')],
        ['an id that is not a UUID', encode({ ...real, id: 'cust_456' })],
        ['an id in capitals', encode({ ...real, id: String(id).toUpperCase() })],
        ['an unknown sort', encode({ ...real, s: 'name' })],
        ['a number as date', encode({ ...real, v: 0 })],
        ['a date without milliseconds', encode({ ...real, v: String(v).replace(/\.\d{3}Z$/, 'Z') })],
        ['a date with an offset', encode({ ...real, v: String(v).replace(/Z$/, '+00:00') })],
        ['a date that does not exist', encode({ ...real, v: '2026-02-30T10:00:00.000Z' })],
        ['an hour that does not exist', encode({ ...real, v: '2026-02-10T24:00:00.000Z' })],
        ['a binding of another length', encode({ ...real, b: `${b}x` })],
        ['a binding that is not base64url', encode({ ...real, b: 'abc/def+ghi=' })],
      ]
      for (const [label, cursor] of cases) {
        const res = await get(`/api/${list}?limit=1&cursor=${encodeURIComponent(cursor)}`)
        assertInvalidCursor(res, `${list}: ${label}`, /not a cursor this list gave/)
      }
    })
  }
})

describe('a cursor bound to its list and filters', () => {
  it('refuses a cursor of another list, in every direction', async () => {
    const cursors = new Map<string, string>()
    for (const list of LISTS) cursors.set(list, await cursorOf(`/api/${list}`))
    for (const from of LISTS) {
      for (const to of LISTS) {
        if (from === to) continue
        const res = await get(`/api/${to}?limit=1&cursor=${cursors.get(from)}`)
        assertInvalidCursor(res, `${from} → ${to}`, /belongs to another list or other filters/)
      }
    }
  })

  it('refuses a cursor of ?type=company on ?type=individual, and on no filter at all', async () => {
    const cursor = await cursorOf('/api/customers?type=company')
    for (const query of ['type=individual', '', 'type=company&q=A', 'updated_since=2000-01-01T00:00:00Z']) {
      const res = await get(`/api/customers?${query}&limit=1&cursor=${cursor}`)
      assertInvalidCursor(res, query, /belongs to another list or other filters/)
    }
    const unfiltered = await cursorOf('/api/customers')
    const res = await get(`/api/customers?type=company&limit=1&cursor=${unfiltered}`)
    assertInvalidCursor(res, 'unfiltered → type=company', /belongs to another list or other filters/)
  })

  it('refuses a cursor of one customer_id on contacts of another, or of none', async () => {
    const cursor = await cursorOf(`/api/contacts?customer_id=${customerId}`)
    const other = '01900000-0000-7000-8000-000000000000'
    for (const query of [`customer_id=${other}`, '']) {
      const res = await get(`/api/contacts?${query}&limit=1&cursor=${cursor}`)
      assertInvalidCursor(res, query, /belongs to another list or other filters/)
    }
  })

  it('follows a cursor with the same filters, whatever the limit and the order of the parameters', async () => {
    const all = (await get('/api/customers?type=company&limit=100')).json() as PageBody
    assert.ok(all.data.length >= 2)
    const seen: string[] = []
    let cursor: string | null = null
    let limit = 1
    do {
      const url: string = cursor
        ? `/api/customers?cursor=${cursor}&limit=${limit}&type=company`
        : `/api/customers?type=company&limit=${limit}`
      const res = await get(url)
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json() as PageBody
      seen.push(...body.data.map((c) => c.id))
      cursor = body.next_cursor
      limit = 2
    } while (cursor)
    assert.deepEqual(
      seen,
      all.data.map((c) => c.id),
    )
  })

  it('follows a cursor on every list with the same filters', async () => {
    for (const path of [
      '/api/customers',
      '/api/contacts',
      `/api/contacts?customer_id=${customerId}`,
      `/api/addresses?customer_id=${customerId}&type=billing`,
      '/api/segments',
      '/api/tokens',
    ]) {
      const cursor = await cursorOf(path)
      const sep = path.includes('?') ? '&' : '?'
      const res = await get(`${path}${sep}limit=1&cursor=${cursor}`)
      assert.equal(res.statusCode, 200, `${path}: ${res.body}`)
      assert.equal((res.json() as PageBody).data.length, 1, path)
    }
  })
})
