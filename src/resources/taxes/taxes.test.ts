import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'

const KEYS = [
  'id',
  'name',
  'api_name',
  'type',
  'country',
  'region',
  'method',
  'rate',
  'currency_id',
  'amount',
  'is_active',
  'created_at',
  'updated_at',
]

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Tax = { id: string; name: string; api_name: string }

const PERCENT = { name: 'Sales tax', type: 'sales_tax', country: 'US', method: 'percentage', rate: 8.875 }

/**
 * A price of the workspace's Standard pricebook that names `taxId` as its default tax, inserted directly:
 * prices are made by Quoin, never through a create. Its product is in no catalog, so nothing else touches it.
 */
async function insertPriceNaming(db: Db, call: ReturnType<typeof api>, workspaceId: string, taxId: string) {
  const product = await call.post('/api/products', {
    api_name: `taxed_${uuidv7().slice(-12)}`,
    recurrence_type: 'one_off',
    name: 'Taxed',
    catalog_ids: [],
  })
  assert.equal(product.statusCode, 201, product.body)
  const pricebook = await db.kysely
    .selectFrom('pricebooks')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('api_name', '=', 'standard')
    .executeTakeFirstOrThrow()
  const at = nextInstant()
  await db.kysely
    .insertInto('prices')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      pricebook_id: pricebook.id,
      product_id: product.json().data.id,
      billing_frequency_id: null,
      slot: '',
      default_tax_id: taxId,
      created_at: at,
      updated_at: at,
    })
    .execute()
}

describe('GET /api/taxes', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('starts with "VAT 20%", keys in order', async () => {
    const res = await call.get('/api/taxes')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 1)
    const [vat] = body.data
    assert.deepEqual(Object.keys(vat), KEYS)
    assert.deepEqual(
      { ...vat, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'VAT 20%',
        api_name: 'vat_20',
        type: 'vat',
        country: 'FR',
        region: null,
        method: 'percentage',
        rate: 20,
        currency_id: null,
        amount: null,
        is_active: true,
        created_at: undefined,
        updated_at: undefined,
      },
    )
  })

  it("filters by is_active, type and country; never shows another workspace's", async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const ny = (await as.post('/api/taxes', { ...PERCENT, region: 'ny' })).json().data
    const gst = (
      await as.post('/api/taxes', {
        name: 'GST',
        type: 'gst',
        country: 'au',
        method: 'percentage',
        rate: 10,
        is_active: false,
      })
    ).json().data
    await api(t, (await buildTenant(t.db)).auth).post('/api/taxes', { ...PERCENT, name: 'Theirs' })
    const names = async (query: string) =>
      (await as.get(`/api/taxes${query}`)).json().data.map((x: Tax) => x.name)
    assert.deepEqual(await names(''), ['VAT 20%', 'Sales tax', 'GST'])
    assert.deepEqual(await names('?is_active=false'), ['GST'])
    assert.deepEqual(await names('?type=sales_tax'), ['Sales tax'])
    assert.deepEqual(await names('?country=au'), ['GST'])
    assert.deepEqual(await names('?country=FR&is_active=true'), ['VAT 20%'])
    assert.deepEqual((await as.get('/api/taxes')).json().data.slice(1), [ny, gst])
  })

  it('answers 400 naming a bad filter', async () => {
    for (const [query, field] of [
      ['?type=excise', 'type'],
      ['?country=XX', 'country'],
      ['?is_active=1x', 'is_active'],
    ]) {
      const res = await call.get(`/api/taxes${query}`)
      assert.equal(res.statusCode, 400, query)
      assert.match(res.json().error, new RegExp(`'${field}'`))
    }
  })
})

describe('POST /api/taxes', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('creates a percentage tax: api_name from the name, codes upper case, decimals exact', async () => {
    const res = await call.post('/api/taxes', {
      ...PERCENT,
      name: ' NY sales tax ',
      country: 'us',
      region: 'ny',
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        name: 'NY sales tax',
        api_name: 'ny_sales_tax',
        type: 'sales_tax',
        country: 'US',
        region: 'NY',
        method: 'percentage',
        rate: 8.875,
        currency_id: null,
        amount: null,
        is_active: true,
        created_at: null,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/taxes/${data.id}`)).json().data, data)
    const stored = await t.db.kysely
      .selectFrom('taxes')
      .select('rate')
      .where('id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.equal(Number(stored.rate), 8.875)
    assert.match(String(stored.rate), /^8\.875$/)
  })

  it('creates an amount tax in a currency of the workspace', async () => {
    const eur = (await call.get('/api/currencies')).json().data[0]
    const res = await call.post('/api/taxes', {
      name: 'Eco-participation',
      type: 'custom',
      country: 'FR',
      method: 'amount',
      currency_id: eur.id.toUpperCase(),
      amount: 0.125,
      is_active: false,
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(
      [data.method, data.rate, data.currency_id, data.amount, data.is_active],
      ['amount', null, eur.id, 0.125, false],
    )
  })

  it('numbers generated api_names, "VAT 20%" → vat_20_2 next to the default', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const vat = { name: 'VAT 20%', type: 'vat', country: 'FR', method: 'percentage', rate: 20 }
    const made = []
    for (let i = 0; i < 2; i++) made.push((await as.post('/api/taxes', vat)).json().data.api_name)
    assert.deepEqual(made, ['vat_20_2', 'vat_20_3'])
    assert.equal((await as.post('/api/taxes', { ...vat, name: '%%' })).json().data.api_name, 'tax')
  })

  it('answers 409 naming the holder of an api_name given', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const vat = (await as.get('/api/taxes')).json().data[0]
    const res = await as.post('/api/taxes', { ...PERCENT, api_name: 'vat_20' })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: `api_name 'vat_20' is already used by tax ${vat.id} (VAT 20%)`,
      code: 'conflict',
    })
    assert.equal((await as.get('/api/taxes')).json().data.length, 1)
  })

  it('names every field the schema refuses', async () => {
    const res = await call.post('/api/taxes', {
      name: 'n'.repeat(256),
      api_name: 'Bad Name',
      type: 'excise',
      country: 'XX',
      region: 'TOOLONG',
      method: 'fixed',
      rate: 101,
      amount: -1,
      currency_id: 5,
      colour: 'red',
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'amount' must be >= 0",
      "Field 'api_name' must be snake_case: lower-case letters and digits in words joined by single underscores, such as vat_20",
      "Field 'colour' is not allowed",
      "Field 'country' must be an ISO 3166-1 alpha-2 country code, such as FR",
      "Field 'currency_id' must be of type string or null",
      "Field 'method' must be one of: percentage, amount",
      "Field 'name' must be at most 255 characters",
      "Field 'rate' must be <= 100",
      "Field 'region' must be a state or province code of 1 to 3 letters or digits, such as NY, or ALL",
      "Field 'type' must be one of: vat, gst, sales_tax, custom",
    ])
    const missing = await call.post('/api/taxes', {})
    assert.deepEqual([...missing.json().details].sort(), [
      "Field 'country' is required",
      "Field 'method' is required (percentage | amount)",
      "Field 'name' is required",
      "Field 'type' is required (vat | gst | sales_tax | custom)",
    ])
  })

  it('applies the rules of type, method and region, naming each field at fault', async () => {
    const cases: [object, string[]][] = [
      [
        { type: 'vat', method: 'amount', currency_id: null, amount: 1, rate: null },
        [
          "Field 'currency_id' is required with method amount",
          "Field 'method' must be percentage for a tax of type vat",
        ],
      ],
      [{ rate: undefined }, ["Field 'rate' is required with method percentage"]],
      [
        { rate: null, amount: 2 },
        [
          "Field 'amount' is only for method amount: send null",
          "Field 'rate' is required with method percentage",
        ],
      ],
      [
        { method: 'amount', amount: 1 },
        [
          "Field 'currency_id' is required with method amount",
          "Field 'rate' is only for method percentage: send null",
        ],
      ],
      [{ rate: 8.12345 }, ["Field 'rate' must have at most 4 decimals"]],
      [{ rate: -0.5 }, ["Field 'rate' must be >= 0"]],
      [
        { country: 'FR', region: 'IDF' },
        ["Field 'region' is only for taxes of the US or Canada (country US or CA), not FR: send null"],
      ],
      [
        { method: 'amount', rate: null, currency_id: uuidv7(), amount: 1.1234567 },
        ["Field 'amount' must have at most 6 decimals"],
      ],
    ]
    for (const [change, details] of cases) {
      const res = await call.post('/api/taxes', { ...PERCENT, ...change })
      assert.equal(res.statusCode, 400, JSON.stringify(change))
      assert.deepEqual([...res.json().details].sort(), details, JSON.stringify(change))
    }
    // Canada takes regions too, and ALL; rate 0 and 100 are bounds, not errors.
    for (const change of [
      { country: 'CA', region: 'qc' },
      { region: 'ALL' },
      { rate: 0 },
      { rate: 100, region: null },
    ]) {
      const res = await call.post('/api/taxes', { ...PERCENT, ...change })
      assert.equal(res.statusCode, 201, `${JSON.stringify(change)}: ${res.body}`)
    }
  })

  it("answers 400 naming currency_id for an unknown currency, another workspace's, a non-UUID", async () => {
    const theirs = (await api(t, (await buildTenant(t.db)).auth).get('/api/currencies')).json().data[0].id
    for (const currencyId of [uuidv7(), theirs, 'EUR']) {
      const res = await call.post('/api/taxes', {
        ...PERCENT,
        method: 'amount',
        rate: null,
        currency_id: currencyId,
        amount: 1,
      })
      assert.equal(res.statusCode, 400, currencyId)
      assert.deepEqual(res.json().details, ["Field 'currency_id' does not name a currency of this workspace"])
    }
  })
})

describe('GET /api/taxes/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('returns the tax with its ETag', async () => {
    const vat = (await call.get('/api/taxes')).json().data[0]
    const res = await call.get(`/api/taxes/${vat.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, data: vat })
    assert.equal(res.headers.etag, '"1"')
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's", async () => {
    const theirs = (await api(t, (await buildTenant(t.db)).auth).get('/api/taxes')).json().data[0].id
    for (const id of [uuidv7(), 'nope', theirs]) {
      const res = await call.get(`/api/taxes/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Tax not found', code: 'not_found' })
    }
  })
})

describe('PATCH /api/taxes/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)
  let eurId: string

  before(async () => {
    tenant = await buildTenant(t.db)
    eurId = (await call.get('/api/currencies')).json().data[0].id
  })

  const make = async (body: object = {}) => {
    const res = await call.post('/api/taxes', { ...PERCENT, ...body })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().data
  }

  it('changes the fields given, keeps the api_name on a new name', async () => {
    const tax = await make({ region: 'NY' })
    const res = await call.patch(`/api/taxes/${tax.id}`, {
      name: 'Sales tax (CA)',
      country: 'ca',
      region: 'on',
      rate: 13,
      type: 'gst',
      is_active: false,
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(
      { ...data, updated_at: null },
      {
        ...tax,
        name: 'Sales tax (CA)',
        country: 'CA',
        region: 'ON',
        rate: 13,
        type: 'gst',
        is_active: false,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"2"')
    const same = await call.patch(`/api/taxes/${tax.id}`, { ...data, rate: 13.0 })
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.headers.etag, '"2"')
  })

  it('switching to amount clears the rate; back to percentage clears currency and amount', async () => {
    const tax = await make()
    const needs = await call.patch(`/api/taxes/${tax.id}`, { method: 'amount' })
    assert.equal(needs.statusCode, 400)
    assert.deepEqual([...needs.json().details].sort(), [
      "Field 'amount' is required with method amount",
      "Field 'currency_id' is required with method amount",
    ])
    const kept = await call.patch(`/api/taxes/${tax.id}`, {
      method: 'amount',
      rate: 5,
      currency_id: eurId,
      amount: 1,
    })
    assert.equal(kept.statusCode, 400)
    assert.deepEqual(kept.json().details, ["Field 'rate' is only for method percentage: send null"])
    const amount = await call.patch(`/api/taxes/${tax.id}`, {
      method: 'amount',
      currency_id: eurId,
      amount: 1.5,
    })
    assert.equal(amount.statusCode, 200, amount.body)
    assert.deepEqual(
      [amount.json().data.rate, amount.json().data.currency_id, amount.json().data.amount],
      [null, eurId, 1.5],
    )
    // Without a change of method, nothing is cleared: a rate sent is refused.
    const rate = await call.patch(`/api/taxes/${tax.id}`, { rate: 3 })
    assert.equal(rate.statusCode, 400)
    assert.deepEqual(rate.json().details, ["Field 'rate' is only for method percentage: send null"])
    const back = await call.patch(`/api/taxes/${tax.id}`, { method: 'percentage', rate: 7.25 })
    assert.equal(back.statusCode, 200, back.body)
    assert.deepEqual(
      [back.json().data.rate, back.json().data.currency_id, back.json().data.amount],
      [7.25, null, null],
    )
    const bare = await call.patch(`/api/taxes/${tax.id}`, { method: 'amount', currency_id: eurId, amount: 2 })
    assert.equal(bare.statusCode, 200)
    assert.deepEqual((await call.patch(`/api/taxes/${tax.id}`, { method: 'percentage' })).json().details, [
      "Field 'rate' is required with method percentage",
    ])
  })

  it('checks the tax as it would stand: vat stays a percentage, regions stay in the US and Canada', async () => {
    const tax = await make({ region: 'NY' })
    const vat = await call.patch(`/api/taxes/${tax.id}`, {
      type: 'vat',
      method: 'amount',
      currency_id: eurId,
      amount: 1,
    })
    assert.equal(vat.statusCode, 400)
    assert.deepEqual(vat.json().details, ["Field 'method' must be percentage for a tax of type vat"])
    const moved = await call.patch(`/api/taxes/${tax.id}`, { country: 'DE' })
    assert.equal(moved.statusCode, 400)
    assert.deepEqual(moved.json().details, [
      "Field 'region' is only for taxes of the US or Canada (country US or CA), not DE: send null",
    ])
    const ok = await call.patch(`/api/taxes/${tax.id}`, { country: 'DE', region: null, type: 'vat' })
    assert.equal(ok.statusCode, 200, ok.body)
    const unknown = await call.patch(`/api/taxes/${tax.id}`, {
      method: 'amount',
      currency_id: uuidv7(),
      amount: 1,
      type: 'custom',
    })
    assert.deepEqual(unknown.json().details, [
      "Field 'currency_id' does not name a currency of this workspace",
    ])
    assert.deepEqual((await call.get(`/api/taxes/${tax.id}`)).json().data, ok.json().data)
  })

  it('answers 409 naming the holder of an api_name, 400 to a read-only field changed', async () => {
    const holder = await make({ api_name: 'holder_tax' })
    const tax = await make()
    const res = await call.patch(`/api/taxes/${tax.id}`, { api_name: 'holder_tax' })
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().error, `api_name 'holder_tax' is already used by tax ${holder.id} (Sales tax)`)
    const renamed = await call.patch(`/api/taxes/${tax.id}`, { api_name: 'own_tax' })
    assert.equal(renamed.json().data.api_name, 'own_tax')
    const ro = await call.patch(`/api/taxes/${tax.id}`, { created_at: '2020-01-01T00:00:00Z' })
    assert.equal(ro.statusCode, 400)
    assert.match(ro.json().details[0], /^Field 'created_at' is read-only/)
  })

  it('answers 404 to an unknown id', async () => {
    const res = await call.patch(`/api/taxes/${uuidv7()}`, { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Tax not found', code: 'not_found' })
  })
})

describe('DELETE /api/taxes/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('deletes an unused tax for good, with its event; its api_name is free again', async () => {
    const tax = (await call.post('/api/taxes', PERCENT)).json().data
    const res = await call.del(`/api/taxes/${tax.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'Tax deleted successfully' })
    assert.equal((await call.get(`/api/taxes/${tax.id}`)).statusCode, 404)
    assert.equal((await call.del(`/api/taxes/${tax.id}`)).statusCode, 404)
    const event = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', tax.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    assert.equal(event.type, 'tax.deleted')
    assert.equal((await call.post('/api/taxes', PERCENT)).json().data.api_name, tax.api_name)
  })

  it('answers 409 while a price names it as its default tax, and deletes nothing', async () => {
    const tax = (await call.post('/api/taxes', { ...PERCENT, name: 'Used' })).json().data
    await insertPriceNaming(t.db, call, tenant.workspaceId, tax.id)
    const res = await call.del(`/api/taxes/${tax.id}`)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error:
        'Tax is used by 1 price: give the price another default tax first, or deactivate the tax instead ' +
        '(PATCH {"is_active": false})',
      code: 'conflict',
    })
    await insertPriceNaming(t.db, call, tenant.workspaceId, tax.id)
    assert.match(
      (await call.del(`/api/taxes/${tax.id}`)).json().error,
      /^Tax is used by 2 prices: give the prices/,
    )
    assert.equal((await call.get(`/api/taxes/${tax.id}`)).statusCode, 200)
  })
})
