import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, useTestApp } from '../../../test/helpers.ts'
import {
  buildPaymentTerm,
  buildPricedProduct,
  buildQuoteCustomer,
  buildTax,
  defaultVat,
  insertCustomField,
  insertUser,
} from '../../../test/quote-fixtures.ts'
import { purgeResources } from '../../kernel/purge.ts'

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read back in assertions
type Json = Record<string, any>
type Tenant = Awaited<ReturnType<typeof buildTenant>>

const linesOf = (quote: Json): Json[] =>
  quote.pricing_table.sections.flatMap((s: Json) => s.phases.flatMap((p: Json) => p.line_items))

describe('PATCH, DELETE and reprice of a quote', () => {
  const t = useTestApp()
  let tenant: Tenant
  let a: ReturnType<typeof api>
  let customer: Awaited<ReturnType<typeof buildQuoteCustomer>>
  let widget: Awaited<ReturnType<typeof buildPricedProduct>>
  let vat: string

  before(async () => {
    tenant = await buildTenant(t.db)
    a = api(t, tenant.auth)
    customer = await buildQuoteCustomer(a, { contacts: 2, addresses: ['billing', 'shipping', 'billing'] })
    vat = await defaultVat(a)
    await insertCustomField(t, tenant.workspaceId, { object: 'quote', api_name: 'region', type: 'text' })
    widget = await buildPricedProduct(
      a,
      'Widget',
      { pricing_model: 'flat', amount: 100, default_tax_id: vat },
      { unit: 'piece' },
    )
  })

  /** A draft with one widget line of `quantity`. */
  const draft = async (quantity = 2, extra: object = {}) => {
    const res = await a.post('/api/quotes', {
      customer_id: customer.id,
      pricing_table: {
        sections: [{ name: 'S', phases: [{ name: 'P', line_items: [{ product_id: widget.id, quantity }] }] }],
      },
      ...extra,
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().data as Json
  }

  const setStatus = (id: string, status: 'sent' | 'changes_requested' | 'approved' | 'draft') =>
    t.db.kysely.updateTable('quotes').set({ status }).where('id', '=', id).execute()

  it('changes the header fields given, recomputes the totals, moves the ETag and records quote.updated', async () => {
    const quote = await draft()
    const term = await buildPaymentTerm(a, [
      { percentage: 50, term: 'due_now' },
      { percentage: 50, term: 'net30' },
    ])
    const res = await a.patch(
      `/api/quotes/${quote.id}`,
      {
        title: 'New title',
        discount: { type: 'percent', value: 10 },
        payment_term_id: term,
        pricing_table: { settings: { is_prices_hidden: true } },
        external_ids: { erp: 'ERP-9' },
        custom_properties: { region: 'EMEA' },
      },
      { ...tenant.auth, 'if-match': '"1"' },
    )
    assert.equal(res.statusCode, 200, res.body)
    const patched = res.json().data
    assert.notEqual(res.headers.etag, '"1"')
    assert.equal(patched.title, 'New title')
    assert.deepEqual(patched.discount, { type: 'percent', value: 10 })
    // 2 × 100.00 = 200.00, 10 % off: 180.00, VAT 36.00: 216.00, in two halves.
    const [line] = linesOf(patched)
    assert.deepEqual([line!.quote_discount_amount, line!.net_amount, line!.tax_amount], [20, 180, 36])
    assert.deepEqual(patched.summary.one_off.total_amount, 216)
    assert.deepEqual(
      patched.payment_schedule.map((i: Json) => i.amount),
      [108, 108],
    )
    assert.equal(patched.pricing_table.settings.is_prices_hidden, true)
    assert.deepEqual(patched.external_ids, { crm: null, erp: 'ERP-9', accounting: null })
    assert.deepEqual(patched.custom_properties, { region: 'EMEA' })
    const events = (await a.get(`/api/events?record_id=${quote.id}`)).json().data.map((e: Json) => e.type)
    assert.deepEqual(events, ['quote.created', 'quote.updated'])
  })

  it('keeps the version and records no event for a PATCH that changes nothing, the whole read sent back included', async () => {
    const quote = await draft()
    const read = await a.get(`/api/quotes/${quote.id}`)
    const same = await a.patch(`/api/quotes/${quote.id}`, { title: quote.title, language: 'en' })
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.headers.etag, read.headers.etag)
    const { pricebook_id, payment_term_id, ...rest } = read.json().data
    const back = await a.patch(`/api/quotes/${quote.id}`, { ...rest, pricebook_id, payment_term_id })
    assert.equal(back.statusCode, 200, back.body)
    assert.equal(back.headers.etag, read.headers.etag)
    assert.deepEqual(back.json().data, read.json().data)
    const events = (await a.get(`/api/events?record_id=${quote.id}`)).json().data
    assert.equal(events.length, 1)
    const changed = await a.patch(`/api/quotes/${quote.id}`, { number: 'Q-1', status: 'sent' })
    assert.equal(changed.statusCode, 400)
    assert.deepEqual(changed.json().details, [
      "Field 'number' is read-only: it cannot change, and differs from the stored value",
      "Field 'status' is read-only: it cannot change, and differs from the stored value",
    ])
    const sections = await a.patch(`/api/quotes/${quote.id}`, { pricing_table: { sections: [] } })
    assert.equal(sections.statusCode, 400)
    assert.match(sections.json().details[0], /^Field 'pricing_table.sections' is read-only here/)
  })

  it('answers 409 to a write of a quote that is neither draft nor changes_requested, naming its status', async () => {
    const quote = await draft()
    await setStatus(quote.id, 'sent')
    const patch = await a.patch(`/api/quotes/${quote.id}`, { title: 'x' })
    assert.equal(patch.statusCode, 409)
    assert.equal(
      patch.json().error,
      'This quote is sent: only draft and changes_requested quotes can be edited',
    )
    const reprice = await a.post(`/api/quotes/${quote.id}/reprice`)
    assert.equal(reprice.statusCode, 409)
    const del = await a.del(`/api/quotes/${quote.id}`)
    assert.equal(del.statusCode, 409)
    assert.match(del.json().error, /^This quote is sent: only draft quotes can be deleted/)
    await setStatus(quote.id, 'changes_requested')
    assert.equal((await a.patch(`/api/quotes/${quote.id}`, { title: 'x' })).statusCode, 200)
    assert.equal((await a.del(`/api/quotes/${quote.id}`)).statusCode, 409)
  })

  it('refuses to change the pricebook or currency once the quote has lines (409), and follows a new pricebook without', async () => {
    const quote = await draft()
    const usd = (await a.post('/api/currencies', { code: 'USD', name: 'US Dollar' })).json().data.id
    const catalog = (await a.get('/api/catalogs')).json().data[0].id
    const dollars = (
      await a.post('/api/pricebooks', { name: 'Dollars', catalog_id: catalog, currency_id: usd })
    ).json().data.id
    const pricebook = await a.patch(`/api/quotes/${quote.id}`, { pricebook_id: dollars })
    assert.equal(pricebook.statusCode, 409)
    assert.equal(
      pricebook.json().error,
      "A quote's pricebook cannot change once it has line items: remove them first",
    )
    const currency = await a.patch(`/api/quotes/${quote.id}`, { currency: 'USD' })
    assert.equal(currency.statusCode, 409)
    assert.equal(
      currency.json().error,
      "A quote's currency cannot change once it has line items: remove them first",
    )
    const empty = (await a.post('/api/quotes', { customer_id: customer.id })).json().data
    const moved = await a.patch(`/api/quotes/${empty.id}`, { pricebook_id: dollars })
    assert.equal(moved.statusCode, 200, moved.body)
    assert.equal(moved.json().data.currency, 'USD')
    assert.equal(moved.json().data.pricebook_id, dollars)
    // Without lines, a currency may change only with its pricebook.
    const wrong = await a.patch(`/api/quotes/${empty.id}`, { currency: 'EUR' })
    assert.equal(wrong.statusCode, 400)
    assert.deepEqual(wrong.json().details, [
      "Field 'currency' must be the currency of the quote's pricebook: USD",
    ])
    const amount = await a.patch(`/api/quotes/${empty.id}`, { discount: { type: 'amount', value: 5 } })
    assert.equal(amount.statusCode, 400)
    assert.deepEqual(amount.json().details, [
      "Field 'discount' is an amount, which comes off one-off lines only, and the quote has none: use a percent",
    ])
  })

  it('names each PATCH field at fault', async () => {
    const quote = await draft()
    const stranger = await buildQuoteCustomer(a, { contacts: 1 })
    const res = await a.patch(`/api/quotes/${quote.id}`, {
      contact_ids: [stranger.contactIds[0]],
      billing_address_id: customer.addressIds[1],
      owner_id: uuidv7(),
      business_unit_id: 'bu_123',
      payment_term_id: uuidv7(),
      expiration_date: '2000-01-01T00:00:00Z',
      discount: { type: 'amount', value: 1.234 },
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'contact_ids[0]' does not name a contact of this customer",
      "Field 'billing_address_id' names a shipping address, not a billing one",
      "Field 'owner_id' does not name an active user of this workspace",
      "Field 'business_unit_id' does not name a business unit of this workspace",
      "Field 'payment_term_id' does not name a payment term of this workspace",
      "Field 'expiration_date' must be after the issue date",
      "Field 'discount.value' has at most 2 decimals (the minor unit of EUR)",
    ])
    // Ids that are no UUIDs name nothing, on PostgreSQL's uuid columns too.
    const odd = await a.patch(`/api/quotes/${quote.id}`, {
      contact_ids: ['contact_789'],
      shipping_address_id: 'addr',
      owner_id: 'me',
      business_unit_id: 'bu_123',
    })
    assert.equal(odd.statusCode, 400, odd.body)
    assert.equal(odd.json().details.length, 4)
    const unknown = await a.patch(`/api/quotes/${quote.id}`, { customer_id: uuidv7() })
    assert.equal(unknown.statusCode, 400)
    assert.deepEqual(unknown.json().details, [
      "Field 'customer_id' does not name a customer of this workspace",
    ])
  })

  it('deletes a draft with its pricing table, and records quote.deleted', async () => {
    const quote = await draft()
    const res = await a.del(`/api/quotes/${quote.id}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { success: true, message: 'Quote deleted successfully' })
    assert.equal((await a.get(`/api/quotes/${quote.id}`)).statusCode, 404)
    assert.equal((await a.get(`/api/quote/${quote.id}`)).statusCode, 404)
    for (const table of ['quote_sections', 'quote_phases', 'quote_lines', 'quote_history'] as const) {
      const rows = await t.db.kysely.selectFrom(table).select('id').where('quote_id', '=', quote.id).execute()
      assert.deepEqual(rows, [], table)
    }
    const events = (await a.get(`/api/events?record_id=${quote.id}`)).json().data.map((e: Json) => e.type)
    assert.deepEqual(events, ['quote.created', 'quote.deleted'])
    assert.equal((await a.del(`/api/quotes/${quote.id}`)).statusCode, 404)
  })

  it('keeps its copies when the customer, contact, address, owner, product, price and tax change; reprice refreshes prices only', async () => {
    const mine = await buildQuoteCustomer(a, { contacts: 2, addresses: ['billing'] })
    const owner = await insertUser(t, tenant.workspaceId)
    const tax = await buildTax(a, 'Levy 10%', 10)
    const gadget = await buildPricedProduct(a, 'Gadget', {
      pricing_model: 'flat',
      amount: 50,
      default_tax_id: tax,
    })
    const created = await a.post('/api/quotes', {
      customer_id: mine.id,
      owner_id: owner,
      pricing_table: {
        sections: [
          {
            name: 'S',
            phases: [
              {
                name: 'P',
                line_items: [
                  { product_id: gadget.id, quantity: 3 },
                  { product_id: widget.id, quantity: 1, tax_id: null },
                ],
              },
            ],
          },
        ],
      },
    })
    assert.equal(created.statusCode, 201, created.body)
    const read = await a.get(`/api/quote/${created.json().data.id}`)
    const before = read.json().data
    const id = before.id
    assert.equal(linesOf(before)[1]!.tax, null)

    const ok = async (res: Promise<{ statusCode: number; body: string }>) => {
      const r = await res
      assert.equal(r.statusCode, 200, r.body)
    }
    await ok(a.patch(`/api/customers/${mine.id}`, { name: 'Renamed Inc.' }))
    await ok(a.patch(`/api/contacts/${mine.contactIds[0]}`, { first_name: 'Jane' }))
    await ok(a.patch(`/api/addresses/${mine.addressIds[0]}`, { city: 'Marseille' }))
    await t.db.kysely.updateTable('users').set({ last_name: 'Changed' }).where('id', '=', owner).execute()
    await ok(a.patch(`/api/products/${gadget.id}`, { name: 'Gadget Pro' }))
    await ok(a.patch(`/api/prices/${gadget.priceIds['']}`, { amount: 60 }))
    await ok(a.patch(`/api/taxes/${tax}`, { rate: 12 }))
    const after = (await a.get(`/api/quote/${id}`)).json().data
    assert.deepEqual(after, before)

    const repriced = await a.post(`/api/quotes/${id}/reprice`)
    assert.equal(repriced.statusCode, 200, repriced.body)
    const fresh = repriced.json().data
    assert.notEqual(repriced.headers.etag, read.headers.etag)
    assert.equal((await a.get(`/api/quote/${id}`)).headers.etag, repriced.headers.etag)
    const [gadgetLine, widgetLine] = linesOf(fresh)
    // 3 × 60.00 = 180.00, the tax now 12 %: 21.60; the widget line chose no tax, and keeps none.
    assert.equal(gadgetLine!.product.name, 'Gadget Pro')
    assert.deepEqual(
      [gadgetLine!.pricing.list_price, gadgetLine!.net_amount, gadgetLine!.tax_amount],
      [60, 180, 21.6],
    )
    assert.equal(gadgetLine!.tax.rate, 12)
    assert.equal(widgetLine!.tax, null)
    // The customer, its contacts and addresses, and the owner are as they were.
    assert.deepEqual(fresh.customer, before.customer)
    assert.deepEqual(fresh.owner, before.owner)
    const events = (await a.get(`/api/events?record_id=${id}`)).json().data.map((e: Json) => e.type)
    assert.deepEqual(events, ['quote.created', 'quote.updated'])

    // Naming the contacts again copies them afresh, and only them.
    const contacts = await a.patch(`/api/quotes/${id}`, { contact_ids: [mine.contactIds[0]] })
    assert.equal(contacts.json().data.customer.contacts[0].first_name, 'Jane')
    assert.equal(contacts.json().data.customer.name, 'Customer Inc.')
    assert.equal(contacts.json().data.customer.billing_address.city, 'Lyon')
    // Naming the customer again copies it all afresh, with its defaults.
    const again = await a.patch(`/api/quotes/${id}`, { customer_id: mine.id })
    assert.equal(again.json().data.customer.name, 'Renamed Inc.')
    assert.equal(again.json().data.customer.billing_address.city, 'Marseille')
    const owned = await a.patch(`/api/quotes/${id}`, { owner_id: owner })
    assert.equal(owned.json().data.owner.last_name, 'Changed')
  })

  it("outlives its customer's deletion and purge, and keeps its pricebook and payment term from deletion", async () => {
    const gone = await buildQuoteCustomer(a, { contacts: 1 })
    const term = await buildPaymentTerm(a, [{ percentage: 100, term: 'net30' }])
    const quote = (await a.post('/api/quotes', { customer_id: gone.id, payment_term_id: term })).json().data
    assert.equal((await a.del(`/api/customers/${gone.id}`)).statusCode, 200)
    const counts = await purgeResources(t.db.kysely, new Date(Date.now() + 86_400_000))
    assert.ok(counts.customers! >= 1)
    const read = await a.get(`/api/quote/${quote.id}`)
    assert.equal(read.statusCode, 200)
    assert.deepEqual(read.json().data, quote)
    const termDeleted = await a.del(`/api/payment-terms/${term}`)
    assert.equal(termDeleted.statusCode, 409)
    assert.match(termDeleted.json().error, /^Payment term is used by 1 quote: /)
    const catalog = (await a.get('/api/catalogs')).json().data[0].id
    const book = (await a.post('/api/pricebooks', { name: 'Used', catalog_id: catalog })).json().data.id
    const empty = (await a.post('/api/quotes', { customer_id: customer.id, pricebook_id: book })).json().data
    const bookDeleted = await a.del(`/api/pricebooks/${book}`)
    assert.equal(bookDeleted.statusCode, 409)
    assert.equal(
      bookDeleted.json().error,
      'Pricebook is used by 1 quote: deactivate it instead (PATCH {"status": "inactive"}): the quote keeps it',
    )
    assert.equal((await a.del(`/api/quotes/${empty.id}`)).statusCode, 200)
    assert.equal((await a.del(`/api/pricebooks/${book}`)).statusCode, 200)
  })

  it('answers 409 naming the lines whose price is gone when repricing, and changes nothing', async () => {
    const quote = await draft(1)
    const [line] = linesOf(quote)
    await t.db.kysely
      .updateTable('prices')
      .set({ is_active: 0 })
      .where('id', '=', widget.priceIds['']!)
      .execute()
    try {
      const res = await a.post(`/api/quotes/${quote.id}/reprice`)
      assert.equal(res.statusCode, 409)
      assert.match(res.json().error, new RegExp(`${line!.id} \\(Widget\\)`))
      assert.deepEqual((await a.get(`/api/quotes/${quote.id}`)).json().data, quote)
    } finally {
      await t.db.kysely
        .updateTable('prices')
        .set({ is_active: 1 })
        .where('id', '=', widget.priceIds['']!)
        .execute()
    }
  })
})

describe('GET /api/quotes', () => {
  const t = useTestApp()
  let tenant: Tenant
  let a: ReturnType<typeof api>
  const ids: string[] = []
  let first: Awaited<ReturnType<typeof buildQuoteCustomer>>
  let second: Awaited<ReturnType<typeof buildQuoteCustomer>>
  let owner: string

  before(async () => {
    tenant = await buildTenant(t.db)
    a = api(t, tenant.auth)
    first = await buildQuoteCustomer(a, { name: 'First' })
    second = await buildQuoteCustomer(a, { name: 'Second' })
    owner = await insertUser(t, tenant.workspaceId)
    for (const [i, customer] of [first, first, second, first, second].entries()) {
      const res = await a.post('/api/quotes', {
        customer_id: customer.id,
        title: `Quote ${i}`,
        ...(i === 2 ? { owner_id: owner } : {}),
      })
      assert.equal(res.statusCode, 201, res.body)
      ids.push(res.json().data.id)
    }
    // Distinct instants, one a day, so that ranges split them unambiguously.
    for (const [i, id] of ids.entries()) {
      const at = new Date(Date.UTC(2026, 0, 10 + i, 9)).toISOString()
      await t.db.kysely
        .updateTable('quotes')
        .set({ created_at: at, issue_date: at })
        .where('id', '=', id)
        .execute()
    }
    await t.db.kysely.updateTable('quotes').set({ status: 'sent' }).where('id', '=', ids[3]!).execute()
  })

  const list = async (query: string) => {
    const res = await a.get(`/api/quotes${query}`)
    assert.equal(res.statusCode, 200, res.body)
    return res.json()
  }

  it('lists summaries oldest first, not whole documents', async () => {
    const body = await list('')
    assert.deepEqual(
      body.data.map((q: Json) => q.id),
      ids,
    )
    assert.deepEqual(Object.keys(body.data[0]), [
      'id',
      'number',
      'status',
      'customer',
      'owner_id',
      'currency',
      'title',
      'net_amount',
      'tax_amount',
      'total_amount',
      'issue_date',
      'expiration_date',
      'created_at',
      'updated_at',
    ])
    assert.deepEqual(body.data[0].customer, { id: first.id, name: 'First' })
    assert.equal(body.data[0].issue_date, '2026-01-10T09:00:00.000Z')
    assert.equal(body.has_more, false)
  })

  it('filters by status, customer, owner, number and instants', async () => {
    const idsOf = async (query: string) => (await list(query)).data.map((q: Json) => q.id)
    assert.deepEqual(await idsOf('?status=sent'), [ids[3]])
    assert.deepEqual(await idsOf('?status=draft'), [ids[0], ids[1], ids[2], ids[4]])
    assert.deepEqual(await idsOf(`?customer_id=${second.id.toUpperCase()}`), [ids[2], ids[4]])
    assert.deepEqual(await idsOf(`?owner_id=${owner}`), [ids[2]])
    assert.deepEqual(await idsOf('?customer_id=nope'), [])
    const number = (await a.get(`/api/quotes/${ids[1]}`)).json().data.number
    assert.deepEqual(await idsOf(`?number=${number}`), [ids[1]])
    assert.deepEqual(await idsOf('?created_since=2026-01-11T09:00:00Z&created_before=2026-01-13T09:00:00Z'), [
      ids[1],
      ids[2],
    ])
    assert.deepEqual(await idsOf('?issued_since=2026-01-13T09:00:00%2B00:00'), [ids[3], ids[4]])
    assert.deepEqual(await idsOf(`?issued_before=2026-01-11T09:00:00.001Z&customer_id=${first.id}`), [
      ids[0],
      ids[1],
    ])
  })

  it('pages by keyset, refusing a cursor of other filters and unknown parameters', async () => {
    const page1 = await list('?limit=2')
    assert.equal(page1.has_more, true)
    const page2 = await list(`?limit=2&cursor=${page1.next_cursor}`)
    const page3 = await list(`?limit=2&cursor=${page2.next_cursor}`)
    assert.deepEqual(
      [...page1.data, ...page2.data, ...page3.data].map((q: Json) => q.id),
      ids,
    )
    assert.equal(page3.has_more, false)
    const foreign = await a.get(`/api/quotes?limit=2&status=draft&cursor=${page1.next_cursor}`)
    assert.equal(foreign.statusCode, 400)
    const unknown = await a.get('/api/quotes?sort=number')
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
    const bad = await a.get('/api/quotes?status=won&created_since=yesterday')
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().details.length, 2)
  })

  it('shows another workspace nothing: its list is empty, each quote a 404; a token without quotes gets 403', async () => {
    const intruder = await buildTenant(t.db)
    const b = api(t, intruder.auth)
    assert.deepEqual((await b.get('/api/quotes')).json().data, [])
    for (const path of [`/api/quote/${ids[0]}`, `/api/quotes/${ids[0]}`]) {
      const res = await b.get(path)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Quote not found', code: 'not_found' })
    }
    assert.equal((await b.patch(`/api/quotes/${ids[0]}`, { title: 'x' })).statusCode, 404)
    assert.equal((await b.post(`/api/quotes/${ids[0]}/reprice`)).statusCode, 404)
    assert.equal((await b.del(`/api/quotes/${ids[0]}`)).statusCode, 404)
    assert.equal((await b.post('/api/quotes', { customer_id: first.id })).statusCode, 400)
    const customersOnly = await buildToken(t.db, tenant.workspaceId, ['customers:write'])
    for (const [method, url] of [
      ['GET', `/api/quote/${ids[0]}`],
      ['GET', '/api/quotes'],
      ['POST', '/api/quotes'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: customersOnly.auth,
        payload: method === 'POST' ? {} : undefined,
      })
      assert.equal(res.statusCode, 403, url)
      assert.equal(
        res.json().error,
        `This token lacks the 'quotes:${method === 'GET' ? 'read' : 'write'}' permission`,
      )
    }
    const reader = await buildToken(t.db, tenant.workspaceId, ['quotes:read'])
    assert.equal((await a.get(`/api/quote/${ids[0]}`, reader.auth)).statusCode, 200)
    assert.equal((await a.patch(`/api/quotes/${ids[0]}`, { title: 'x' }, reader.auth)).statusCode, 403)
    assert.equal((await a.get(`/api/quote/${ids[0]}`, {})).statusCode, 401)
  })

  it('answers 304 to an If-None-Match that holds the ETag, on both paths', async () => {
    const read = await a.get(`/api/quote/${ids[0]}`)
    for (const path of [`/api/quote/${ids[0]}`, `/api/quotes/${ids[0]}`]) {
      const res = await a.get(path, { ...tenant.auth, 'if-none-match': String(read.headers.etag) })
      assert.equal(res.statusCode, 304, path)
    }
  })
})
