import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, useTestApp } from '../../../test/helpers.ts'
import {
  billingFrequencies,
  buildPaymentTerm,
  buildPricedProduct,
  buildQuoteCustomer,
  buildTax,
  defaultVat,
} from '../../../test/quote-fixtures.ts'
import { sameShape, shapeProblems } from '../../../test/same-shape.ts'

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read back in assertions
type Json = Record<string, any>

const EXAMPLE = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/qwoty-get-quote-example.json', import.meta.url), 'utf8'),
).data.quote as Json

/** The lines of a read, in document order. */
const linesOf = (quote: Json): Json[] & [Json, Json, Json, Json] =>
  quote.pricing_table.sections.flatMap((s: Json) => s.phases.flatMap((p: Json) => p.line_items))

describe('POST /api/quotes with a whole pricing table', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  let a: ReturnType<typeof api>
  let fixture: {
    customer: Awaited<ReturnType<typeof buildQuoteCustomer>>
    seats: string
    setup: string
    consulting: string
    support: string
    reduced: string
    term: string
    yearly: string
  }

  before(async () => {
    tenant = await buildTenant(t.db)
    a = api(t, tenant.auth)
    const customer = await buildQuoteCustomer(a, {
      contacts: 2,
      addresses: ['shipping', 'billing', 'billing'],
    })
    const vat = { default_tax_id: await defaultVat(a) }
    const seats = await buildPricedProduct(
      a,
      'Seats',
      {
        Monthly: { pricing_model: 'flat', amount: 30, ...vat },
        Yearly: { pricing_model: 'flat', amount: 300, ...vat },
      },
      { recurring: true, unit: 'seat' },
    )
    const setup = await buildPricedProduct(
      a,
      'Setup',
      { pricing_model: 'flat', amount: 1000, floor_price: 950, ...vat },
      { unit: 'unit' },
    )
    const consulting = await buildPricedProduct(
      a,
      'Consulting days',
      {
        pricing_model: 'graduated',
        graduated_tiers: [
          { up_to: 5, unit_amount: 800, flat_amount: null },
          { up_to: null, unit_amount: 700, flat_amount: null },
        ],
        ...vat,
      },
      { unit: 'day' },
    )
    const support = await buildPricedProduct(
      a,
      'Support',
      {
        Yearly: {
          pricing_model: 'volume',
          volume_tiers: [
            { up_to: 10, unit_amount: 50, flat_amount: null },
            { up_to: null, unit_amount: 40, flat_amount: null },
          ],
          ...vat,
        },
      },
      { recurring: true, unit: 'licence' },
    )
    fixture = {
      customer,
      seats: seats.id,
      setup: setup.id,
      consulting: consulting.id,
      support: support.id,
      reduced: await buildTax(a, 'Reduced 5.5%', 5.5),
      term: await buildPaymentTerm(a, [
        { percentage: 33.33, term: 'due_now', name: 'Deposit' },
        { percentage: 33.33, term: 'net30' },
        { percentage: 33.34, term: 'custom', custom_text: 'On go-live' },
      ]),
      yearly: (await billingFrequencies(a)).Yearly!,
    }
  })

  /** The table of the hand-computed quote: 4 lines in 2 sections, monthly and yearly lines, tiers. */
  const table = () => ({
    settings: { is_prices_hidden: false },
    sections: [
      {
        name: 'Software',
        phases: [
          {
            name: 'Year 1',
            line_items: [
              { product_id: fixture.seats, quantity: 10, discount: { type: 'percent', value: 10 } },
              { product_id: fixture.setup, quantity: 1, unit_price: 900 },
            ],
          },
        ],
      },
      {
        name: 'Services',
        type: 'standard',
        phases: [
          {
            name: 'Delivery',
            line_items: [
              {
                product_id: fixture.consulting,
                quantity: 8,
                discount: { type: 'amount', value: 100 },
                tax_id: fixture.reduced,
              },
              { product_id: fixture.support, quantity: 12, billing_frequency_id: fixture.yearly },
            ],
          },
        ],
      },
    ],
  })

  it('prices every line and the quote as computed by hand, and answers 201 with the read and its ETag', async () => {
    const res = await a.post('/api/quotes', {
      customer_id: fixture.customer.id,
      title: 'Q4 proposal',
      discount: { type: 'percent', value: 5 },
      payment_term_id: fixture.term,
      pricing_table: table(),
    })
    assert.equal(res.statusCode, 201, res.body)
    const quote = res.json().data
    assert.match(String(res.headers.etag), /^"\d+"$/)
    const [seats, setup, consulting, support] = linesOf(quote)
    // Seats: 10 × 30.00 = 300.00, 10 % off = 270.00; its share of the quote's 5 %: 13.50 → 256.50; VAT 20 %: 51.30.
    assert.deepEqual(
      [seats.list_amount, seats.discount_amount, seats.subtotal_amount, seats.quote_discount_amount],
      [300, 30, 270, 13.5],
    )
    assert.deepEqual([seats.net_amount, seats.tax_amount, seats.total_amount], [256.5, 51.3, 307.8])
    assert.deepEqual(seats.recurrence.interval, 'month')
    assert.equal(seats.recurrence.interval_count, 1)
    assert.equal(seats.pricing.model, 'per_unit')
    assert.equal(seats.pricing.list_price, 30)
    assert.equal(seats.product.unit_of_measure, 'seat')
    // Setup: overridden to 900.00 (list 1000.00), 5 % off: 45.00 → 855.00; VAT 171.00. Under its floor of 950.
    assert.deepEqual([setup.list_amount, setup.quote_discount_amount, setup.net_amount], [900, 45, 855])
    assert.deepEqual([setup.tax_amount, setup.total_amount], [171, 1026])
    assert.deepEqual(
      [setup.pricing.list_price, setup.pricing.unit_price, setup.pricing.unit_price_override],
      [1000, 900, 900],
    )
    assert.equal(setup.below_floor, true)
    assert.equal(setup.recurrence, null)
    // Consulting: graduated 5 × 800 + 3 × 700 = 6100.00 (762.5 a day), 100.00 off = 6000.00, 5 %: 300.00 →
    // 5700.00; the reduced 5.5 %: 313.50.
    assert.equal(consulting.pricing.model, 'graduated')
    assert.equal(consulting.pricing.list_price, 762.5)
    assert.deepEqual(
      consulting.pricing.tiers.map((x: Json) => [x.up_to, x.quantity, x.unit_amount, x.amount]),
      [
        [5, 5, 800, 4000],
        [null, 3, 700, 2100],
      ],
    )
    assert.deepEqual(
      [
        consulting.list_amount,
        consulting.discount_amount,
        consulting.quote_discount_amount,
        consulting.net_amount,
      ],
      [6100, 100, 300, 5700],
    )
    assert.deepEqual([consulting.tax_amount, consulting.total_amount], [313.5, 6013.5])
    assert.deepEqual(consulting.tax, {
      id: fixture.reduced,
      name: 'Reduced 5.5%',
      method: 'percentage',
      rate: 5.5,
      amount: null,
    })
    assert.deepEqual(consulting.discount, { type: 'amount', value: 100 })
    // Support: volume, 12 units reach the second tier: 12 × 40.00 = 480.00, 5 %: 24.00 → 456.00; VAT 91.20.
    assert.equal(support.pricing.list_price, 40)
    assert.deepEqual([support.list_amount, support.net_amount, support.tax_amount], [480, 456, 91.2])
    assert.deepEqual(support.recurrence, {
      interval: 'year',
      interval_count: 1,
      billing_frequency_id: fixture.yearly,
    })
    // One-off: setup and consulting; recurring: seats monthly, support yearly.
    assert.deepEqual(quote.summary.one_off, {
      net_amount: 6555,
      tax_amount: 484.5,
      total_amount: 7039.5,
      list_amount: 7000,
      discount_amount: 445,
    })
    assert.deepEqual(
      quote.summary.recurring.map((r: Json) => [
        r.interval,
        r.interval_count,
        r.net_amount,
        r.tax_amount,
        r.total_amount,
      ]),
      [
        ['month', 1, 256.5, 51.3, 307.8],
        ['year', 1, 456, 91.2, 547.2],
      ],
    )
    // The one-off total 7039.50 in thirds: 33.33 % is 2346.265… → 2346.27, twice; the last takes the rest.
    assert.deepEqual(
      quote.payment_schedule.map((i: Json) => [
        i.order_number,
        i.name,
        i.percentage,
        i.amount,
        i.term,
        i.custom_text,
      ]),
      [
        [1, 'Deposit', 33.33, 2346.27, 'due_now', null],
        [2, null, 33.33, 2346.27, 'net30', null],
        [3, null, 33.34, 2346.96, 'custom', 'On go-live'],
      ],
    )
    const listed = await a.get(`/api/quotes?number=${quote.number}`)
    assert.deepEqual(
      [
        listed.json().data[0].net_amount,
        listed.json().data[0].tax_amount,
        listed.json().data[0].total_amount,
      ],
      [7267.5, 627, 7894.5],
    )
    assert.deepEqual(
      quote.pricing_table.sections.map((s: Json) => [
        s.rank,
        s.name,
        s.type,
        s.phases.map((p: Json) => [p.rank, p.name]),
      ]),
      [
        [1, 'Software', 'standard', [[1, 'Year 1']]],
        [2, 'Services', 'standard', [[1, 'Delivery']]],
      ],
    )
    assert.deepEqual(
      linesOf(quote).map((l) => l.rank),
      [1, 2, 1, 2],
    )
  })

  it('shares an amount discount over the one-off lines only, the leftover cent to the largest remainder', async () => {
    const res = await a.post('/api/quotes', {
      customer_id: fixture.customer.id,
      discount: { type: 'amount', value: 100 },
      pricing_table: table(),
    })
    assert.equal(res.statusCode, 201, res.body)
    const [seats, setup, consulting, support] = linesOf(res.json().data)
    // 100.00 over setup 900.00 and consulting 6000.00: 13.043… and 86.956…: 13.04 and 86.96.
    assert.deepEqual(
      [
        seats.quote_discount_amount,
        setup.quote_discount_amount,
        consulting.quote_discount_amount,
        support.quote_discount_amount,
      ],
      [0, 13.04, 86.96, 0],
    )
    assert.deepEqual([setup.net_amount, consulting.net_amount], [886.96, 5913.04])
    assert.deepEqual([seats.net_amount, support.net_amount], [270, 480])
  })

  it("has the documented example's keys, types and nesting at every level", async () => {
    const k = t.db.kysely
    const at = new Date().toISOString()
    const userId = uuidv7()
    await k
      .insertInto('users')
      .values({
        id: userId,
        workspace_id: tenant.workspaceId,
        first_name: 'Paul',
        last_name: 'Martin',
        email: `paul.${userId}@acme.com`,
        role: 'sales_rep',
        id_crm: 'CRM-7654321',
        id_erp: 'ERP-7654321',
        id_accounting: 'ACC-7654321',
        created_at: at,
        updated_at: at,
      })
      .execute()
    const unitId = uuidv7()
    await k
      .insertInto('business_units')
      .values({
        id: unitId,
        workspace_id: tenant.workspaceId,
        type: 'company',
        brand: 'Acme',
        name: 'Acme Corporation',
        logo_url: 'https://example.com/acme.png',
        logo_alt: 'Acme Logo',
        tax_ids: JSON.stringify([{ code: 'VAT', value: 'FR12345678901' }]),
        line1: '123 Main Street',
        line2: null,
        city: 'Paris',
        postal_code: '75001',
        state: null,
        country: 'FR',
        is_default: 0,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const customer = await buildQuoteCustomer(a, { contacts: 1, addresses: ['billing'] })
    await k
      .updateTable('customers')
      .set({
        id_accounting: 'ACC-1234567',
        custom_properties: JSON.stringify({ industry: 'SaaS', account_manager: 'Sophie Dubois' }),
      })
      .where('id', '=', customer.id)
      .execute()
    const res = await a.post('/api/quotes', {
      customer_id: customer.id,
      owner_id: userId,
      business_unit_id: unitId,
      title: 'Q4 2024 Services Proposal',
      opportunity_id: 'opp_123456',
      pricing_table: table(),
    })
    assert.equal(res.statusCode, 201, res.body)
    for (const path of [`/api/quote/${res.json().data.id}`, `/api/quotes/${res.json().data.id}`]) {
      const read = await a.get(path)
      assert.equal(read.statusCode, 200, read.body)
      // The documented path has the quote one level deeper, as Qwoty documents it.
      const quote = path.startsWith('/api/quote/') ? read.json().data.quote : read.json().data
      assert.deepEqual(quote, res.json().data)
      assert.equal(read.headers.etag, res.headers.etag)
      // Quoin makes no PDF and has no dealroom: both links are null, as documented.
      assert.deepEqual(
        shapeProblems(EXAMPLE, quote, { nullable: ['$.pdf_link', '$.dealroom_link'] }),
        [],
        path,
      )
      assert.match(quote.issue_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.match(quote.expiration_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      assert.deepEqual(quote.business_unit.address, {
        line1: '123 Main Street',
        city: 'Paris',
        postal_code: '75001',
        country: 'France',
        country_code: 'FR',
        line2: null,
        state: null,
      })
      assert.deepEqual(quote.owner, {
        id: userId,
        first_name: 'Paul',
        last_name: 'Martin',
        email: `paul.${userId}@acme.com`,
        external_ids: { crm: 'CRM-7654321', erp: 'ERP-7654321', accounting: 'ACC-7654321' },
      })
      assert.equal(quote.customer.contacts[0].role, 'signer')
      assert.equal(quote.customer.billing_address.country, 'France')
    }
  })
})

describe('sameShape', () => {
  it('accepts extras after the documented keys, and refuses missing keys, other orders and other types', () => {
    sameShape({ a: 1, b: { c: [{ d: 'x' }] } }, { a: 2, b: { c: [{ d: 'y', e: 1 }], z: null }, extra: true })
    assert.throws(() => sameShape({ a: 1, b: 2 }, { b: 2, a: 1 }), /keys b, a/)
    assert.throws(() => sameShape({ a: 1, b: 2 }, { a: 1, x: 0, b: 2 }), /keys a, x/)
    assert.throws(() => sameShape({ a: 1 }, { a: '1' }), /\$\.a: string where the example has number/)
    assert.throws(() => sameShape({ a: { b: 1 } }, { a: null }), /null where the example has object/)
    assert.throws(() => sameShape({ a: [{ b: 1 }] }, { a: [{ b: 1 }, {}] }), /\$\.a\[1\]: lacks b/)
    assert.throws(() => sameShape({ a: [1] }, { a: [] }), /empty array/)
  })
})
