// Two `quoin serve` processes on one SQLite file, written to at once. SQLite lets one writer at a time
// hold the file: a transaction that began deferred, read, and then found another process had committed
// meanwhile could not write (SQLITE_BUSY_SNAPSHOT) and answered 503. Transactions begin IMMEDIATE, so
// the second writer waits for the first instead. SQLite only: on PostgreSQL there is nothing to check.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connect } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { killAllServers, type ServerProcess, startServer } from './fixtures/crash-server.ts'
import { buildTenant, createTestDatabase, dialect, type TestDatabase } from './helpers.ts'

const CREATES = 40
const INCREMENTS = 20
const CONTACTS = 30
const PATCHES = 30
/** An If-Match increment retried this many times at most after a 412 (another writer won the race). */
const MAX_ATTEMPTS = 200

interface Customer {
  id: string
  name: string
  id_crm: string | null
  id_erp: string | null
  id_accounting: string | null
  tax_ids: { tax: string; tax_value: string }[]
  contact_ids: string[]
}

interface Answer<T> {
  success: boolean
  data: T
  has_more?: boolean
  next_cursor?: string | null
}

describe('two quoin serve processes writing to one SQLite file', { skip: dialect !== 'sqlite' }, () => {
  let database: TestDatabase
  let servers: [ServerProcess, ServerProcess]

  before(async () => {
    database = await createTestDatabase()
    const db = connect(database.url)
    let auth: Record<string, string>
    try {
      await migrateToLatest(db.kysely)
      auth = (await buildTenant(db)).auth
    } finally {
      await db.close()
    }
    const env = { DATABASE_URL: database.url }
    servers = [await startServer(env, auth), await startServer(env, auth)]
  })

  after(async () => {
    await killAllServers()
    await database?.drop()
  })

  it('answers every write of both, none with a 5xx, and both read the same consistent data', async () => {
    const statuses = new Map<string, number>()
    const failures: string[] = []
    let requests = 0
    /** Sends a request; records anything other than the statuses expected, and every 5xx. */
    const send = async <T>(
      server: ServerProcess,
      method: string,
      path: string,
      body: unknown,
      expected: number[],
      headers?: Record<string, string>,
    ): Promise<{ status: number; body: Answer<T> } | undefined> => {
      requests++
      try {
        const res = await server.request<Answer<T>>(method, path, body, headers)
        const key = `${method} ${path.replace(/[0-9a-f-]{36}/g, '{id}')} ${res.status}`
        statuses.set(key, (statuses.get(key) ?? 0) + 1)
        if (!expected.includes(res.status)) {
          failures.push(`${method} ${path} on :${server.port}: ${res.status} ${JSON.stringify(res.body)}`)
          return undefined
        }
        return res
      } catch (err) {
        failures.push(`${method} ${path} on :${server.port}: ${(err as Error).message}`)
        return undefined
      }
    }
    const create = async (server: ServerProcess, payload: object) =>
      (await send<Customer>(server, 'POST', '/api/customers', payload, [201]))?.body.data

    const [a, b] = servers
    const counter = await create(a, { name: 'Counter', type: 'company', id_crm: '0' })
    const patched = await create(b, { name: 'p-start', type: 'company', id_erp: 'e-start' })
    assert.ok(counter && patched, failures.join('\n'))

    const kept = new Set<string>()
    const deleted = new Set<string>()
    const contactIds = new Set<string>()
    let increments = 0

    // Creates customers, each odd one deleted at once through the other process.
    const creator = async (self: ServerProcess, other: ServerProcess, label: string) => {
      for (let i = 0; i < CREATES; i++) {
        const customer = await create(self, {
          name: `${label}-${i}`,
          type: i % 2 ? 'individual' : 'company',
          tax_ids: [{ tax: 'REF', tax_value: `${label}-${i}` }],
        })
        if (!customer) continue
        if (i % 2 === 0) {
          kept.add(customer.id)
          continue
        }
        const res = await send(other, 'DELETE', `/api/customers/${customer.id}`, undefined, [200])
        if (res) deleted.add(customer.id)
      }
    }
    // Increments id_crm under If-Match: a 412 means another writer got there first, read again.
    const incrementer = async (self: ServerProcess) => {
      for (let i = 0; i < INCREMENTS; i++) {
        for (let attempt = 1; ; attempt++) {
          const read = await self.request<Answer<Customer>>('GET', `/api/customers/${counter.id}`)
          requests++
          if (read.status !== 200) {
            failures.push(`GET counter: ${read.status} ${JSON.stringify(read.body)}`)
            return
          }
          const next = String(Number(read.body.data.id_crm) + 1)
          const res = await send<Customer>(
            self,
            'PATCH',
            `/api/customers/${counter.id}`,
            { id_crm: next },
            [200, 412],
            { 'if-match': String(read.headers.etag) },
          )
          if (!res) return
          if (res.status === 200) {
            increments++
            break
          }
          if (attempt >= MAX_ATTEMPTS) {
            failures.push(`the counter lost ${MAX_ATTEMPTS} races in a row`)
            return
          }
        }
      }
    }
    const contactAdder = async (self: ServerProcess, label: string) => {
      for (let i = 0; i < CONTACTS; i++) {
        const res = await send<{ id: string }>(
          self,
          'POST',
          '/api/contacts',
          {
            customer_id: counter.id,
            first_name: label,
            last_name: `n${i}`,
            email: `${label}${i}@example.com`,
          },
          [201],
        )
        if (res) contactIds.add(res.body.data.id)
      }
    }
    // Every PATCH writes name, two ids and the tax ids with one mark: a record mixing marks was torn.
    const sentMarks = new Set<string>()
    const patcher = async (self: ServerProcess, label: string) => {
      for (let i = 0; i < PATCHES; i++) {
        const mark = `${label}${i}`
        sentMarks.add(mark)
        await send(
          self,
          'PATCH',
          `/api/customers/${patched.id}`,
          {
            name: `p-${mark}`,
            id_erp: `e-${mark}`,
            id_accounting: `a-${mark}`,
            tax_ids: [
              { tax: 'REF', tax_value: `t-${mark}` },
              { tax: 'OLD', tax_value: `o-${mark}` },
            ],
          },
          [200],
        )
      }
    }

    await Promise.all([
      creator(a, b, 'a'),
      creator(b, a, 'b'),
      incrementer(a),
      incrementer(b),
      contactAdder(a, 'a'),
      contactAdder(b, 'b'),
      patcher(a, 'a'),
      patcher(b, 'b'),
    ])
    assert.deepEqual(failures, [], [...statuses].map(([k, n]) => `${k} ×${n}`).join('\n'))
    assert.ok(requests >= 300, `${requests} requests`)
    assert.equal(kept.size, CREATES)
    assert.equal(deleted.size, CREATES)

    for (const server of servers) {
      const list = await server.request<Answer<Customer[]>>('GET', '/api/customers?limit=1000')
      assert.equal(list.status, 200)
      assert.equal(list.body.has_more, false)
      const ids = new Set(list.body.data.map((c) => c.id))
      assert.deepEqual(ids, new Set([counter.id, patched.id, ...kept]))
      for (const c of list.body.data) {
        if (!kept.has(c.id)) continue
        assert.deepEqual(c.tax_ids, [{ tax: 'REF', tax_value: c.name }])
      }
      for (const id of deleted) {
        assert.equal((await server.request('GET', `/api/customers/${id}`)).status, 404)
      }

      const count: Customer = (await server.request<Answer<Customer>>('GET', `/api/customers/${counter.id}`))
        .body.data
      // No increment lost, none counted twice.
      assert.equal(count.id_crm, String(2 * INCREMENTS))
      assert.equal(increments, 2 * INCREMENTS)
      assert.deepEqual(new Set(count.contact_ids), contactIds)
      assert.equal(contactIds.size, 2 * CONTACTS)
      const contacts: { body: Answer<{ id: string }[]> } = await server.request<Answer<{ id: string }[]>>(
        'GET',
        `/api/contacts?customer_id=${counter.id}`,
      )
      assert.deepEqual(new Set(contacts.body.data.map((c) => c.id)), contactIds)

      const last: Customer = (await server.request<Answer<Customer>>('GET', `/api/customers/${patched.id}`))
        .body.data
      const mark: string = last.name.slice('p-'.length)
      assert.ok(sentMarks.has(mark), last.name)
      assert.deepEqual(
        [last.id_erp, last.id_accounting, last.tax_ids],
        [
          `e-${mark}`,
          `a-${mark}`,
          [
            { tax: 'REF', tax_value: `t-${mark}` },
            { tax: 'OLD', tax_value: `o-${mark}` },
          ],
        ],
      )
    }
  })
})
