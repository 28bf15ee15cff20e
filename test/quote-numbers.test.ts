// Quote numbers taken through the API by two `quoin serve` processes on one database, 50 creations at once:
// each number once, none skipped (see src/resources/settings/numbers.ts for how).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killAllServers, type ServerProcess, startServer } from './fixtures/crash-server.ts'
import { api, buildTenant, buildTestApp, type TestContext } from './helpers.ts'
import { buildPricedProduct, buildQuoteCustomer, defaultVat } from './quote-fixtures.ts'

const CREATIONS = 50
/** How many times a creation answered 503 (database busy) is sent at most. */
const MAX_ATTEMPTS = 5

interface Answer<T> {
  success: boolean
  data: T
}

describe('50 quotes created at once through two quoin serve processes', () => {
  let t: TestContext
  let servers: ServerProcess[] = []
  let body: object

  before(async () => {
    t = await buildTestApp()
    const tenant = await buildTenant(t.db)
    const a = api(t, tenant.auth)
    const customer = await buildQuoteCustomer(a)
    const product = await buildPricedProduct(a, 'Widget', {
      pricing_model: 'flat',
      amount: 10,
      default_tax_id: await defaultVat(a),
    })
    body = {
      customer_id: customer.id,
      pricing_table: {
        sections: [
          {
            name: 'Main',
            phases: [{ name: 'Year 1', line_items: [{ product_id: product.id, quantity: 2 }] }],
          },
        ],
      },
    }
    const settings = await a.patch('/api/workspace/settings', { quote_number_pattern: 'QT-{000}' })
    assert.equal(settings.statusCode, 200, settings.body)
    const env = { DATABASE_URL: t.database.url }
    servers = [await startServer(env, tenant.auth), await startServer(env, tenant.auth)]
  })

  after(async () => {
    // The servers go before their database does.
    await killAllServers()
    await t?.close()
  })

  it('number them QT-001 to QT-050, each once, none skipped', async (tc) => {
    // Creations of one workspace queue on its counter until each commits: under load a request may wait
    // longer for a database connection than the pool allows, and is answered 503 with Retry-After, having
    // written nothing (so taken no number). It is sent again, as a client honouring Retry-After would, under
    // its Idempotency-Key.
    let retried = 0
    const create = async (server: ServerProcess, key: string) => {
      for (let attempt = 1; ; attempt++) {
        const res = await server.request<Answer<{ id: string; number: string }>>(
          'POST',
          '/api/quotes',
          body,
          {
            'idempotency-key': key,
          },
        )
        if (res.status !== 503 || attempt === MAX_ATTEMPTS) return res
        retried++
        await new Promise((resolve) => setTimeout(resolve, Number(res.headers['retry-after'] ?? 1) * 1000))
      }
    }
    const answers = await Promise.all(
      Array.from({ length: CREATIONS }, (_, i) => create(servers[i % 2]!, `number-${i}`)),
    )
    tc.diagnostic(`${retried} creations answered 503 and sent again`)
    const refused = answers.filter((r) => r.status !== 201)
    assert.deepEqual(
      refused.map((r) => `${r.status} ${JSON.stringify(r.body)}`),
      [],
    )
    const expected = Array.from({ length: CREATIONS }, (_, i) => `QT-${String(i + 1).padStart(3, '0')}`)
    assert.deepEqual(answers.map((r) => r.body.data.number).sort(), expected)
    for (const server of servers) {
      const list = await server.request<Answer<{ number: string }[]>>('GET', '/api/quotes?limit=100')
      assert.equal(list.status, 200)
      assert.deepEqual(list.body.data.map((q) => q.number).sort(), expected)
    }
    const settings = await servers[0]!.request<Answer<{ next_quote_number: string }>>(
      'GET',
      '/api/workspace/settings',
    )
    assert.equal(settings.body.data.next_quote_number, 'QT-051')
  })
})
