import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildToken, useTestApp } from '../../../test/helpers.ts'
import { buildPaymentTerm } from '../../../test/quote-fixtures.ts'
import { buildQuoteWorld, type Json, type QuoteWorld } from '../../../test/quote-world.ts'

const KEYS = [
  'id',
  'number',
  'quote_id',
  'quote_number',
  'customer',
  'currency',
  'pricing_table',
  'summary',
  'payment_schedule',
  'net_amount',
  'tax_amount',
  'total_amount',
  'created_by',
  'created_at',
]
const NOT_FOUND = { success: false, error: 'Order not found', code: 'not_found' }
const YEAR = new Date().getUTCFullYear()

describe('orders made by accepting quotes', () => {
  const t = useTestApp()
  let w: QuoteWorld
  let quote: Json
  let accepted: { status: number; body: Json }

  before(async () => {
    w = await buildQuoteWorld(t)
    const term = await buildPaymentTerm(w.a, [
      { percentage: 30, term: 'due_now', name: 'Deposit' },
      { percentage: 70, term: 'net30' },
    ])
    quote = await w.buildQuote(
      { quantity: 3, discount: { type: 'percent', value: 10 } },
      { payment_term_id: term, discount: { type: 'amount', value: 10 } },
    )
    await w.done(quote.id, 'publish')
    const res = await w.act(quote.id, 'accept', {}, w.manager.auth)
    accepted = { status: res.statusCode, body: res.json() }
  })

  it('accepts the quote and makes its order in the same write, naming it beside the quote', async () => {
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
    assert.deepEqual(Object.keys(accepted.body), ['success', 'data', 'order'])
    assert.equal(accepted.body.data.status, 'accepted')
    assert.deepEqual(accepted.body.order, {
      id: accepted.body.order.id,
      number: `ORD-${YEAR}-0001`,
    })
    const events = await w.events(accepted.body.order.id)
    assert.deepEqual(events, ['order.created'])
    assert.deepEqual((await w.events(quote.id)).slice(-1), ['quote.accepted'])
  })

  it('copies the quote as accepted: number, customer, pricing table, summary, schedule and totals', async () => {
    const res = await w.a.get(`/api/orders/${accepted.body.order.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.etag, '"1"')
    const order = res.json().data
    assert.deepEqual(Object.keys(order), KEYS)
    const read = accepted.body.data
    assert.deepEqual(order, {
      id: accepted.body.order.id,
      number: `ORD-${YEAR}-0001`,
      quote_id: quote.id,
      quote_number: read.number,
      customer: read.customer,
      currency: read.currency,
      pricing_table: read.pricing_table,
      summary: read.summary,
      payment_schedule: read.payment_schedule,
      net_amount: read.summary.one_off.net_amount,
      tax_amount: read.summary.one_off.tax_amount,
      total_amount: read.summary.one_off.total_amount,
      created_by: w.manager.user,
      created_at: order.created_at,
    })
    // 3 × 100, 10 % off the line (270), 10 off the quote (260), VAT 20 %.
    assert.deepEqual([order.net_amount, order.tax_amount, order.total_amount], [260, 52, 312])
    assert.deepEqual(
      order.payment_schedule.map((i: Json) => [i.name, i.amount]),
      [
        ['Deposit', 93.6],
        [null, 218.4],
      ],
    )
  })

  it('makes exactly one order: accepting again is a 409, and the order stays as it was', async () => {
    const again = await w.act(quote.id, 'accept')
    assert.equal(again.statusCode, 409)
    const list = await w.a.get(`/api/orders?quote_id=${quote.id}`)
    assert.equal(list.json().data.length, 1)
    const count = await t.db.kysely
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('quote_id', '=', quote.id)
      .executeTakeFirstOrThrow()
    assert.equal(Number(count.n), 1)
  })

  it('never changes when the customer, the product or its price change afterwards', async () => {
    const before = (await w.a.get(`/api/orders/${accepted.body.order.id}`)).body
    await w.a.patch(`/api/customers/${w.customer.id}`, { name: 'Renamed Inc.' })
    await w.a.patch(`/api/products/${w.widget.id}`, { name: 'Gadget' })
    await w.a.patch(`/api/prices/${w.widget.priceIds['']}`, { amount: 999 })
    assert.equal((await w.a.get(`/api/orders/${accepted.body.order.id}`)).body, before)
  })

  it('refuses every write: 405 with Allow naming GET', async () => {
    const id = accepted.body.order.id
    for (const [method, url] of [
      ['PATCH', `/api/orders/${id}`],
      ['PUT', `/api/orders/${id}`],
      ['DELETE', `/api/orders/${id}`],
      ['POST', `/api/orders/${id}`],
      ['POST', '/api/orders'],
      ['PATCH', '/api/orders'],
      ['DELETE', '/api/orders'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: w.tenant.auth, payload: { net_amount: 0 } })
      assert.equal(res.statusCode, 405, `${method} ${url}`)
      assert.equal(res.json().code, 'method_not_allowed', `${method} ${url}`)
      assert.deepEqual(String(res.headers.allow).split(', '), ['GET', 'HEAD', 'OPTIONS'], `${method} ${url}`)
    }
    const stored = await w.a.get(`/api/orders/${id}`)
    assert.equal(stored.json().data.net_amount, 260)
  })

  it('numbers orders on their own counter, apart from quotes', async () => {
    const next = await w.buildQuote()
    await w.done(next.id, 'publish', { signature_required: true })
    const res = await w.act(next.id, 'accept')
    assert.equal(res.json().order.number, `ORD-${YEAR}-0002`)
  })
})

describe('GET /api/orders', () => {
  const t = useTestApp()
  let w: QuoteWorld
  const orders: Json[] = []
  let otherCustomer: string

  before(async () => {
    w = await buildQuoteWorld(t)
    otherCustomer = (await w.a.post('/api/customers', { name: 'Other', type: 'company' })).json().data.id
    for (const customer of [w.customer.id, otherCustomer, w.customer.id]) {
      const quote = await w.buildQuote({}, { customer_id: customer })
      await w.done(quote.id, 'publish')
      const res = await w.act(quote.id, 'accept')
      orders.push({ ...res.json().order, quote_id: quote.id, customer_id: customer })
    }
  })

  it('lists the orders oldest first, a page at a time, keys in order', async () => {
    const res = await w.a.get('/api/orders')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.deepEqual(
      body.data.map((o: Json) => o.id),
      orders.map((o) => o.id),
    )
    for (const o of body.data) assert.deepEqual(Object.keys(o), KEYS)
    const first = (await w.a.get('/api/orders?limit=2')).json()
    assert.equal(first.has_more, true)
    const rest = (await w.a.get(`/api/orders?limit=2&cursor=${first.next_cursor}`)).json()
    assert.deepEqual(
      [...first.data, ...rest.data].map((o: Json) => o.id),
      orders.map((o) => o.id),
    )
  })

  it('filters by customer_id and quote_id; an unknown one matches nothing', async () => {
    const byCustomer = (await w.a.get(`/api/orders?customer_id=${w.customer.id.toUpperCase()}`)).json().data
    assert.deepEqual(
      byCustomer.map((o: Json) => o.id),
      [orders[0]!.id, orders[2]!.id],
    )
    const byQuote = (await w.a.get(`/api/orders?quote_id=${orders[1]!.quote_id}`)).json().data
    assert.deepEqual(
      byQuote.map((o: Json) => o.id),
      [orders[1]!.id],
    )
    assert.deepEqual((await w.a.get('/api/orders?quote_id=nope')).json().data, [])
    const bad = await w.a.get('/api/orders?status=open')
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().code, 'unknown_parameter')
  })

  it("never shows another workspace's orders; 404 for one by id", async () => {
    const other = await buildQuoteWorld(t)
    assert.deepEqual((await other.a.get('/api/orders')).json().data, [])
    assert.deepEqual((await other.a.get(`/api/orders/${orders[0]!.id}`)).json(), NOT_FOUND)
    assert.deepEqual((await w.a.get(`/api/orders/${uuidv7()}`)).json(), NOT_FOUND)
    assert.deepEqual((await w.a.get('/api/orders/nope')).json(), NOT_FOUND)
  })

  it('needs orders:read: 401 without a token, 403 with quotes:write alone', async () => {
    assert.equal((await w.a.get('/api/orders', {})).statusCode, 401)
    const quotes = await buildToken(t.db, w.tenant.workspaceId, ['quotes:write'])
    const refused = await w.a.get(`/api/orders/${orders[0]!.id}`, quotes.auth)
    assert.equal(refused.statusCode, 403)
    assert.deepEqual(refused.json(), {
      success: false,
      error: "This token lacks the 'orders:read' permission",
      code: 'insufficient_scope',
    })
    const reader = await buildToken(t.db, w.tenant.workspaceId, ['orders:read'])
    assert.equal((await w.a.get(`/api/orders/${orders[0]!.id}`, reader.auth)).statusCode, 200)
    assert.equal((await w.a.get('/api/orders', reader.auth)).json().data.length, 3)
  })
})
