import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { tokenUsageOf } from '../src/http/auth.ts'
import {
  addressRow,
  buildTenant,
  contactRow,
  insertCustomer,
  nextInstant,
  type TestApp,
  useTestApp,
} from './helpers.ts'

// Qwoty documents the contacts, addresses and tokens lists as whole lists: a client that sends neither
// limit nor cursor gets every record (streamed past the first batch), one that does gets pages.

let tenant: Awaited<ReturnType<typeof buildTenant>>
let customerId: string
const COUNT = 1234
const t = useTestApp({ setUp: fill })

/** A workspace with COUNT contacts, addresses and tokens. */
async function fill({ db }: TestApp) {
  tenant = await buildTenant(db)
  customerId = (await insertCustomer(db, tenant.workspaceId)).id
  const other = (await insertCustomer(db, tenant.workspaceId)).id
  const ws = tenant.workspaceId
  const indexes = Array.from({ length: COUNT }, (_, i) => i)
  for (let start = 0; start < COUNT; start += 200) {
    const batch = indexes.slice(start, start + 200)
    await db.kysely
      .insertInto('contacts')
      .values(
        batch.map((i) => ({
          ...contactRow(ws, i % 2 === 0 ? customerId : other, i),
          first_name: `Ada ${i}`,
        })),
      )
      .execute()
    await db.kysely
      .insertInto('addresses')
      .values(
        batch.map((i) => ({ ...addressRow(ws, customerId, i), type: i % 3 === 0 ? 'shipping' : 'billing' })),
      )
      .execute()
    await db.kysely
      .insertInto('api_tokens')
      .values(
        batch.map((i) => {
          const id = uuidv7()
          return {
            id,
            workspace_id: ws,
            name: `token ${i}`,
            token_hash: `hash-${id}`,
            last4: 'abcd',
            scopes: 'customers:read',
            expires_at: null,
            last_used_at: null,
            revoked_at: null,
            created_at: nextInstant(),
          }
        }),
      )
      .execute()
  }
  // The token's first use is written a second later (last_used_at, shown by /api/tokens): written now, so
  // that it cannot land between a whole list and the pages it is compared with.
  await get('/api/tokens?limit=1')
  await tokenUsageOf(t.app)!.flush()
}

const get = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url, headers: tenant.auth })
  assert.equal(res.statusCode, 200, res.body.slice(0, 500))
  return res
}

/** Every record of a list, walked a page at a time. */
async function walk(url: string): Promise<{ id: string }[]> {
  const all: { id: string }[] = []
  let cursor: string | null = null
  do {
    const sep = url.includes('?') ? '&' : '?'
    const page = await get(`${url}${sep}limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
    const body = page.json() as { data: { id: string }[]; next_cursor: string | null }
    all.push(...body.data)
    cursor = body.next_cursor
  } while (cursor)
  return all
}

for (const [url, expected] of [
  ['/api/contacts', COUNT],
  ['/api/addresses', COUNT],
  ['/api/tokens', COUNT + 1],
  [`/api/contacts?customer_id=CUSTOMER`, COUNT / 2],
  ['/api/addresses?type=shipping', Math.ceil(COUNT / 3)],
] as const) {
  describe(`GET ${url}`, () => {
    const at = () => url.replace('CUSTOMER', customerId)

    it(`answers every record without limit or cursor (${expected}), exactly as the pages would`, async () => {
      const res = await get(at())
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8/)
      const body = res.json()
      assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
      assert.equal(body.success, true)
      assert.equal(body.has_more, false)
      assert.equal(body.next_cursor, null)
      assert.equal(body.data.length, expected)
      assert.deepEqual(body.data, await walk(at()))
      assert.equal(new Set(body.data.map((r: { id: string }) => r.id)).size, expected)
    })

    it('answers a page when limit is given', async () => {
      const sep = at().includes('?') ? '&' : '?'
      const body = (await get(`${at()}${sep}limit=7`)).json()
      assert.equal(body.data.length, 7)
      assert.equal(body.has_more, true)
      assert.equal(typeof body.next_cursor, 'string')
    })
  })
}

describe('a whole list under a filter that matches few', () => {
  it('answers the short list in one body', async () => {
    const body = (await get('/api/contacts?email=ada7@example.com')).json()
    assert.deepEqual(
      body.data.map((c: { email: string }) => c.email),
      ['ada7@example.com'],
    )
    assert.equal(body.has_more, false)
  })
})
