import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, useTestApp } from '../../../test/helpers.ts'
import { buildPricedProduct, buildQuoteCustomer, buildTax } from '../../../test/quote-fixtures.ts'

// The routes of a quote's pricing table: sections, phases and line items added, changed, moved and deleted,
// each a write of the quote (its lock, If-Match, editability, totals, event, ETag).

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read back in assertions
type Json = Record<string, any>

/** The quote a read or create of the quotes resource answers (its data, or data.quote as documented). */
const doc = (json: Json): Json => json.data.quote ?? json.data

describe("a quote's pricing table", () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  let a: ReturnType<typeof api>
  let customer: string
  /** Variants: Setup (one-off, 100, VAT 20% by default), Seats (monthly, 30). */
  let setup: string
  let seats: string
  let reduced: string

  before(async () => {
    tenant = await buildTenant(t.db)
    a = api(t, tenant.auth)
    customer = (await buildQuoteCustomer(a)).id
    const taxes = (await a.get('/api/taxes')).json().data as Json[]
    const vat = taxes.find((x) => x.api_name === 'vat_20')!.id
    setup = (
      await buildPricedProduct(a, 'Setup', { pricing_model: 'flat', amount: 100, default_tax_id: vat })
    ).id
    seats = (
      await buildPricedProduct(
        a,
        'Seats',
        { Monthly: { pricing_model: 'flat', amount: 30 } },
        { recurring: true, unit: 'seat' },
      )
    ).id
    reduced = await buildTax(a, 'Reduced 5.5%', 5.5)
  })

  /** A new draft quote with an empty table: its id and ETag. */
  const newQuote = async () => {
    const res = await a.post('/api/quotes', { customer_id: customer, title: 'Table' })
    assert.equal(res.statusCode, 201, res.body)
    return { id: doc(res.json()).id as string, etag: String(res.headers.etag) }
  }

  /** Sends a write and checks it answered `status` with the whole quote and its new ETag. */
  const written = async (
    res: Promise<{ statusCode: number; body: string; headers: Json; json(): unknown }>,
    status = 200,
  ) => {
    const r = await res
    assert.equal(r.statusCode, status, r.body)
    const quote = (r.json() as Json).data as Json
    assert.match(String(r.headers.etag), /^"\d+"$/)
    return { quote, etag: String(r.headers.etag) }
  }

  const sectionsOf = (quote: Json) =>
    quote.pricing_table.sections.map((s: Json) => ({ name: s.name, rank: s.rank }))
  const phasesOf = (quote: Json, i: number) =>
    quote.pricing_table.sections[i].phases.map((p: Json) => ({ name: p.name, rank: p.rank }))
  const linesOf = (quote: Json, s: number, p: number) =>
    quote.pricing_table.sections[s].phases[p].line_items.map((l: Json) => ({
      quantity: l.quantity,
      rank: l.rank,
    }))

  describe('POST /api/quotes/{id}/sections', () => {
    it('adds sections at the end, the front and the middle, ranks dense, with a new ETag and an event', async () => {
      const quote = await newQuote()
      const first = await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'B' }), 201)
      assert.notEqual(first.etag, quote.etag)
      await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'D', rank: 9 }), 201)
      await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'A', rank: 1 }), 201)
      const last = await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'C', rank: 3 }), 201)
      assert.deepEqual(sectionsOf(last.quote), [
        { name: 'A', rank: 1 },
        { name: 'B', rank: 2 },
        { name: 'C', rank: 3 },
        { name: 'D', rank: 4 },
      ])
      assert.equal(last.quote.pricing_table.sections[0].type, 'standard')
      const read = await a.get(`/api/quotes/${quote.id}`)
      assert.equal(read.headers.etag, last.etag)
      assert.deepEqual(doc(read.json()), last.quote)
      const events = (await a.get('/api/events?limit=1000')).json().data as Json[]
      const mine = events.filter((e) => e.type === 'quote.updated' && e.record_id === quote.id)
      assert.equal(mine.length, 4)
    })

    it('keeps ranks dense under concurrent inserts: each write locks the quote', async () => {
      const quote = await newQuote()
      const names = Array.from({ length: 12 }, (_, i) => `S${i}`)
      const answers = await Promise.all(
        names.map((name, i) => a.post(`/api/quotes/${quote.id}/sections`, { name, rank: (i % 3) + 1 })),
      )
      for (const res of answers) assert.equal(res.statusCode, 201, res.body)
      const read = doc((await a.get(`/api/quotes/${quote.id}`)).json())
      assert.deepEqual(
        read.pricing_table.sections.map((s: Json) => s.rank),
        names.map((_, i) => i + 1),
      )
      assert.deepEqual(read.pricing_table.sections.map((s: Json) => s.name).sort(), [...names].sort())
    })

    it('refuses a blank name, a rank below 1 and an unknown field, naming each', async () => {
      const quote = await newQuote()
      const res = await a.post(`/api/quotes/${quote.id}/sections`, { name: ' ', rank: 0, colour: 'red' })
      assert.equal(res.statusCode, 400, res.body)
      const details = res.json().details.join('\n')
      for (const field of ['name', 'rank', 'colour']) assert.match(details, new RegExp(field))
    })
  })

  describe('PATCH and DELETE /api/quotes/{id}/sections/{section_id}', () => {
    it('renames, moves up and down, and deletes with the phases and lines, closing the gap', async () => {
      const quote = await newQuote()
      let last: Json = {}
      for (const name of ['A', 'B', 'C', 'D']) {
        last = (await written(a.post(`/api/quotes/${quote.id}/sections`, { name }), 201)).quote
      }
      const ids = last.pricing_table.sections.map((s: Json) => s.id as string)
      let q = (await written(a.patch(`/api/quotes/${quote.id}/sections/${ids[3]}`, { rank: 1, name: 'D!' })))
        .quote
      assert.deepEqual(
        sectionsOf(q).map((s: Json) => s.name),
        ['D!', 'A', 'B', 'C'],
      )
      q = (await written(a.patch(`/api/quotes/${quote.id}/sections/${ids[0]}`, { rank: 99 }))).quote
      assert.deepEqual(sectionsOf(q), [
        { name: 'D!', rank: 1 },
        { name: 'B', rank: 2 },
        { name: 'C', rank: 3 },
        { name: 'A', rank: 4 },
      ])
      // B gets a phase with a line: deleting B takes them too.
      const phased = await written(
        a.post(`/api/quotes/${quote.id}/sections/${ids[1]}/phases`, { name: 'Y1' }),
        201,
      )
      const phaseId = phased.quote.pricing_table.sections[1].phases[0].id
      await written(
        a.post(`/api/quotes/${quote.id}/phases/${phaseId}/line-items`, { product_id: setup, quantity: 1 }),
        201,
      )
      q = (await written(a.del(`/api/quotes/${quote.id}/sections/${ids[1]}`))).quote
      assert.deepEqual(sectionsOf(q), [
        { name: 'D!', rank: 1 },
        { name: 'C', rank: 2 },
        { name: 'A', rank: 3 },
      ])
      assert.equal(q.summary.one_off.total_amount, 0)
      const left = await t.db.kysely
        .selectFrom('quote_lines')
        .select('id')
        .where('quote_id', '=', quote.id)
        .execute()
      assert.deepEqual(left, [])
    })

    it('answers an unchanged PATCH with the same ETag and no event', async () => {
      const quote = await newQuote()
      const made = await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'Same' }), 201)
      const id = made.quote.pricing_table.sections[0].id
      const events = async () => ((await a.get('/api/events?limit=1000')).json().data as Json[]).length
      const before = await events()
      const res = await written(a.patch(`/api/quotes/${quote.id}/sections/${id}`, { name: 'Same', rank: 1 }))
      assert.equal(res.etag, made.etag)
      assert.deepEqual(res.quote, made.quote)
      assert.equal(await events(), before)
    })
  })

  describe('phases', () => {
    it('adds at the front, middle and end, moves within and across sections with their lines, deletes', async () => {
      const quote = await newQuote()
      await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'S1' }), 201)
      const two = await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'S2' }), 201)
      const [s1, s2] = two.quote.pricing_table.sections.map((s: Json) => s.id as string)
      const add = (section: string, name: string, rank?: number) =>
        written(
          a.post(`/api/quotes/${quote.id}/sections/${section}/phases`, { name, ...(rank ? { rank } : {}) }),
          201,
        )
      await add(s1, 'Y2')
      await add(s1, 'Y4', 2)
      await add(s1, 'Y1', 1)
      let q = (await add(s1, 'Y3', 3)).quote
      assert.deepEqual(
        phasesOf(q, 0),
        ['Y1', 'Y2', 'Y3', 'Y4'].map((name, i) => ({ name, rank: i + 1 })),
      )
      const byName = (quote: Json, s: number, name: string) =>
        quote.pricing_table.sections[s].phases.find((p: Json) => p.name === name).id as string
      // Y3 gets a line, then moves to S2 (first), taking it along.
      const y3 = byName(q, 0, 'Y3')
      await written(
        a.post(`/api/quotes/${quote.id}/phases/${y3}/line-items`, { product_id: setup, quantity: 2 }),
        201,
      )
      await add(s2, 'Z')
      q = (await written(a.patch(`/api/quotes/${quote.id}/phases/${y3}`, { section_id: s2, rank: 1 }))).quote
      assert.deepEqual(
        phasesOf(q, 0),
        ['Y1', 'Y2', 'Y4'].map((name, i) => ({ name, rank: i + 1 })),
      )
      assert.deepEqual(phasesOf(q, 1), [
        { name: 'Y3', rank: 1 },
        { name: 'Z', rank: 2 },
      ])
      assert.deepEqual(linesOf(q, 1, 0), [{ quantity: 2, rank: 1 }])
      // Within a section, down then up; then a move to S1 without a rank goes last.
      q = (
        await written(
          a.patch(`/api/quotes/${quote.id}/phases/${byName(q, 0, 'Y1')}`, { rank: 3, name: 'Y1!' }),
        )
      ).quote
      assert.deepEqual(
        phasesOf(q, 0).map((p: Json) => p.name),
        ['Y2', 'Y4', 'Y1!'],
      )
      q = (await written(a.patch(`/api/quotes/${quote.id}/phases/${y3}`, { section_id: s1 }))).quote
      assert.deepEqual(
        phasesOf(q, 0),
        ['Y2', 'Y4', 'Y1!', 'Y3'].map((name, i) => ({ name, rank: i + 1 })),
      )
      assert.deepEqual(phasesOf(q, 1), [{ name: 'Z', rank: 1 }])
      q = (await written(a.del(`/api/quotes/${quote.id}/phases/${byName(q, 0, 'Y4')}`))).quote
      assert.deepEqual(
        phasesOf(q, 0),
        ['Y2', 'Y1!', 'Y3'].map((name, i) => ({ name, rank: i + 1 })),
      )
      // Deleting Y3 takes its line, and the totals with it.
      assert.equal(q.summary.one_off.net_amount, 200)
      q = (await written(a.del(`/api/quotes/${quote.id}/phases/${y3}`))).quote
      assert.equal(q.summary.one_off.net_amount, 0)
    })

    it("refuses a section_id that is not the quote's, naming it", async () => {
      const quote = await newQuote()
      const other = await newQuote()
      const mine = await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'S' }), 201)
      const theirs = await written(a.post(`/api/quotes/${other.id}/sections`, { name: 'T' }), 201)
      const s = mine.quote.pricing_table.sections[0].id
      const phased = await written(a.post(`/api/quotes/${quote.id}/sections/${s}/phases`, { name: 'P' }), 201)
      const p = phased.quote.pricing_table.sections[0].phases[0].id
      for (const section_id of [theirs.quote.pricing_table.sections[0].id, uuidv7(), 'nope']) {
        const res = await a.patch(`/api/quotes/${quote.id}/phases/${p}`, { section_id })
        assert.equal(res.statusCode, 400, res.body)
        assert.deepEqual(res.json().details, ["Field 'section_id' does not name a section of this quote"])
      }
    })
  })

  describe('line items', () => {
    /** A quote with one section and two phases: ids. */
    const tableQuote = async () => {
      const quote = await newQuote()
      const s = (await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'S' }), 201)).quote
        .pricing_table.sections[0].id as string
      await written(a.post(`/api/quotes/${quote.id}/sections/${s}/phases`, { name: 'P1' }), 201)
      const q = (await written(a.post(`/api/quotes/${quote.id}/sections/${s}/phases`, { name: 'P2' }), 201))
        .quote
      const [p1, p2] = q.pricing_table.sections[0].phases.map((p: Json) => p.id as string)
      return { id: quote.id, section: s, p1: p1 as string, p2: p2 as string }
    }

    it('prices a line added, and the summary moves by the amounts computed by hand', async () => {
      const q = await tableQuote()
      // Setup: 3 × 100 = 300, VAT 20% (the price's default) = 60.
      let quote = (
        await written(
          a.post(`/api/quotes/${q.id}/phases/${q.p1}/line-items`, { product_id: setup, quantity: 3 }),
          201,
        )
      ).quote
      const line = quote.pricing_table.sections[0].phases[0].line_items[0]
      assert.equal(line.product.product_id, setup)
      assert.equal(line.pricing.list_price, 100)
      assert.equal(line.net_amount, 300)
      assert.equal(line.tax_amount, 60)
      assert.deepEqual(quote.summary.one_off, {
        ...quote.summary.one_off,
        net_amount: 300,
        tax_amount: 60,
        total_amount: 360,
      })
      // Seats: 4 × 30 monthly, 10% off, tax 5.5%: 120 − 12 = 108, tax 5.94.
      quote = (
        await written(
          a.post(`/api/quotes/${q.id}/phases/${q.p1}/line-items`, {
            product_id: seats,
            quantity: 4,
            tax_id: reduced,
            discount: { type: 'percent', value: 10 },
          }),
          201,
        )
      ).quote
      assert.deepEqual(quote.summary.one_off.net_amount, 300)
      const monthly = quote.summary.recurring.find(
        (r: Json) => r.interval === 'month' && r.interval_count === 1,
      )
      assert.equal(monthly.net_amount, 108)
      assert.equal(monthly.tax_amount, 5.94)
      assert.equal(monthly.total_amount, 113.94)
    })

    it('adds lines at the front, middle and end, and moves them within and across phases', async () => {
      const q = await tableQuote()
      const add = (phase: string, quantity: number, rank?: number) =>
        written(
          a.post(`/api/quotes/${q.id}/phases/${phase}/line-items`, {
            product_id: setup,
            quantity,
            ...(rank ? { rank } : {}),
          }),
          201,
        )
      await add(q.p1, 2)
      await add(q.p1, 4, 7)
      await add(q.p1, 1, 1)
      let quote = (await add(q.p1, 3, 3)).quote
      assert.deepEqual(
        linesOf(quote, 0, 0),
        [1, 2, 3, 4].map((quantity, i) => ({ quantity, rank: i + 1 })),
      )
      const idOf = (quote: Json, p: number, quantity: number) =>
        quote.pricing_table.sections[0].phases[p].line_items.find((l: Json) => l.quantity === quantity).id
      quote = (await written(a.patch(`/api/quotes/${q.id}/line-items/${idOf(quote, 0, 4)}`, { rank: 2 })))
        .quote
      assert.deepEqual(
        linesOf(quote, 0, 0).map((l: Json) => l.quantity),
        [1, 4, 2, 3],
      )
      quote = (await written(a.patch(`/api/quotes/${q.id}/line-items/${idOf(quote, 0, 1)}`, { rank: 3 })))
        .quote
      assert.deepEqual(
        linesOf(quote, 0, 0).map((l: Json) => l.quantity),
        [4, 2, 1, 3],
      )
      await add(q.p2, 9)
      quote = (
        await written(
          a.patch(`/api/quotes/${q.id}/line-items/${idOf(quote, 0, 2)}`, { phase_id: q.p2, rank: 1 }),
        )
      ).quote
      assert.deepEqual(
        linesOf(quote, 0, 0),
        [4, 1, 3].map((quantity, i) => ({ quantity, rank: i + 1 })),
      )
      assert.deepEqual(linesOf(quote, 0, 1), [
        { quantity: 2, rank: 1 },
        { quantity: 9, rank: 2 },
      ])
      quote = (await written(a.del(`/api/quotes/${q.id}/line-items/${idOf(quote, 0, 4)}`))).quote
      assert.deepEqual(
        linesOf(quote, 0, 0),
        [1, 3].map((quantity, i) => ({ quantity, rank: i + 1 })),
      )
      // 1 + 3 + 2 + 9 units of 100.
      assert.equal(quote.summary.one_off.net_amount, 1500)
    })

    it('changes quantity, unit price, discount and tax, and takes each back', async () => {
      const q = await tableQuote()
      let quote = (
        await written(
          a.post(`/api/quotes/${q.id}/phases/${q.p1}/line-items`, { product_id: setup, quantity: 2 }),
          201,
        )
      ).quote
      const id = quote.pricing_table.sections[0].phases[0].line_items[0].id
      const patch = async (body: Json) => {
        quote = (await written(a.patch(`/api/quotes/${q.id}/line-items/${id}`, body))).quote
        return quote.pricing_table.sections[0].phases[0].line_items[0] as Json
      }
      let line = await patch({ quantity: 5 })
      assert.deepEqual([line.quantity, line.net_amount, line.tax_amount], [5, 500, 100])
      line = await patch({ unit_price: 80 })
      assert.equal(line.pricing.unit_price_override, 80)
      assert.deepEqual([line.net_amount, line.tax_amount], [400, 80])
      line = await patch({ discount: { type: 'amount', value: 50 } })
      assert.deepEqual(line.discount, { type: 'amount', value: 50 })
      assert.deepEqual([line.net_amount, line.tax_amount, line.total_amount], [350, 70, 420])
      line = await patch({ tax_id: reduced })
      assert.equal(line.tax.id, reduced)
      assert.deepEqual([line.tax_amount, line.total_amount], [19.25, 369.25])
      line = await patch({ tax_id: null })
      assert.equal(line.tax, null)
      assert.deepEqual([line.tax_amount, line.total_amount], [0, 350])
      line = await patch({ tax_id: 'default' })
      assert.equal(line.tax.name, 'VAT 20%')
      assert.equal(line.tax_amount, 70)
      line = await patch({ unit_price: null, discount: null })
      assert.equal(line.pricing.unit_price_override, null)
      assert.equal(line.discount, null)
      assert.deepEqual([line.net_amount, line.tax_amount, line.total_amount], [500, 100, 600])
      assert.deepEqual(
        { net: quote.summary.one_off.net_amount, tax: quote.summary.one_off.tax_amount },
        { net: 500, tax: 100 },
      )
    })

    it('refuses bad input, naming each field', async () => {
      const q = await tableQuote()
      let res = await a.post(`/api/quotes/${q.id}/phases/${q.p1}/line-items`, { quantity: -1, rank: 0 })
      assert.equal(res.statusCode, 400, res.body)
      for (const field of ['product_id', 'quantity', 'rank'])
        assert.match(res.json().details.join('\n'), new RegExp(field))
      res = await a.post(`/api/quotes/${q.id}/phases/${q.p1}/line-items`, {
        product_id: uuidv7(),
        quantity: 1.1234567,
        tax_id: uuidv7(),
        discount: { type: 'percent', value: 101 },
      })
      assert.equal(res.statusCode, 400, res.body)
      const details = res.json().details.join('\n')
      for (const field of ['product_id', 'quantity', 'discount.value'])
        assert.match(details, new RegExp(`'${field}'`))
      const made = await written(
        a.post(`/api/quotes/${q.id}/phases/${q.p1}/line-items`, { product_id: setup, quantity: 1 }),
        201,
      )
      const id = made.quote.pricing_table.sections[0].phases[0].line_items[0].id
      res = await a.patch(`/api/quotes/${q.id}/line-items/${id}`, {
        quantity: 0.0000001,
        discount: { type: 'percent', value: 100.5 },
      })
      assert.equal(res.statusCode, 400, res.body)
      assert.match(res.json().details.join('\n'), /'quantity'[\s\S]*'discount.value'/)
      res = await a.patch(`/api/quotes/${q.id}/line-items/${id}`, { tax_id: uuidv7() })
      assert.deepEqual(res.json().details, ["Field 'tax_id' does not name a tax of this workspace"])
      res = await a.patch(`/api/quotes/${q.id}/line-items/${id}`, { phase_id: uuidv7() })
      assert.deepEqual(res.json().details, ["Field 'phase_id' does not name a phase of this quote"])
      res = await a.patch(`/api/quotes/${q.id}/line-items/${id}`, { unit_price: 'ten' })
      assert.equal(res.statusCode, 400)
      assert.match(res.json().details.join('\n'), /unit_price/)
      // Nothing of it was written.
      const read = await a.get(`/api/quotes/${q.id}`)
      assert.equal(read.headers.etag, made.etag)
    })
  })

  describe('what every table route refuses', () => {
    /** A quote with a section, phase and line: the URL of each route with its body. */
    const routesOf = async () => {
      const quote = await newQuote()
      const s = (await written(a.post(`/api/quotes/${quote.id}/sections`, { name: 'S' }), 201)).quote
        .pricing_table.sections[0].id
      const p = (await written(a.post(`/api/quotes/${quote.id}/sections/${s}/phases`, { name: 'P' }), 201))
        .quote.pricing_table.sections[0].phases[0].id
      const made = await written(
        a.post(`/api/quotes/${quote.id}/phases/${p}/line-items`, { product_id: setup, quantity: 1 }),
        201,
      )
      const l = made.quote.pricing_table.sections[0].phases[0].line_items[0].id
      const q = `/api/quotes/${quote.id}`
      return {
        id: quote.id,
        etag: made.etag,
        ids: { s, p, l },
        routes: [
          { method: 'POST', url: `${q}/sections`, body: { name: 'X' }, noun: 'Quote' },
          { method: 'PATCH', url: `${q}/sections/${s}`, body: { name: 'X' }, noun: 'Section' },
          { method: 'POST', url: `${q}/sections/${s}/phases`, body: { name: 'X' }, noun: 'Section' },
          { method: 'PATCH', url: `${q}/phases/${p}`, body: { name: 'X' }, noun: 'Phase' },
          {
            method: 'POST',
            url: `${q}/phases/${p}/line-items`,
            body: { product_id: setup, quantity: 2 },
            noun: 'Phase',
          },
          { method: 'PATCH', url: `${q}/line-items/${l}`, body: { quantity: 2 }, noun: 'Line item' },
          { method: 'DELETE', url: `${q}/line-items/${l}`, noun: 'Line item' },
          { method: 'DELETE', url: `${q}/phases/${p}`, noun: 'Phase' },
          { method: 'DELETE', url: `${q}/sections/${s}`, noun: 'Section' },
        ] as { method: 'POST' | 'PATCH' | 'DELETE'; url: string; body?: Json; noun: string }[],
      }
    }

    it("answers 404 naming the sub-record for another quote's sections, phases and lines", async () => {
      const mine = await routesOf()
      const other = await newQuote()
      for (const r of mine.routes) {
        if (r.noun === 'Quote') continue
        const url = r.url.replace(mine.id, other.id)
        const res = await a.call(r.method, url, r.body)
        assert.equal(res.statusCode, 404, `${r.method} ${url}: ${res.body}`)
        assert.deepEqual(res.json(), { success: false, error: `${r.noun} not found`, code: 'not_found' })
      }
      const res = await a.patch(`/api/quotes/${mine.id}/line-items/not-a-uuid`, { quantity: 1 })
      assert.equal(res.statusCode, 404, res.body)
      assert.equal(res.json().error, 'Line item not found')
    })

    it("answers 404 to another workspace's token, and 401 and 403 to missing and read-only tokens", async () => {
      const mine = await routesOf()
      const intruder = await buildTenant(t.db)
      const reader = await buildToken(t.db, tenant.workspaceId, ['quotes:read'])
      for (const r of mine.routes) {
        let res = await a.call(r.method, r.url, r.body, intruder.auth)
        assert.equal(res.statusCode, 404, `${r.method} ${r.url}: ${res.body}`)
        assert.deepEqual(res.json(), { success: false, error: 'Quote not found', code: 'not_found' })
        res = await a.call(r.method, r.url, r.body, {})
        assert.equal(res.statusCode, 401)
        res = await a.call(r.method, r.url, r.body, reader.auth)
        assert.equal(res.statusCode, 403)
        assert.equal(res.json().code, 'insufficient_scope')
      }
      const read = await a.get(`/api/quotes/${mine.id}`)
      assert.equal(read.headers.etag, mine.etag)
    })

    it('answers 409 on a quote that is no longer editable, and 412 to a stale If-Match', async () => {
      const mine = await routesOf()
      for (const r of mine.routes) {
        const res = await a.call(r.method, r.url, r.body, { ...tenant.auth, 'if-match': '"1"' })
        assert.equal(res.statusCode, 412, `${r.method} ${r.url}: ${res.body}`)
        assert.equal(res.headers.etag, mine.etag)
      }
      // The update moves the version (a trigger does, on every update of the row).
      await t.db.kysely.updateTable('quotes').set({ status: 'sent' }).where('id', '=', mine.id).execute()
      const sent = String((await a.get(`/api/quotes/${mine.id}`)).headers.etag)
      for (const r of mine.routes) {
        const res = await a.call(r.method, r.url, r.body, { ...tenant.auth, 'if-match': sent })
        assert.equal(res.statusCode, 409, `${r.method} ${r.url}: ${res.body}`)
        assert.equal(
          res.json().error,
          'This quote is sent: only draft and changes_requested quotes can be edited',
        )
      }
      await t.db.kysely
        .updateTable('quotes')
        .set({ status: 'changes_requested' })
        .where('id', '=', mine.id)
        .execute()
      for (const r of mine.routes) {
        const res = await a.call(r.method, r.url, r.body)
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `${r.method} ${r.url}: ${res.body}`)
      }
    })

    it('writes under the current ETag', async () => {
      const mine = await routesOf()
      const res = await a.call(
        'POST',
        mine.routes[0]!.url,
        { name: 'Z' },
        { ...tenant.auth, 'if-match': mine.etag },
      )
      assert.equal(res.statusCode, 201, res.body)
      assert.notEqual(res.headers.etag, mine.etag)
    })
  })
})
