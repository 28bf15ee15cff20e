import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { DEMO_WORKSPACE_ID, loadDemo } from '../src/demo.ts'
import { DEMO_OWNER_ID, DEMO_QUOTE_ID } from '../src/demo-quote.ts'
import { createToken } from '../src/resources/tokens/store.ts'
import { api, useTestApp } from './helpers.ts'
import { shapeProblems } from './same-shape.ts'

// `quoin demo` adds the quote of Qwoty's "Get Quote" example, made by the code of POST /api/quotes: its
// GET /api/quote/{id} answers the example's body shape, envelope included: every documented key, in the
// example's order and with its JSON type, at every level (test/same-shape.ts). Quoin makes no PDF and no
// dealroom, so those two links are null.

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read back in assertions
type Json = Record<string, any>

const EXAMPLE = JSON.parse(
  readFileSync(new URL('./fixtures/qwoty-get-quote-example.json', import.meta.url), 'utf8'),
) as Json
const NULLABLE = { nullable: ['$.data.quote.pdf_link', '$.data.quote.dealroom_link'] }

/** What `actual` holds of the keys the example documents, at every level: Quoin's extras left out. */
function documentedPart(example: unknown, actual: unknown): unknown {
  if (Array.isArray(example) && Array.isArray(actual)) {
    return actual.map((item, i) => documentedPart(example[i] ?? example[0], item))
  }
  if (example === null || typeof example !== 'object' || actual === null || typeof actual !== 'object') {
    return actual
  }
  return Object.fromEntries(
    Object.keys(example).map((k) => [k, documentedPart((example as Json)[k], (actual as Json)[k])]),
  )
}

describe('quoin demo: the quote of the documented GET /api/quote/{id}', () => {
  const t = useTestApp({
    setUp: async (t) => {
      await loadDemo(t.db.kysely)
      // Loading again changes nothing.
      await loadDemo(t.db.kysely)
      const { secret } = await createToken(t.db.kysely, {
        workspaceId: DEMO_WORKSPACE_ID,
        name: 'demo test',
        scopes: ['*'],
      })
      auth.authorization = `Bearer ${secret}`
    },
  })
  const auth = { authorization: '' }
  const client = api(t, () => auth)

  it('GET /api/quote/{id} has the keys, types and nesting of the example at every level', async () => {
    const res = await client.get(`/api/quote/${DEMO_QUOTE_ID}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(shapeProblems(EXAMPLE, res.json(), NULLABLE), [])
  })

  it('GET /api/quotes/{id} answers the same quote, directly under data as every plural route does', async () => {
    const [documented, own] = await Promise.all([
      client.get(`/api/quote/${DEMO_QUOTE_ID}`),
      client.get(`/api/quotes/${DEMO_QUOTE_ID}`),
    ])
    assert.equal(own.statusCode, 200, own.body)
    assert.equal(own.body, JSON.stringify({ success: true, data: documented.json().data.quote }))
    assert.equal(own.headers.etag, documented.headers.etag)
  })

  it("holds the example's values where Quoin has them", async () => {
    const body = (await client.get(`/api/quote/${DEMO_QUOTE_ID}`)).json() as Json
    // Wherever the quote sits: the envelope is the shape test's to hold.
    const quote = (body.data.quote ?? body.data) as Json
    const example = EXAMPLE.data.quote as Json
    assert.equal(quote.id, example.id)
    for (const key of ['status', 'publish', 'currency', 'language', 'title', 'opportunity_id']) {
      assert.equal(quote[key], example[key], key)
    }
    assert.deepEqual(quote.owner, { ...example.owner, id: DEMO_OWNER_ID })
    assert.deepEqual(
      documentedPart(example.business_unit, { ...quote.business_unit, id: example.business_unit.id }),
      example.business_unit,
    )
    const {
      id: _customerId,
      contacts,
      ...customer
    } = documentedPart(example.customer, quote.customer) as Json
    const { id: _exampleId, contacts: exampleContacts, ...documented } = example.customer
    assert.deepEqual(customer, documented)
    // John Doe is the buyer: decision_maker is no role of Quoin's (nor of Qwoty's contacts API).
    assert.deepEqual(
      contacts.map(({ id: _, ...c }: Json) => c),
      exampleContacts.map(({ id: _, ...c }: Json) => ({ ...c, role: 'buyer' })),
    )
    assert.match(quote.issue_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const [section] = quote.pricing_table.sections
    assert.deepEqual([section.name, section.rank, section.type], ['Professional Services', 1, 'standard'])
    const [phase] = section.phases
    assert.deepEqual([phase.name, phase.rank], ['Year 1', 1])
    const [consulting, support] = phase.line_items
    assert.deepEqual(consulting.product.name, 'Consulting Services')
    assert.deepEqual(consulting.product.unit_of_measure, 'hour')
    assert.equal(consulting.quantity, 100)
    assert.deepEqual(
      [consulting.pricing.model, consulting.pricing.list_price, consulting.pricing.currency],
      ['per_unit', 150, 'EUR'],
    )
    assert.equal(support.recurrence.interval, 'month')
    // 100 × 150 = 15000, VAT 20% 3000; 10 × 500 a month = 5000, VAT 1000 (the example's recurring figures).
    assert.deepEqual(quote.summary, {
      ...quote.summary,
      one_off: { ...quote.summary.one_off, net_amount: 15000, tax_amount: 3000, total_amount: 18000 },
    })
    assert.deepEqual(quote.summary.recurring, [
      { ...quote.summary.recurring[0], ...example.summary.recurring[0] },
    ])
  })
})
