import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { Decimal } from 'decimal.js'
import { api, buildTenant, useTestApp } from '../../../test/helpers.ts'

// Golden totals: quotes whose every amount was computed by hand (test/fixtures/golden-quotes.json says how,
// case by case, in `why`), created through POST /api/quotes on a workspace set up through the API, then read
// back with GET /api/quote/{id}: the cents must be the hand's, as created and as stored (text decimals on
// SQLite, numeric on PostgreSQL). The file runs in both passes of `npm test`. No expected value comes from
// the engine.

interface Discount {
  type: 'percent' | 'amount'
  value: number
}
interface LineCase {
  product: string
  quantity: number
  frequency?: 'month' | 'month3' | 'year'
  tax?: string
  unit_price?: number
  discount?: Discount
}
type Amounts = Record<'list' | 'discount' | 'subtotal' | 'quote_discount' | 'net' | 'tax' | 'total', string>
interface ExpectedLine extends Amounts {
  unit_price?: string
  recurrence?: [string, number]
}
interface GoldenCase {
  name: string
  why: string
  pricebook: string
  discount?: Discount
  sections: { name: string; phases: { name: string; lines: LineCase[] }[] }[]
  lines: ExpectedLine[]
  summary: { one_off: [string, string, string]; recurring: [string, number, string, string, string][] }
}
interface PriceBody {
  pricing_model: string
  default_tax?: string
  percentage_products?: string[]
  [field: string]: unknown
}
interface Fixture {
  setup: {
    currencies: string[]
    taxes: Record<string, string | (Record<string, unknown> & { currency?: string })>
    pricebooks: Record<string, string | { name: string; currency: string }>
    products: Record<
      string,
      {
        name: string
        recurrence_type: 'one_off' | 'recurring'
        prices: Record<string, Record<string, PriceBody>>
      }
    >
  }
  cases: GoldenCase[]
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/golden-quotes.json', import.meta.url), 'utf8'),
) as Fixture

const CURRENCY: Record<string, string> = { eur: 'EUR', jpy: 'JPY', tnd: 'TND' }
const LINE_FIELDS = {
  list: 'list_amount',
  discount: 'discount_amount',
  subtotal: 'subtotal_amount',
  quote_discount: 'quote_discount_amount',
  net: 'net_amount',
  tax: 'tax_amount',
  total: 'total_amount',
} as const
const TOTALS = ['net_amount', 'tax_amount', 'total_amount'] as const

/** What this file reads of a quote (the whole shape is the quotes resource's). */
type Totals = Record<(typeof TOTALS)[number], unknown>
interface ReadLine extends Record<(typeof LINE_FIELDS)[keyof typeof LINE_FIELDS], unknown> {
  product: { name: string }
  quantity: number
  pricing: { unit_price: unknown }
  recurrence: { interval: string; interval_count: number } | null
}
interface ReadQuote {
  id: string
  currency: string
  pricing_table: { sections: { name: string; phases: { name: string; line_items: ReadLine[] }[] }[] }
  summary: { one_off: Totals; recurring: (Totals & { interval: string; interval_count: number })[] }
}

/**
 * The quote of a create or read answer. The documented envelope is `data.quote` (test/demo-quote.test.ts holds
 * the read to the example's shape); this file checks the cents, wherever the quote sits.
 */
const quoteOf = (body: { data: ReadQuote | { quote: ReadQuote } }): ReadQuote =>
  'quote' in body.data ? body.data.quote : body.data

/** A money field of the API: a JSON number equal, as an exact decimal, to the hand's figure. */
function money(got: unknown, expected: string, where: string): void {
  assert.equal(typeof got, 'number', `${where}: ${JSON.stringify(got)} is not a JSON number`)
  assert.ok(new Decimal(String(got)).equals(expected), `${where}: got ${got}, computed by hand ${expected}`)
}

describe('golden quotes: totals computed by hand, created and read back', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  const call = api(t, () => tenant.auth)
  const ids = {
    customer: '',
    currencies: {} as Record<string, string>,
    taxes: {} as Record<string, string>,
    pricebooks: {} as Record<string, string>,
    frequencies: {} as Record<string, string>,
    products: {} as Record<string, string>,
  }

  async function answer(res: Awaited<ReturnType<typeof call.get>>, status = 200) {
    assert.equal(res.statusCode, status, res.body)
    return res.json()
  }
  const ok = async (res: Awaited<ReturnType<typeof call.get>>, status = 200) =>
    (await answer(res, status)).data

  before(async () => {
    tenant = await buildTenant(t.db)
    ids.customer = (
      await ok(await call.post('/api/customers', { name: 'Golden Ltd', type: 'company' }), 201)
    ).id
    for (const code of fixture.setup.currencies) await ok(await call.post('/api/currencies', { code }), 201)
    for (const c of await ok(await call.get('/api/currencies?limit=100'))) ids.currencies[c.code] = c.id

    const existingTaxes = await ok(await call.get('/api/taxes?limit=100'))
    for (const [key, spec] of Object.entries(fixture.setup.taxes)) {
      if (typeof spec === 'string') {
        ids.taxes[key] = existingTaxes.find((tax: { api_name: string }) => tax.api_name === spec).id
        continue
      }
      const { currency, ...body } = spec
      const created = await call.post('/api/taxes', {
        ...body,
        ...(currency ? { currency_id: ids.currencies[currency] } : {}),
      })
      ids.taxes[key] = (await ok(created, 201)).id
    }

    const catalogs = await ok(await call.get('/api/catalogs?limit=100'))
    const standard = catalogs.find((c: { api_name: string }) => c.api_name === 'standard').id
    const books = await ok(await call.get('/api/pricebooks?limit=100'))
    for (const [key, spec] of Object.entries(fixture.setup.pricebooks)) {
      if (typeof spec === 'string') {
        ids.pricebooks[key] = books.find((b: { api_name: string }) => b.api_name === spec).id
        continue
      }
      const created = await call.post('/api/pricebooks', {
        name: spec.name,
        type: 'fixed',
        catalog_id: standard,
        currency_id: ids.currencies[spec.currency],
      })
      ids.pricebooks[key] = (await ok(created, 201)).id
    }

    for (const f of await ok(await call.get('/api/billing-frequencies?limit=100'))) {
      ids.frequencies[f.period === 1 ? f.unit : `${f.unit}${f.period}`] = f.id
    }

    // Each product in the Standard catalog, which every pricebook above is on: Quoin makes its price rows
    // (one per billing frequency for a recurring one); the fixture fills in those it uses.
    for (const [key, product] of Object.entries(fixture.setup.products)) {
      const created = await call.post('/api/products', {
        api_name: key,
        recurrence_type: product.recurrence_type,
        name: product.name,
      })
      const variant = (await ok(created, 201)).id as string
      ids.products[key] = variant
      const rows = await ok(await call.get(`/api/prices?product_variant_id=${variant}&limit=100`))
      for (const [book, byFrequency] of Object.entries(product.prices)) {
        for (const [frequency, price] of Object.entries(byFrequency)) {
          const row = rows.find(
            (r: { pricebook_id: string; billing_frequency_id: string | null }) =>
              r.pricebook_id === ids.pricebooks[book] &&
              r.billing_frequency_id === (frequency === 'one_off' ? null : ids.frequencies[frequency]),
          )
          assert.ok(row, `no price row of ${key} in ${book} for ${frequency}`)
          const { default_tax, percentage_products, ...body } = price
          const patch = {
            ...body,
            ...(default_tax ? { default_tax_id: ids.taxes[default_tax] } : {}),
            ...(percentage_products
              ? { percentage_product_ids: percentage_products.map((p) => ids.products[p]) }
              : {}),
          }
          await ok(await call.patch(`/api/prices/${row.id}`, patch))
        }
      }
    }
  })

  /** The POST body of a case: the whole pricing table, as a CRM integration sends it. */
  function body(c: GoldenCase) {
    return {
      customer_id: ids.customer,
      pricebook_id: ids.pricebooks[c.pricebook],
      title: c.name,
      ...(c.discount ? { discount: c.discount } : {}),
      pricing_table: {
        settings: { is_prices_hidden: false },
        sections: c.sections.map((s) => ({
          name: s.name,
          type: 'standard',
          phases: s.phases.map((p) => ({
            name: p.name,
            line_items: p.lines.map((l) => ({
              product_id: ids.products[l.product],
              quantity: l.quantity,
              ...(l.frequency ? { billing_frequency_id: ids.frequencies[l.frequency] } : {}),
              ...(l.tax ? { tax_id: ids.taxes[l.tax] } : {}),
              ...(l.unit_price !== undefined ? { unit_price: l.unit_price } : {}),
              ...(l.discount ? { discount: l.discount } : {}),
            })),
          })),
        })),
      },
    }
  }

  /** Every line amount and summary figure of `quote` against the hand's. */
  function check(quote: ReadQuote, c: GoldenCase, how: string): void {
    assert.equal(quote.currency, CURRENCY[c.pricebook], `${how}: currency`)
    const sections = quote.pricing_table.sections
    assert.deepEqual(
      sections.map((s) => [s.name, s.phases.map((p) => p.name)]),
      c.sections.map((s) => [s.name, s.phases.map((p) => p.name)]),
      `${how}: sections and phases`,
    )
    const lines = sections.flatMap((s) => s.phases.flatMap((p) => p.line_items))
    assert.equal(lines.length, c.lines.length, `${how}: line count`)
    c.lines.forEach((expected, i) => {
      const line = lines[i]!
      const at = `${how} line ${i + 1} (${line.product.name} × ${line.quantity})`
      for (const [key, field] of Object.entries(LINE_FIELDS)) {
        money(line[field], expected[key as keyof Amounts], `${at} ${field}`)
      }
      if (expected.unit_price !== undefined) {
        money(line.pricing.unit_price, expected.unit_price, `${at} pricing.unit_price`)
      }
      assert.deepEqual(
        line.recurrence === null ? null : [line.recurrence.interval, line.recurrence.interval_count],
        expected.recurrence ?? null,
        `${at} recurrence`,
      )
    })
    TOTALS.forEach((field, k) => {
      money(quote.summary.one_off[field], c.summary.one_off[k]!, `${how} summary.one_off.${field}`)
    })
    const recurring = quote.summary.recurring
    assert.deepEqual(
      recurring.map((r) => [r.interval, r.interval_count]),
      c.summary.recurring.map((r) => [r[0], r[1]]),
      `${how}: summary.recurring intervals, in order`,
    )
    recurring.forEach((r, i) => {
      TOTALS.forEach((field, k) => {
        const expected = c.summary.recurring[i]![k + 2] as string
        money(r[field], expected, `${how} summary.recurring[${i}].${field}`)
      })
    })
  }

  it(`holds at least 22 cases, each with its arithmetic (${fixture.cases.length})`, () => {
    assert.ok(fixture.cases.length >= 22)
    for (const c of fixture.cases) assert.ok(c.why.length > 20, `${c.name} says how it was computed`)
  })

  for (const c of fixture.cases) {
    it(c.name, async () => {
      const created = await call.post('/api/quotes', body(c))
      const quote = quoteOf(await answer(created, 201))
      check(quote, c, 'POST /api/quotes')
      const read = await call.get(`/api/quote/${quote.id}`)
      check(quoteOf(await answer(read)), c, 'GET /api/quote/{id}')
    })
  }
})
