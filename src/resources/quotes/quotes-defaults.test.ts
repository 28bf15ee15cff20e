import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, type TestApp, useTestApp } from '../../../test/helpers.ts'
import {
  billingFrequencies,
  buildPaymentTerm,
  buildPricedProduct,
  buildQuoteCustomer,
  buildTax,
  insertCustomField,
  insertUser,
} from '../../../test/quote-fixtures.ts'
import { runWrite } from '../../kernel/write.ts'
import { createQuote } from './service.ts'

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read back in assertions
type Json = Record<string, any>
type Tenant = Awaited<ReturnType<typeof buildTenant>>

/** The workspace's default business unit, made when it has none (every workspace will have one). */
async function defaultUnit(t: TestApp, workspaceId: string): Promise<string> {
  const k = t.db.kysely
  const found = await k
    .selectFrom('business_units')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('is_default', '=', 1)
    .executeTakeFirst()
  if (found) return found.id
  const id = uuidv7()
  const at = new Date().toISOString()
  await k
    .insertInto('business_units')
    .values({
      id,
      workspace_id: workspaceId,
      type: 'company',
      brand: null,
      name: 'Default unit',
      logo_url: null,
      logo_alt: null,
      tax_ids: '[]',
      line1: null,
      line2: null,
      city: null,
      postal_code: null,
      state: null,
      country: 'FR',
      is_default: 1,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

describe('POST /api/quotes: defaults', () => {
  const t = useTestApp()
  let tenant: Tenant
  let a: ReturnType<typeof api>

  before(async () => {
    tenant = await buildTenant(t.db)
    a = api(t, tenant.auth)
  })

  it("takes the customer's first contact and first address of each type, the default unit, Standard, EUR, the oldest active term, 30 days, en", async () => {
    const customer = await buildQuoteCustomer(a, {
      contacts: 2,
      addresses: ['shipping', 'billing', 'billing', 'shipping'],
    })
    const unitId = await defaultUnit(t, tenant.workspaceId)
    const res = await a.post('/api/quotes', { customer_id: customer.id })
    assert.equal(res.statusCode, 201, res.body)
    const quote = res.json().data
    assert.deepEqual(
      quote.customer.contacts.map((c: Json) => c.id),
      [customer.contactIds[0]],
    )
    assert.equal(quote.customer.billing_address.line1, '2 rue de la Paix')
    assert.equal(quote.customer.shipping_address.line1, '1 rue de la Paix')
    assert.equal(quote.business_unit.id, unitId)
    assert.equal(quote.owner, null)
    assert.equal(quote.currency, 'EUR')
    assert.equal(quote.language, 'en')
    assert.equal(quote.status, 'draft')
    assert.equal(quote.publish, false)
    assert.equal(quote.pdf_link, null)
    const standard = await t.db.kysely
      .selectFrom('pricebooks')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('api_name', '=', 'standard')
      .executeTakeFirstOrThrow()
    assert.equal(quote.pricebook_id, standard.id)
    const net30 = await t.db.kysely
      .selectFrom('payment_terms')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('api_name', '=', 'net_30_days')
      .executeTakeFirstOrThrow()
    assert.equal(quote.payment_term_id, net30.id)
    assert.deepEqual(quote.payment_schedule, [
      { order_number: 1, name: 'Full Payment', percentage: 100, amount: 0, term: 'net30', custom_text: null },
    ])
    const issued = Date.parse(quote.issue_date)
    assert.equal(Date.parse(quote.expiration_date), Math.floor(issued / 1000) * 1000 + 30 * 86_400_000)
    assert.equal(quote.created_by, tenant.id)
    assert.equal(quote.updated_by, tenant.id)
    assert.match(quote.number, /^Q-\d{4}-\d{4}$/)
    const history = await t.db.kysely
      .selectFrom('quote_history')
      .selectAll()
      .where('quote_id', '=', quote.id)
      .execute()
    assert.deepEqual(
      history.map((h) => [h.action, h.from_status, h.to_status, h.token_id, h.user_id]),
      [['create', null, 'draft', tenant.id, null]],
    )
    const events = await a.get(`/api/events?record_id=${quote.id}`)
    assert.deepEqual(
      events.json().data.map((e: Json) => e.type),
      ['quote.created'],
    )
  })

  it("has no contact nor address when the customer has none, and counts the workspace's quote_validity_days", async () => {
    await t.db.kysely
      .updateTable('workspaces')
      .set({ quote_validity_days: 10 })
      .where('id', '=', tenant.workspaceId)
      .execute()
    const customer = await buildQuoteCustomer(a)
    const res = await a.post('/api/quotes', { customer_id: customer.id })
    assert.equal(res.statusCode, 201, res.body)
    const quote = res.json().data
    assert.deepEqual(quote.customer.contacts, [])
    assert.equal(quote.customer.billing_address, null)
    assert.equal(quote.customer.shipping_address, null)
    const issued = Math.floor(Date.parse(quote.issue_date) / 1000) * 1000
    assert.equal(Date.parse(quote.expiration_date), issued + 10 * 86_400_000)
    await t.db.kysely
      .updateTable('workspaces')
      .set({ quote_validity_days: 30 })
      .where('id', '=', tenant.workspaceId)
      .execute()
  })

  it('takes what is given instead: contacts in order, addresses, owner, term, title, language, expiration, no address', async () => {
    const customer = await buildQuoteCustomer(a, { contacts: 3, addresses: ['billing', 'billing'] })
    const owner = await insertUser(t, tenant.workspaceId)
    const term = await buildPaymentTerm(a, [{ percentage: 100, term: 'due_now' }])
    await insertCustomField(t, tenant.workspaceId, { object: 'quote', api_name: 'region', type: 'text' })
    await insertCustomField(t, tenant.workspaceId, { object: 'quote', api_name: 'seats', type: 'number' })
    const res = await a.post('/api/quotes', {
      customer_id: customer.id,
      contact_ids: [customer.contactIds[2], customer.contactIds[0]!.toUpperCase()],
      billing_address_id: customer.addressIds[1],
      shipping_address_id: null,
      owner_id: owner,
      payment_term_id: term,
      currency: 'eur',
      language: 'fr',
      title: '  Renewal  ',
      opportunity_id: 'opp_1',
      expiration_date: '2099-06-30T12:00:00.789+02:00',
      external_ids: { crm: 'CRM-Q1' },
      custom_properties: { region: 'EMEA', seats: 12 },
      pricing_table: { settings: { is_prices_hidden: true } },
    })
    assert.equal(res.statusCode, 201, res.body)
    const quote = res.json().data
    assert.deepEqual(
      quote.customer.contacts.map((c: Json) => c.id),
      [customer.contactIds[2], customer.contactIds[0]],
    )
    assert.equal(quote.customer.billing_address.line1, '2 rue de la Paix')
    assert.equal(quote.customer.shipping_address, null)
    assert.equal(quote.owner.id, owner)
    assert.equal(quote.payment_term_id, term)
    assert.equal(quote.language, 'fr')
    assert.equal(quote.title, 'Renewal')
    assert.equal(quote.opportunity_id, 'opp_1')
    assert.equal(quote.expiration_date, '2099-06-30T10:00:00Z')
    assert.deepEqual(quote.external_ids, { crm: 'CRM-Q1', erp: null, accounting: null })
    assert.deepEqual(quote.custom_properties, { region: 'EMEA', seats: 12 })
    assert.equal(quote.pricing_table.settings.is_prices_hidden, true)
    assert.equal(quote.payment_schedule[0].term, 'due_now')
  })

  it('makes the user the token acts as the owner, and records it as created_by', async () => {
    const customer = await buildQuoteCustomer(a)
    const userId = await insertUser(t, tenant.workspaceId)
    const id = await runWrite(
      t.db.kysely,
      tenant.workspaceId,
      (w) => createQuote(w, { customer_id: customer.id }),
      undefined,
      tenant.id,
      userId,
    )
    const quote = (await a.get(`/api/quotes/${id}`)).json().data
    assert.equal(quote.owner.id, userId)
    assert.equal(quote.created_by, userId)
    const [history] = await t.db.kysely
      .selectFrom('quote_history')
      .selectAll()
      .where('quote_id', '=', id)
      .execute()
    assert.deepEqual([history!.token_id, history!.user_id], [tenant.id, userId])
  })

  it('makes the owner the user a token acts as, through the API', async () => {
    const customer = await buildQuoteCustomer(a)
    const user = await a.post('/api/users', {
      first_name: 'Sam',
      last_name: 'Seller',
      email: `sam.${uuidv7()}@acme.com`,
      role: 'sales_rep',
    })
    assert.equal(user.statusCode, 201, user.body)
    const acting = await buildToken(t.db, tenant.workspaceId, ['*'], null, user.json().data.id)
    const res = await a.post('/api/quotes', { customer_id: customer.id }, acting.auth)
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.owner.id, user.json().data.id)
    assert.equal(res.json().data.owner.first_name, 'Sam')
    assert.equal(res.json().data.created_by, user.json().data.id)
    // An owner given wins; null leaves the quote without one.
    const none = await a.post('/api/quotes', { customer_id: customer.id, owner_id: null }, acting.auth)
    assert.equal(none.json().data.owner, null)
  })

  it("takes the oldest active pricebook of the customer's segment, else the oldest without segments", async () => {
    const segment = (await a.post('/api/segments', { name: 'Partners' })).json().data.id
    const catalog = (await a.get('/api/catalogs')).json().data[0].id
    const make = async (name: string, segments: string[], status = 'active') => {
      const res = await a.post('/api/pricebooks', { name, catalog_id: catalog, segment_ids: segments })
      assert.equal(res.statusCode, 201, res.body)
      if (status !== 'active') await a.patch(`/api/pricebooks/${res.json().data.id}`, { status })
      return res.json().data.id as string
    }
    await make('Partners old inactive', [segment], 'inactive')
    const partners = await make('Partners', [segment])
    await make('Partners later', [segment])
    const partner = await buildQuoteCustomer(a, { segment_id: segment })
    const other = await buildQuoteCustomer(a)
    const forPartner = await a.post('/api/quotes', { customer_id: partner.id })
    assert.equal(forPartner.json().data.pricebook_id, partners)
    const forOther = await a.post('/api/quotes', { customer_id: other.id })
    const standard = (await a.get('/api/pricebooks')).json().data[0].id
    assert.equal(forOther.json().data.pricebook_id, standard)
    // A pricebook of a segment is for its customers only.
    const refused = await a.post('/api/quotes', { customer_id: other.id, pricebook_id: partners })
    assert.equal(refused.statusCode, 400)
    assert.deepEqual(refused.json().details, [
      "Field 'pricebook_id' names pricebook 'Partners', which is for the customers of other segments",
    ])
    // One without segments is open to every customer.
    const open = await a.post('/api/quotes', { customer_id: partner.id, pricebook_id: standard })
    assert.equal(open.statusCode, 201, open.body)
    // A quote moved to another customer keeps its pricebook only when it is open to that customer.
    const moved = await a.patch(`/api/quotes/${forPartner.json().data.id}`, { customer_id: other.id })
    assert.equal(moved.statusCode, 400)
    assert.match(
      moved.json().details[0],
      /^Field 'customer_id' names a customer the quote's pricebook is not for/,
    )
    const both = await a.patch(`/api/quotes/${forPartner.json().data.id}`, {
      customer_id: other.id,
      pricebook_id: standard,
    })
    assert.equal(both.statusCode, 200, both.body)
    assert.equal(both.json().data.customer.id, other.id)
    assert.equal(
      (await a.patch(`/api/quotes/${open.json().data.id}`, { customer_id: other.id })).statusCode,
      200,
    )
  })
})

describe('POST /api/quotes: each problem named by its field', () => {
  const t = useTestApp()
  let tenant: Tenant
  let a: ReturnType<typeof api>
  let customer: Awaited<ReturnType<typeof buildQuoteCustomer>>
  let stranger: Awaited<ReturnType<typeof buildQuoteCustomer>>
  let product: string
  let unpriced: string
  let recurring: string
  let otherPrice: string

  before(async () => {
    tenant = await buildTenant(t.db)
    a = api(t, tenant.auth)
    await insertCustomField(t, tenant.workspaceId, { object: 'quote', api_name: 'seats', type: 'number' })
    customer = await buildQuoteCustomer(a, { contacts: 1, addresses: ['billing', 'shipping'] })
    stranger = await buildQuoteCustomer(a, { contacts: 1, addresses: ['billing'] })
    product = (await buildPricedProduct(a, 'Widget', { pricing_model: 'flat', amount: 10 })).id
    unpriced = (await buildPricedProduct(a, 'Unpriced', {})).id
    recurring = (
      await buildPricedProduct(
        a,
        'Plan',
        { Monthly: { pricing_model: 'flat', amount: 5 } },
        { recurring: true },
      )
    ).id
    otherPrice = (await buildPricedProduct(a, 'Other', { pricing_model: 'flat', amount: 1 })).priceIds['']!
  })

  const problemsOf = async (body: object) => {
    const res = await a.post('/api/quotes', body)
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'validation_failed')
    return res.json().details as string[]
  }

  it('refuses a customer that is unknown, of another workspace, or deleted', async () => {
    const intruder = await buildTenant(t.db)
    const theirs = await buildQuoteCustomer(api(t, intruder.auth))
    for (const id of [uuidv7(), 'cust_456', theirs.id]) {
      assert.deepEqual(await problemsOf({ customer_id: id }), [
        "Field 'customer_id' does not name a customer of this workspace",
      ])
    }
    const gone = await buildQuoteCustomer(a)
    assert.equal((await a.del(`/api/customers/${gone.id}`)).statusCode, 200)
    assert.deepEqual(await problemsOf({ customer_id: gone.id }), [
      "Field 'customer_id' does not name a customer of this workspace",
    ])
  })

  it('names every header field at fault at once', async () => {
    const inactiveTerm = await buildPaymentTerm(a, [{ percentage: 100, term: 'net30' }])
    await a.put(`/api/payment-terms/${inactiveTerm}`, { is_active: false })
    const inactiveUser = await insertUser(t, tenant.workspaceId, 'inactive')
    const details = await problemsOf({
      customer_id: customer.id,
      contact_ids: [customer.contactIds[0], stranger.contactIds[0]],
      billing_address_id: stranger.addressIds[0],
      shipping_address_id: customer.addressIds[0],
      owner_id: inactiveUser,
      business_unit_id: uuidv7(),
      payment_term_id: inactiveTerm,
      currency: 'USD',
      expiration_date: '2001-01-01T00:00:00Z',
      custom_properties: { nested: { a: 1 }, seats: 'many' },
      discount: { type: 'percent', value: 100.5 },
    })
    assert.deepEqual(details, [
      "Field 'contact_ids[1]' does not name a contact of this customer",
      "Field 'billing_address_id' does not name an address of this customer",
      "Field 'shipping_address_id' names a billing address, not a shipping one",
      "Field 'owner_id' does not name an active user of this workspace",
      "Field 'business_unit_id' does not name a business unit of this workspace",
      "Field 'currency' must be the currency of the pricebook 'Standard': EUR",
      "Field 'payment_term_id' names an inactive payment term",
      "Field 'expiration_date' must be after the issue date",
      "Field 'custom_properties.nested' is not a custom field of quotes: create it with POST /api/custom-fields first",
      "Field 'custom_properties.seats' must be a number (custom field of type number)",
      "Field 'discount.value' is at most 100 for a percent discount",
    ])
    assert.deepEqual(
      await problemsOf({
        customer_id: customer.id,
        pricebook_id: uuidv7(),
        payment_term_id: uuidv7(),
        expiration_date: 'tomorrow',
      }),
      [
        "Field 'pricebook_id' does not name a pricebook of this workspace",
        "Field 'payment_term_id' does not name a payment term of this workspace",
        "Field 'expiration_date' must be an ISO 8601 date-time",
      ],
    )
  })

  it("names each line's field by its path in the pricing table", async () => {
    const monthly = (await billingFrequencies(a)).Monthly!
    const yearly = (await billingFrequencies(a)).Yearly!
    const line = (fields: object) => ({ product_id: product, quantity: 1, ...fields })
    const details = await problemsOf({
      customer_id: customer.id,
      pricing_table: {
        sections: [
          { name: 'A', phases: [{ name: 'P', line_items: [line({}), line({ product_id: uuidv7() })] }] },
          {
            name: 'B',
            phases: [
              { name: 'P1', line_items: [] },
              {
                name: 'P2',
                line_items: [
                  line({ product_id: unpriced }),
                  line({ price_id: otherPrice }),
                  line({ product_id: recurring, billing_frequency_id: yearly }),
                  line({ product_id: recurring, billing_frequency_id: monthly, tax_id: uuidv7() }),
                  line({ quantity: 1.0000001, unit_price: 1.1234567 }),
                  line({ discount: { type: 'percent', value: 101 } }),
                  line({ discount: { type: 'amount', value: 1.001 } }),
                ],
              },
            ],
          },
        ],
      },
    })
    const at = (s: number, p: number, l: number) =>
      `pricing_table.sections[${s}].phases[${p}].line_items[${l}]`
    assert.equal(details.length, 9, details.join('\n'))
    assert.equal(details[0], `Field '${at(0, 0, 1)}.product_id' does not name a product of this workspace`)
    assert.match(
      details[1]!,
      new RegExp(`^Field '${literally(at(1, 1, 0))}.product_id' has a price \\(.+\\) without pricing`),
    )
    assert.match(details[1]!, /PATCH \/api\/prices\/\{id\}/)
    assert.equal(
      details[2],
      `Field '${at(1, 1, 1)}.price_id' does not name a price of this product in the quote's pricebook 'Standard'`,
    )
    assert.match(
      details[3]!,
      new RegExp(`^Field '${literally(at(1, 1, 2))}.product_id' has a price \\(.+\\) without pricing`),
    )
    assert.equal(details[4], `Field '${at(1, 1, 3)}.tax_id' does not name a tax of this workspace`)
    assert.deepEqual(details.slice(5), [
      `Field '${at(1, 1, 4)}.quantity' has at most 6 decimals (a quantity)`,
      `Field '${at(1, 1, 4)}.unit_price' has at most 6 decimals (a unit price)`,
      `Field '${at(1, 1, 5)}.discount.value' is at most 100 for a percent discount`,
      `Field '${at(1, 1, 6)}.discount.value' has at most 2 decimals (the minor unit of EUR)`,
    ])
  })

  it('refuses a line of an inactive tax, a billing frequency without a price, an amount discount without one-off lines', async () => {
    const tax = await buildTax(a, 'Old tax', 7)
    await a.patch(`/api/taxes/${tax}`, { is_active: false })
    const plan = { product_id: recurring, quantity: 1 }
    assert.deepEqual(
      await problemsOf({
        customer_id: customer.id,
        pricing_table: {
          sections: [{ name: 'S', phases: [{ name: 'P', line_items: [{ ...plan, tax_id: tax }] }] }],
        },
      }),
      ["Field 'pricing_table.sections[0].phases[0].line_items[0].tax_id' names an inactive tax"],
    )
    assert.deepEqual(
      await problemsOf({
        customer_id: customer.id,
        discount: { type: 'amount', value: 10 },
        pricing_table: { sections: [{ name: 'S', phases: [{ name: 'P', line_items: [plan] }] }] },
      }),
      [
        "Field 'discount' is an amount, which comes off one-off lines only, and the quote has none: use a percent",
      ],
    )
    const res = await a.post('/api/quotes', {
      customer_id: customer.id,
      unknown: 1,
      pricing_table: { sections: [{}] },
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'unknown' is not allowed",
      "Field 'pricing_table.sections[0].name' is required",
    ])
  })

  it("requires the workspace's required custom fields on quotes", async () => {
    const other = await buildTenant(t.db)
    const b = api(t, other.auth)
    await insertCustomField(t, other.workspaceId, {
      object: 'quote',
      api_name: 'po_number',
      type: 'text',
      is_required: true,
    })
    const buyer = await buildQuoteCustomer(b)
    const res = await b.post('/api/quotes', { customer_id: buyer.id })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'custom_properties.po_number' is required (a required custom field)",
    ])
    const given = await b.post('/api/quotes', {
      customer_id: buyer.id,
      custom_properties: { po_number: 'PO-1' },
    })
    assert.equal(given.statusCode, 201, given.body)
    const removed = await b.patch(`/api/quotes/${given.json().data.id}`, {
      custom_properties: { po_number: null },
    })
    assert.equal(removed.statusCode, 400)
  })
})

function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
