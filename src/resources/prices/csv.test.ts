import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { before, describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, tempDir, useTestApp } from '../../../test/helpers.ts'
import { run } from '../../cli.ts'
import type { Db } from '../../db/connect.ts'
import { nowIso } from '../../db/dialect.ts'
import { runWrite } from '../../kernel/write.ts'
import { priceColumns, spoolCsv } from './csv.ts'
import { syncPrices } from './sync.ts'

// The price file: GET /api/prices/export, POST /api/prices/import and `quoin prices export|import`.

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Api = ReturnType<typeof api>

const CSV = { 'content-type': 'text/csv' }

/** A product made through the API, with its prices in the Standard pricebook (one per billing frequency). */
async function buildProduct(a: Api, apiName: string, recurrence: 'one_off' | 'recurring') {
  const res = await a.post('/api/products', { api_name: apiName, recurrence_type: recurrence, name: apiName })
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data as { id: string; product_parent_id: string; prices: { id: string }[] }
}

/** Sets stored columns of a price directly, as the store keeps them (decimals as text). */
async function fill(db: Db, priceId: string, columns: Record<string, unknown>) {
  await db.kysely
    .updateTable('prices')
    .set(columns as never)
    .where('id', '=', priceId)
    .execute()
}

/** The prices of a product, by billing frequency ('' for one-off; '1 month', '3 month', '1 year'). */
async function pricesOf(db: Db, productId: string): Promise<Record<string, string>> {
  const rows = await db.kysely
    .selectFrom('prices as p')
    .leftJoin('billing_frequencies as bf', 'bf.id', 'p.billing_frequency_id')
    .select(['p.id', 'bf.period', 'bf.unit'])
    .where('p.product_id', '=', productId)
    .execute()
  return Object.fromEntries(rows.map((r) => [r.unit === null ? '' : `${r.period} ${r.unit}`, r.id]))
}

async function buildTax(db: Db, workspaceId: string, apiName: string, rate: string) {
  const at = nowIso()
  const id = uuidv7()
  await db.kysely
    .insertInto('taxes')
    .values({
      id,
      workspace_id: workspaceId,
      name: apiName,
      api_name: apiName,
      type: 'vat',
      country: 'FR',
      region: null,
      method: 'percentage',
      rate,
      currency_id: null,
      amount: null,
      is_active: 1,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

const records = (text: string) => parse(text) as string[][]
/** The rows of a file as objects by column. */
const rowsOf = (text: string) => parse(text, { columns: true }) as Record<string, string>[]
const toCsv = (rows: string[][]) =>
  `${rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')).join('\n')}\n`

/** A file with the header `columns` and one row per entry. */
const file = (columns: string[], ...rows: (string | number)[][]) =>
  toCsv([columns, ...rows.map((r) => r.map(String))])

/** The cells that differ between two exports, as "id column: before → after". */
function differences(before: string, after: string): string[] {
  const [a, b] = [rowsOf(before), rowsOf(after)]
  assert.equal(a.length, b.length)
  const out: string[] = []
  for (const [i, row] of a.entries()) {
    for (const [column, value] of Object.entries(row)) {
      if (b[i]![column] !== value) out.push(`${row.id} ${column}: ${value} → ${b[i]![column]}`)
    }
  }
  return out
}

const leftoverUploads = () => readdirSync(tmpdir()).filter((f) => f.startsWith('quoin-prices-'))

describe('the price file', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  let widget: Awaited<ReturnType<typeof buildProduct>>
  let service: Awaited<ReturnType<typeof buildProduct>>
  let widgetPrice: string
  let servicePrices: Record<string, string>
  let vat20: string
  let vat55: string

  const exported = async (query = '') => {
    const res = await a.get(`/api/prices/export${query}`)
    assert.equal(res.statusCode, 200, res.body)
    return res.body
  }
  const importing = (body: string, headers: Record<string, string> = {}) =>
    a.call('POST', '/api/prices/import', body, { ...tenant.auth, ...CSV, ...headers })

  before(async () => {
    tenant = await buildTenant(t.db)
    widget = await buildProduct(a, 'widget', 'one_off')
    service = await buildProduct(a, 'support', 'recurring')
    widgetPrice = widget.prices[0]!.id
    servicePrices = await pricesOf(t.db, service.id)
    const tax = await t.db.kysely
      .selectFrom('taxes')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .executeTakeFirstOrThrow()
    vat20 = tax.id
    vat55 = await buildTax(t.db, tenant.workspaceId, 'vat_5_5', '5.5')
    await fill(t.db, widgetPrice, {
      pricing_model: 'flat',
      amount: '9.99',
      cost: '4.5',
      floor_price: '8',
      default_tax_id: vat20,
      id_erp: 'ERP-1',
    })
    await fill(t.db, servicePrices['1 month']!, {
      pricing_model: 'volume',
      volume_tiers: JSON.stringify([
        { up_to: '10', unit_amount: '20', flat_amount: null },
        { up_to: null, unit_amount: '15.5', flat_amount: '100' },
      ]),
      engagement_type: 'fixed',
      period_duration: 12,
      is_pay_as_you_go: 1,
    })
    await fill(t.db, servicePrices['1 year']!, {
      pricing_model: 'cost_plus',
      cost: '100',
      cost_multiplier: '1.25',
      is_setup: 1,
    })
  })

  describe('GET /api/prices/export', () => {
    it('answers the CSV of every price, oldest first, with the documented columns in their order', async () => {
      const res = await a.get('/api/prices/export')
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
      assert.equal(res.headers['content-disposition'], 'attachment; filename="prices.csv"')
      const [header, ...rows] = records(res.body)
      assert.deepEqual(header!.slice(0, 19), [
        'id',
        'product_api_name',
        'pricebook_api_name',
        'currency_code',
        'type',
        'period_unit',
        'period',
        'pricing_model',
        'amount',
        'percent',
        'cost',
        'floor_price',
        'vat_code',
        'engagement_type',
        'period_duration_month',
        'pay_as_you_go',
        'identifiers[crm]',
        'identifiers[erp]',
        'identifiers[accounting]',
      ])
      assert.deepEqual(header!.slice(19, 25), [
        'tier_1_up_to',
        'tier_1_unit_amount',
        'tier_1_flat_amount',
        'tier_2_up_to',
        'tier_2_unit_amount',
        'tier_2_flat_amount',
      ])
      assert.deepEqual(header!.slice(-4), [
        'tier_10_flat_amount',
        'cost_multiplier',
        'price_percentage_type',
        'is_setup',
      ])
      assert.deepEqual(header, priceColumns(10))
      assert.equal(header!.length, 19 + 30 + 3)
      assert.deepEqual(
        rows.map((r) => r[0]),
        [widgetPrice, ...Object.values(servicePrices).sort()],
      )
      for (const row of rows) assert.equal(row.length, header!.length)
    })

    it('writes each price as stored: decimals, tiers of its model, taxes by api_name, empty cells for nulls', async () => {
      const rows = rowsOf(await exported())
      const byId = new Map(rows.map((r) => [r.id, r]))
      const flat = byId.get(widgetPrice)!
      assert.deepEqual(
        { ...flat },
        {
          ...Object.fromEntries(priceColumns(10).map((c) => [c, ''])),
          id: widgetPrice,
          product_api_name: 'widget',
          pricebook_api_name: 'standard',
          currency_code: 'EUR',
          type: 'one_off',
          pricing_model: 'flat',
          amount: '9.99',
          cost: '4.5',
          floor_price: '8',
          vat_code: 'vat_20',
          pay_as_you_go: 'false',
          'identifiers[erp]': 'ERP-1',
          is_setup: 'false',
        },
      )
      const volume = byId.get(servicePrices['1 month']!)!
      assert.equal(volume.type, 'recurring')
      assert.deepEqual([volume.period_unit, volume.period], ['month', '1'])
      assert.deepEqual(
        [volume.pricing_model, volume.engagement_type, volume.period_duration_month, volume.pay_as_you_go],
        ['volume', 'fixed', '12', 'true'],
      )
      assert.deepEqual(
        [1, 2, 3].map((n) => [
          volume[`tier_${n}_up_to`],
          volume[`tier_${n}_unit_amount`],
          volume[`tier_${n}_flat_amount`],
        ]),
        [
          ['10', '20', ''],
          ['', '15.5', '100'],
          ['', '', ''],
        ],
      )
      const costPlus = byId.get(servicePrices['1 year']!)!
      assert.deepEqual([costPlus.period_unit, costPlus.period], ['year', '1'])
      assert.deepEqual(
        [costPlus.pricing_model, costPlus.cost, costPlus.cost_multiplier, costPlus.is_setup],
        ['cost_plus', '100', '1.25', 'true'],
      )
      const empty = byId.get(servicePrices['3 month']!)!
      assert.deepEqual([empty.pricing_model, empty.amount, empty.vat_code], ['', '', ''])
    })

    it('keeps the prices the filters of the list keep', async () => {
      const ids = async (query: string) => rowsOf(await exported(query)).map((r) => r.id)
      assert.deepEqual(await ids(`?product_variant_id=${widget.id}`), [widgetPrice])
      assert.deepEqual(
        (await ids(`?product_id=${service.product_parent_id}`)).sort(),
        Object.values(servicePrices).sort(),
      )
      assert.deepEqual(await ids('?pricing_model=flat'), [widgetPrice])
      assert.equal((await ids('?currency=EUR')).length, 4)
      assert.deepEqual(await ids('?currency=USD'), [])
      assert.deepEqual(await ids('?is_active=false'), [])
      assert.deepEqual(await ids(`?pricebook_id=${uuidv7()}`), [])
    })

    it('refuses an unknown query parameter, such as a page size', async () => {
      const res = await a.get('/api/prices/export?limit=10')
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().code, 'unknown_parameter')
    })

    it('shows another workspace only its own prices: here, none', async () => {
      const other = await buildTenant(t.db)
      const res = await a.get('/api/prices/export', other.auth)
      assert.equal(res.statusCode, 200)
      assert.deepEqual(records(res.body), [priceColumns(10)])
    })

    it('writes as many tier columns as the price with the most tiers needs, beyond ten', async () => {
      const other = await buildTenant(t.db)
      const b = api(t, other.auth)
      const product = await buildProduct(b, 'many_tiers', 'one_off')
      const tiers = Array.from({ length: 12 }, (_, i) => ({
        up_to: i === 11 ? null : String((i + 1) * 10),
        unit_amount: String(100 - i),
        flat_amount: null,
      }))
      await fill(t.db, product.prices[0]!.id, {
        pricing_model: 'graduated',
        graduated_tiers: JSON.stringify(tiers),
      })
      const res = await b.get('/api/prices/export')
      const [header, row] = records(res.body)
      assert.deepEqual(header, priceColumns(12))
      const at = header!.indexOf('tier_12_unit_amount')
      assert.equal(row![at], '89')
      assert.equal(row![header!.indexOf('tier_12_up_to')], '')
    })

    it('refuses a request without a token (401) or without pricing:read (403)', async () => {
      assert.equal((await a.get('/api/prices/export', {})).statusCode, 401)
      const token = await buildToken(t.db, tenant.workspaceId, ['catalog:read'])
      const res = await a.get('/api/prices/export', token.auth)
      assert.equal(res.statusCode, 403)
      assert.equal(res.json().error, "This token lacks the 'pricing:read' permission")
      const reader = await buildToken(t.db, tenant.workspaceId, ['pricing:read'])
      assert.equal((await a.get('/api/prices/export', reader.auth)).statusCode, 200)
    })
  })

  describe('POST /api/prices/import', () => {
    /** The events recorded after the last one there is now, as "type record_id". */
    const eventsAfter = async () => {
      const mark = (await a.get('/api/events?limit=1000')).json().data.at(-1)?.id as string | undefined
      return async () => {
        const all = (await a.get('/api/events?limit=1000')).json().data as {
          id: string
          type: string
          record_id: string
        }[]
        return all.slice(all.findIndex((e) => e.id === mark) + 1).map((e) => `${e.type} ${e.record_id}`)
      }
    }

    it('takes its own export back unchanged: every row unchanged, no event', async () => {
      const before = await exported()
      const since = await eventsAfter()
      const res = await importing(before)
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), { success: true, data: { rows: 4, updated: 0, unchanged: 4 } })
      assert.equal(await exported(), before)
      assert.deepEqual(await since(), [])
    })

    it('round trip: export, edit some cells, import, export again: only the edited cells differ', async () => {
      const before = await exported()
      const rows = records(before)
      const header = rows[0]!
      const set = (id: string, column: string, value: string) => {
        rows.find((r) => r[0] === id)![header.indexOf(column)] = value
      }
      set(widgetPrice, 'amount', '12.5')
      set(widgetPrice, 'vat_code', 'vat_5_5')
      set(widgetPrice, 'identifiers[crm]', 'CRM-42')
      set(servicePrices['1 month']!, 'tier_2_unit_amount', '14.25')
      const since = await eventsAfter()
      const res = await importing(toCsv(rows))
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json().data, { rows: 4, updated: 2, unchanged: 2 })
      assert.deepEqual(
        differences(before, await exported()).sort(),
        [
          `${servicePrices['1 month']} tier_2_unit_amount: 15.5 → 14.25`,
          `${widgetPrice} amount: 9.99 → 12.5`,
          `${widgetPrice} identifiers[crm]:  → CRM-42`,
          `${widgetPrice} vat_code: vat_20 → vat_5_5`,
        ].sort(),
      )
      // One event per price changed, showing it as it now stands.
      assert.deepEqual(await since(), [
        `price.updated ${widgetPrice}`,
        `price.updated ${servicePrices['1 month']}`,
      ])
      const price = (await a.get(`/api/prices/${widgetPrice}`)).json().data
      assert.deepEqual(
        [price.amount, price.default_tax_id, price.identifiers.crm, price.identifiers.erp],
        [12.5, vat55, 'CRM-42', 'ERP-1'],
      )
    })

    it('changes only the columns the file has; an empty cell clears its field', async () => {
      const res = await importing(file(['id', 'identifiers[erp]', 'floor_price'], [widgetPrice, '', '7.5']))
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json().data, { rows: 1, updated: 1, unchanged: 0 })
      const price = (await a.get(`/api/prices/${widgetPrice}`)).json().data
      assert.deepEqual([price.identifiers.erp, price.floor_price, price.amount], [null, 7.5, 12.5])
    })

    it('ignores the read-only key columns, whatever they say', async () => {
      const res = await importing(
        file(
          ['id', 'product_api_name', 'currency_code', 'period', 'amount'],
          [widgetPrice, 'renamed', 'USD', '7', '12.5'],
        ),
      )
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json().data, { rows: 1, updated: 0, unchanged: 1 })
    })

    it('reads booleans as true/false, 1/0 or yes/no, ids in any case, and skips blank lines', async () => {
      const monthly = servicePrices['1 month']!
      const res = await importing(`\uFEFFid,pay_as_you_go,is_setup\n\n${monthly.toUpperCase()},no,YES\n\n`)
      assert.equal(res.statusCode, 200, res.body)
      const price = (await a.get(`/api/prices/${monthly}`)).json().data
      assert.deepEqual([price.is_pay_as_you_go, price.is_setup], [false, true])
      await importing(file(['id', 'pay_as_you_go', 'is_setup'], [monthly, '1', 'false']))
      const again = (await a.get(`/api/prices/${monthly}`)).json().data
      assert.deepEqual([again.is_pay_as_you_go, again.is_setup], [true, false])
    })

    it('applies a row naming a price again over the earlier one', async () => {
      const res = await importing(file(['id', 'amount'], [widgetPrice, '20'], [widgetPrice, '21']))
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json().data, { rows: 2, updated: 2, unchanged: 0 })
      assert.equal((await a.get(`/api/prices/${widgetPrice}`)).json().data.amount, 21)
    })

    it('changes nothing when two rows among good ones are bad, and names both lines with their reasons', async () => {
      const before = await exported()
      const since = await eventsAfter()
      const res = await importing(
        file(
          ['id', 'pricing_model', 'amount', 'pay_as_you_go'],
          [widgetPrice, 'flat', '30', 'true'],
          [servicePrices['3 month']!, 'flat', 'ten', 'maybe'],
          [servicePrices['1 year']!, 'flat', '', 'false'],
          [servicePrices['1 month']!, 'flat', '5', 'false'],
        ),
      )
      assert.equal(res.statusCode, 400, res.body)
      const body = res.json()
      assert.equal(body.code, 'validation_failed')
      assert.equal(body.error, '2 of the 4 rows are invalid: nothing was imported')
      assert.deepEqual(body.rows, [
        {
          line: 3,
          id: servicePrices['3 month'],
          errors: [
            'Column \'amount\' must be a decimal number such as 129.99, not "ten"',
            'Column \'pay_as_you_go\' must be true or false, not "maybe"',
          ],
        },
        {
          line: 4,
          id: servicePrices['1 year'],
          errors: ["Column 'amount' is required for pricing_model 'flat'"],
        },
      ])
      assert.deepEqual(body.details, [
        `line 3 (id ${servicePrices['3 month']}): Column 'amount' must be a decimal number such as 129.99, not "ten"`,
        `line 3 (id ${servicePrices['3 month']}): Column 'pay_as_you_go' must be true or false, not "maybe"`,
        `line 4 (id ${servicePrices['1 year']}): Column 'amount' is required for pricing_model 'flat'`,
      ])
      assert.equal(await exported(), before)
      assert.deepEqual(await since(), [])
    })

    it('names the line a row starts on, past quoted line breaks and blank lines', async () => {
      const res = await importing(
        `id,identifiers[crm],amount\n${widgetPrice},"two\nlines",21\n\n${uuidv7()},x,1\n`,
      )
      assert.equal(res.statusCode, 400, res.body)
      assert.deepEqual(res.json().rows, [
        { line: 5, id: null, errors: ["Column 'id' names no price of this workspace"] },
      ])
    })

    it("refuses an id that names no price of the workspace, another workspace's included, without echoing it", async () => {
      const other = await buildTenant(t.db)
      const theirs = (await buildProduct(api(t, other.auth), 'theirs', 'one_off')).prices[0]!.id
      const res = await importing(file(['id', 'amount'], [theirs, '1'], ['not-an-id', '2'], ['', '3']))
      assert.equal(res.statusCode, 400, res.body)
      assert.deepEqual(res.json().rows, [
        { line: 2, id: null, errors: ["Column 'id' names no price of this workspace"] },
        { line: 3, id: null, errors: ["Column 'id' names no price of this workspace"] },
        { line: 4, id: null, errors: ["Column 'id' is empty"] },
      ])
      assert.ok(!res.body.includes(theirs))
    })

    it('refuses cells of the wrong syntax, naming the column', async () => {
      const res = await importing(
        file(['id', 'amount', 'period_duration_month'], [widgetPrice, '12,50', '1.5']),
      )
      assert.equal(res.statusCode, 400, res.body)
      assert.deepEqual(res.json().rows[0].errors, [
        'Column \'amount\' must be a decimal number such as 129.99 (a dot, not a comma, before the decimals), not "12,50"',
        'Column \'period_duration_month\' must be a whole number of months, not "1.5"',
      ])
      const tax = await importing(
        file(
          ['id', 'vat_code', 'tier_1_up_to', 'tier_1_unit_amount', 'tier_1_flat_amount'],
          [widgetPrice, 'vat_99', '', '5', ''],
        ),
      )
      assert.deepEqual(tax.json().rows[0].errors, [
        'Column \'vat_code\' names no tax of this workspace (the api_name of a tax): "vat_99"',
        "The tier columns are for the volume and graduated models, not 'flat': leave them empty",
      ])
      const short = await importing(`id,amount\n${widgetPrice}\n`)
      assert.deepEqual(short.json().rows[0].errors, ['The row has 1 cells where the header has 2'])
    })

    it('names the column of each problem the PATCH rules find, tiers included', async () => {
      const res = await importing(
        file(
          [
            'id',
            'pricing_model',
            'tier_1_up_to',
            'tier_1_unit_amount',
            'tier_1_flat_amount',
            'tier_2_up_to',
            'tier_2_unit_amount',
            'tier_2_flat_amount',
            'period_duration_month',
          ],
          [servicePrices['3 month']!, 'graduated', '10', '-1', '', '', '5', '', '0'],
        ),
      )
      assert.equal(res.statusCode, 400, res.body)
      const errors = res.json().rows[0].errors as string[]
      assert.ok(errors.includes("Column 'tier_1_unit_amount' must be >= 0"), errors.join('\n'))
      assert.ok(errors.includes("Column 'period_duration_month' must be >= 1"), errors.join('\n'))
    })

    it('refuses a header with unknown columns, naming them', async () => {
      const res = await importing(
        file(['id', 'amount', 'price', 'tier_1_up_to'], [widgetPrice, '1', '2', '3']),
      )
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().error, "Unknown column in the header: 'price'")
      const tiers = await importing(file(['id', 'tier_1_up_to'], [widgetPrice, '3']))
      assert.equal(tiers.statusCode, 400)
      assert.equal(
        tiers.json().error,
        "The header lacks 'tier_1_unit_amount', 'tier_1_flat_amount': tier columns come in threes from tier 1",
      )
    })

    it('refuses a file without an id column, an empty file, and answers a header alone with no rows', async () => {
      const noId = await importing(file(['amount'], ['1']))
      assert.equal(noId.statusCode, 400)
      assert.deepEqual(noId.json(), {
        success: false,
        error: "The header has no 'id' column: id is the only match key",
        code: 'validation_failed',
        details: ["The header has no 'id' column: id is the only match key"],
      })
      for (const empty of ['', '\n\n']) {
        const res = await importing(empty)
        assert.equal(res.statusCode, 400, res.body)
        assert.equal(
          res.json().error,
          "The file is empty: its first line must be the header, with an 'id' column",
        )
      }
      const header = await importing('id,amount\n')
      assert.deepEqual(header.json(), { success: true, data: { rows: 0, updated: 0, unchanged: 0 } })
    })

    it('refuses a file that is not CSV, not UTF-8, or not sent as text/csv', async () => {
      const quote = await importing(`id,amount\n${widgetPrice},"1\n`)
      assert.equal(quote.statusCode, 400)
      assert.match(quote.json().error, /^The file is not valid CSV at line \d+: a quote is left open$/)
      const inside = await importing(`id,amount\n${widgetPrice},1\nab"c,2\n`)
      assert.equal(inside.statusCode, 400)
      assert.match(inside.json().error, /^The file is not valid CSV at line 3: Invalid Opening Quote/)
      const latin1 = await a.call(
        'POST',
        '/api/prices/import',
        Buffer.from(`id,identifiers[crm]\n${widgetPrice},caf\xe9\n`, 'latin1'),
        {
          ...tenant.auth,
          ...CSV,
        },
      )
      assert.equal(latin1.statusCode, 400)
      assert.match(latin1.json().error, /not valid UTF-8/)
      const charset = await importing('id\n', { 'content-type': 'text/csv; charset=iso-8859-1' })
      assert.equal(charset.statusCode, 415)
      const json = await a.post('/api/prices/import', { id: widgetPrice })
      assert.equal(json.statusCode, 415)
      assert.equal(json.json().code, 'unsupported_media_type')
      const none = await a.post('/api/prices/import')
      assert.equal(none.statusCode, 415)
    })

    it('refuses a file announced larger than the limit before reading it (413)', async () => {
      const res = await importing('id\n', { 'content-length': String(300 * 1024 * 1024) })
      assert.equal(res.statusCode, 413)
      assert.equal(res.json().code, 'payload_too_large')
    })

    it('refuses a request without a token (401) or without pricing:write (403), changing nothing', async () => {
      const body = file(['id', 'amount'], [widgetPrice, '99'])
      assert.equal((await a.call('POST', '/api/prices/import', body, CSV)).statusCode, 401)
      const reader = await buildToken(t.db, tenant.workspaceId, ['pricing:read'])
      const res = await a.call('POST', '/api/prices/import', body, { ...reader.auth, ...CSV })
      assert.equal(res.statusCode, 403)
      assert.equal(res.json().error, "This token lacks the 'pricing:write' permission")
      assert.notEqual((await a.get(`/api/prices/${widgetPrice}`)).json().data.amount, 99)
    })

    it('replays the first answer to the same file sent again with its Idempotency-Key; another file is a 422', async () => {
      const key = { 'idempotency-key': `import-${uuidv7()}` }
      const body = file(['id', 'amount'], [widgetPrice, '31'])
      const first = await importing(body, key)
      assert.equal(first.statusCode, 200, first.body)
      await importing(file(['id', 'amount'], [widgetPrice, '32']))
      const again = await importing(body, key)
      assert.equal(again.statusCode, 200)
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.equal(again.body, first.body)
      assert.equal((await a.get(`/api/prices/${widgetPrice}`)).json().data.amount, 32)
      const other = await importing(file(['id', 'amount'], [widgetPrice, '33']), key)
      assert.equal(other.statusCode, 422)
    })

    it('keeps no copy of the files it received', async () => {
      await importing(file(['id', 'amount'], [widgetPrice, '34']))
      await importing(file(['id', 'amount'], ['x', '34']))
      assert.deepEqual(leftoverUploads(), [])
    })
  })

  describe('spoolCsv', () => {
    it('stops at its limit, keeping nothing', async () => {
      await assert.rejects(spoolCsv(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000), {
        code: 'payload_too_large',
      })
      assert.deepEqual(leftoverUploads(), [])
    })
  })

  describe('quoin prices export and import', () => {
    const dir = tempDir()
    const quoin = async (args: string[], input?: string) => {
      let stdout = ''
      let stderr = ''
      const code = await run(args, {
        env: { DATABASE_URL: t.database.url },
        out: (text) => {
          stdout += text
        },
        err: (text) => {
          stderr += text
        },
        ...(input === undefined ? {} : { input: Readable.from([input]) }),
        tty: false,
      })
      return { code, stdout, stderr }
    }

    it('exports to a file what the API exports, and imports an edited copy of it', async () => {
      const path = join(dir.path, 'prices.csv')
      const out = await quoin(['prices', 'export', path, '--workspace', tenant.workspaceId, '--json'])
      assert.equal(out.code, 0, out.stderr)
      assert.deepEqual(JSON.parse(out.stdout), { file: path, rows: 4 })
      const text = readFileSync(path, 'utf8')
      assert.equal(text, await exported())
      const rows = records(text)
      rows.find((r) => r[0] === widgetPrice)![rows[0]!.indexOf('amount')] = '44.4'
      writeFileSync(path, toCsv(rows))
      const imported = await quoin(['prices', 'import', path, '--workspace', tenant.workspaceId])
      assert.equal(imported.code, 0, imported.stderr)
      assert.equal(imported.stdout, `Imported ${path}: 4 row(s), 1 price(s) updated, 3 unchanged\n`)
      assert.deepEqual(differences(text, await exported()), [`${widgetPrice} amount: 34 → 44.4`])
    })

    it('reads standard input and writes standard output for -', async () => {
      const out = await quoin(['prices', 'export', '-', '--workspace', tenant.workspaceId])
      assert.equal(out.code, 0, out.stderr)
      assert.equal(out.stdout, await exported())
      assert.equal(out.stderr, 'Exported 4 price(s) to -\n')
      const res = await quoin(
        ['prices', 'import', '-', '--workspace', tenant.workspaceId, '--json'],
        file(['id', 'amount'], [widgetPrice, '45']),
      )
      assert.equal(res.code, 0, res.stderr)
      assert.deepEqual(JSON.parse(res.stdout), { file: '-', rows: 1, updated: 1, unchanged: 0 })
      assert.deepEqual(leftoverUploads(), [])
    })

    it('exits 1 on a bad file, printing every bad row, and changes nothing', async () => {
      const before = await exported()
      const path = join(dir.path, 'bad.csv')
      writeFileSync(path, file(['id', 'amount'], [widgetPrice, '1'], [widgetPrice, 'x'], [uuidv7(), '2']))
      const res = await quoin(['prices', 'import', path, '--workspace', tenant.workspaceId])
      assert.equal(res.code, 1)
      assert.equal(res.stdout, '')
      assert.equal(
        res.stderr,
        'quoin: 2 of the 3 rows are invalid: nothing was imported\n' +
          `  line 3 (id ${widgetPrice}): Column 'amount' must be a decimal number such as 129.99, not "x"\n` +
          "  line 4: Column 'id' names no price of this workspace\n",
      )
      const json = await quoin(['prices', 'import', path, '--workspace', tenant.workspaceId, '--json'])
      assert.equal(json.code, 1)
      assert.deepEqual(
        JSON.parse(json.stdout).rows.map((r: { line: number }) => r.line),
        [3, 4],
      )
      assert.equal(await exported(), before)
    })

    it('refuses an unknown workspace, a missing file and a malformed header in one line each', async () => {
      const unknown = await quoin(['prices', 'export', '-', '--workspace', uuidv7()])
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /^quoin: workspace [0-9a-f-]+ not found\n$/)
      const missing = await quoin([
        'prices',
        'import',
        join(dir.path, 'nope.csv'),
        '--workspace',
        tenant.workspaceId,
      ])
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /^quoin: cannot read .*nope\.csv: ENOENT/)
      const path = join(dir.path, 'header.csv')
      writeFileSync(path, 'amount\n1\n')
      const header = await quoin(['prices', 'import', path, '--workspace', tenant.workspaceId])
      assert.deepEqual(header, {
        code: 1,
        stdout: '',
        stderr: "quoin: The header has no 'id' column: id is the only match key\n",
      })
    })
  })
})

describe('the price file of a dynamic pricebook', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  let base: string
  let derived: string

  const exported = async () => (await a.get('/api/prices/export')).body
  const importing = (body: string) => a.call('POST', '/api/prices/import', body, { ...tenant.auth, ...CSV })
  /** The file of `text` with `column` of the price `id` set to `value`. */
  const edited = (text: string, ...edits: [string, string, string][]) => {
    const rows = records(text)
    for (const [id, column, value] of edits) rows.find((r) => r[0] === id)![rows[0]!.indexOf(column)] = value
    return toCsv(rows)
  }

  before(async () => {
    tenant = await buildTenant(t.db)
    const product = await buildProduct(a, 'widget', 'one_off')
    base = product.prices[0]!.id
    const standard = await t.db.kysely
      .selectFrom('pricebooks')
      .select(['id', 'currency_id'])
      .where('workspace_id', '=', tenant.workspaceId)
      .executeTakeFirstOrThrow()
    // A pricebook made directly (the pricebooks API is another resource's), its rows made as its writes do.
    const partners = uuidv7()
    const at = nowIso()
    await t.db.kysely
      .insertInto('pricebooks')
      .values({
        id: partners,
        workspace_id: tenant.workspaceId,
        name: 'Partners',
        api_name: 'partners',
        reference: null,
        description: null,
        status: 'active',
        type: 'dynamic',
        catalog_id: null,
        currency_id: standard.currency_id,
        base_pricebook_id: standard.id,
        adjustment_percent: '-10',
        rounding: 'minor_unit',
        rounding_value: null,
        created_at: at,
        updated_at: at,
      })
      .execute()
    await runWrite(t.db.kysely, tenant.workspaceId, (w) => syncPrices(w, { pricebookIds: [partners] }))
    derived = (
      await t.db.kysely
        .selectFrom('prices')
        .select('id')
        .where('pricebook_id', '=', partners)
        .executeTakeFirstOrThrow()
    ).id
    const res = await a.patch(`/api/prices/${base}`, { pricing_model: 'flat', amount: 100 })
    assert.equal(res.statusCode, 200, res.body)
  })

  it('takes a file whose base price changed, its dynamic price following rather than conflicting', async () => {
    const before = await exported()
    assert.deepEqual(
      rowsOf(before).map((r) => [r.id, r.pricebook_api_name, r.amount]),
      [
        [base, 'standard', '100'],
        [derived, 'partners', '90.00'],
      ],
    )
    const res = await importing(edited(before, [base, 'amount', '50'], [derived, 'identifiers[crm]', 'P-1']))
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().data, { rows: 2, updated: 2, unchanged: 0 })
    assert.deepEqual(differences(before, await exported()).sort(), [
      `${base} amount: 100 → 50`,
      `${derived} amount: 90.00 → 45.00`,
      `${derived} identifiers[crm]:  → P-1`,
    ])
    // The dynamic price's events: one as it followed its base, one for its own identifiers.
    const events = (await a.get(`/api/events?record_id=${derived}&limit=1000`)).json().data
    assert.deepEqual(
      events.slice(-2).map((e: { type: string }) => e.type),
      ['price.updated', 'price.updated'],
    )
  })

  it("refuses a row that sets a dynamic price's pricing, naming the base it follows", async () => {
    const before = await exported()
    const res = await importing(edited(before, [derived, 'amount', '1']))
    assert.equal(res.statusCode, 400, res.body)
    const [row] = res.json().rows
    assert.equal(row.line, 3)
    assert.match(row.errors[0], new RegExp(`follows its base price \\(parent_price_id ${base}\\)`))
    assert.equal(await exported(), before)
  })
})
