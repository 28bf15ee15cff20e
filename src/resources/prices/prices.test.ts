import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import {
  api,
  buildTenant,
  documented,
  documentedBody,
  nextInstant,
  type TestApp,
  useTestApp,
} from '../../../test/helpers.ts'
import { runWrite } from '../../kernel/write.ts'
import { syncPrices } from './sync.ts'

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Json = Record<string, unknown>

/** What differs between the docs' example and any price made here: ids and instants. */
const GENERATED = [
  'id',
  'product_variant_id',
  'product_id',
  'pricebook_id',
  'currency_id',
  'default_tax_id',
  'workspace_id',
  'created_at',
  'updated_at',
]
/** Keys Quoin adds after the docs' own. */
const ADDED = ['is_active', 'percentage_product_ids']

const exampleOf = (method: string, path: string): Json => {
  const body = documented(method, path).response_examples[0]!.body as { data: Json | Json[] }
  return (Array.isArray(body.data) ? body.data[0] : body.data) as Json
}
const withoutGenerated = (price: Json) =>
  Object.fromEntries(Object.entries(price).filter(([k]) => !GENERATED.includes(k) && !ADDED.includes(k)))

/** A product made through the API, and its prices' ids in the Standard pricebook (one per billing frequency when recurring). */
async function buildProduct(
  a: ReturnType<typeof api>,
  name: string,
  recurrence: 'one_off' | 'recurring' = 'one_off',
): Promise<{ id: string; parentId: string; priceIds: string[] }> {
  const res = await a.post('/api/products', {
    api_name: `${name.toLowerCase().replace(/\W+/g, '_')}_${uuidv7().slice(-6)}`,
    recurrence_type: recurrence,
    name,
  })
  assert.equal(res.statusCode, 201, res.body)
  const data = res.json().data
  const standard = data.prices.filter((p: Json) => p.pricebook_api_name === 'standard')
  return { id: data.id, parentId: data.product_parent_id, priceIds: standard.map((p: Json) => p.id) }
}

/** The ids a workspace starts with: its Standard pricebook, its catalog, EUR and "VAT 20%". */
async function defaultsOf(t: TestApp, workspaceId: string) {
  const k = t.db.kysely
  const pricebook = await k
    .selectFrom('pricebooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('api_name', '=', 'standard')
    .executeTakeFirstOrThrow()
  const tax = await k
    .selectFrom('taxes')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', 'VAT 20%')
    .executeTakeFirstOrThrow()
  return { pricebook, taxId: tax.id }
}

/** A currency enabled in the workspace, made directly (the currencies API is another resource's). */
async function insertCurrency(t: TestApp, workspaceId: string, code: string, name: string) {
  const id = uuidv7()
  const at = nextInstant()
  await t.db.kysely
    .insertInto('currencies')
    .values({
      id,
      workspace_id: workspaceId,
      code,
      api_name: code.toLowerCase(),
      name,
      is_active: 1,
      is_default: 0,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

/**
 * A pricebook made directly (the pricebooks API is another resource's), with its price rows made as a write of
 * pricebooks makes them (syncPrices).
 */
async function insertPricebook(
  t: TestApp,
  workspaceId: string,
  book: {
    name: string
    currencyId: string
    catalogId?: string | null
    base?: { id: string; adjustment: string; rounding?: string; value?: string | null }
  },
) {
  const id = uuidv7()
  const at = nextInstant()
  await t.db.kysely
    .insertInto('pricebooks')
    .values({
      id,
      workspace_id: workspaceId,
      name: book.name,
      api_name: book.name.toLowerCase().replace(/\W+/g, '_'),
      reference: null,
      description: null,
      status: 'active',
      type: book.base ? 'dynamic' : 'fixed',
      catalog_id: book.base ? null : (book.catalogId ?? null),
      currency_id: book.currencyId,
      base_pricebook_id: book.base?.id ?? null,
      adjustment_percent: book.base?.adjustment ?? null,
      rounding: book.base ? (book.base.rounding ?? 'minor_unit') : null,
      rounding_value: book.base?.value ?? null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  await runWrite(t.db.kysely, workspaceId, (w) => syncPrices(w, { pricebookIds: [id] }))
  return id
}

/** The price of `pricebookId` for a variant. */
async function priceIn(t: TestApp, pricebookId: string, variantId: string): Promise<string> {
  const row = await t.db.kysely
    .selectFrom('prices')
    .select('id')
    .where('pricebook_id', '=', pricebookId)
    .where('product_id', '=', variantId)
    .executeTakeFirstOrThrow()
  return row.id
}

/** A price set up as the docs' example: "Premium Widget", flat 99.99, cost 50, floor 80, VAT 20%, identifiers. */
async function buildDocumentedPrice(t: TestApp, a: ReturnType<typeof api>, tenant: Tenant) {
  const { pricebook, taxId } = await defaultsOf(t, tenant.workspaceId)
  await t.db.kysely
    .updateTable('pricebooks')
    .set({ name: 'Standard Pricebook' })
    .where('id', '=', pricebook.id)
    .execute()
  const product = await buildProduct(a, 'Premium Widget')
  const id = product.priceIds[0]!
  const res = await a.patch(`/api/prices/${id}`, {
    pricing_model: 'flat',
    amount: 99.99,
    cost: 50,
    floor_price: 80,
    default_tax_id: taxId,
    identifiers: { crm: 'crm_price_001', erp: 'erp_price_001', accounting: 'acc_price_001' },
  })
  assert.equal(res.statusCode, 200, res.body)
  return { id, product, taxId, pricebook }
}

describe('GET /api/prices/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  let other: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
    other = await buildTenant(t.db)
  })

  it("answers the docs' example: its keys in their order, then Quoin's, and its values", async () => {
    const { id, product, taxId, pricebook } = await buildDocumentedPrice(t, a, tenant)
    const res = await a.get(`/api/prices/${id}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.match(String(res.headers.etag), /^"\d+"$/)
    const data = res.json().data
    const example = exampleOf('GET', '/api/prices/{id}')
    assert.deepEqual(Object.keys(data), [...Object.keys(example), ...ADDED])
    assert.deepEqual(withoutGenerated(data), withoutGenerated(example))
    assert.equal(data.id, id)
    assert.equal(data.product_variant_id, product.id)
    assert.equal(data.product_id, product.parentId)
    assert.equal(data.pricebook_id, pricebook.id)
    assert.equal(data.currency_id, pricebook.currency_id)
    assert.equal(data.default_tax_id, taxId)
    assert.equal(data.workspace_id, tenant.workspaceId)
    assert.equal(data.is_active, true)
    assert.equal(data.percentage_product_ids, null)
  })

  it('shows a recurring price with its billing frequency', async () => {
    const product = await buildProduct(a, 'Support plan', 'recurring')
    assert.equal(product.priceIds.length, 3)
    const shown = await Promise.all(
      product.priceIds.map(async (id) => (await a.get(`/api/prices/${id}`)).json().data),
    )
    assert.deepEqual(shown.map((p) => [p.billing_frequency_period, p.billing_frequency_unit]).sort(), [
      [1, 'month'],
      [1, 'year'],
      [3, 'month'],
    ])
    assert.ok(shown.every((p) => p.pricing_model === null && p.amount === null))
  })

  it('is a 404 for an unknown id, an id that is not a UUID, and the price of another workspace', async () => {
    const { priceIds } = await buildProduct(a, 'Hidden')
    for (const [url, auth] of [
      [`/api/prices/${uuidv7()}`, tenant.auth],
      ['/api/prices/price-001', tenant.auth],
      [`/api/prices/${priceIds[0]}`, other.auth],
    ] as const) {
      const res = await a.get(url, auth)
      assert.equal(res.statusCode, 404, url)
      assert.deepEqual(res.json(), { success: false, error: 'Price not found', code: 'not_found' })
    }
  })
})

describe('GET /api/prices', () => {
  const t = useTestApp()
  let tenant: Tenant
  let first: Awaited<ReturnType<typeof buildProduct>>
  let plan: Awaited<ReturnType<typeof buildProduct>>
  let usd: string
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
    first = await buildProduct(a, 'Premium Widget')
    plan = await buildProduct(a, 'Support plan', 'recurring')
    await buildProduct(a, 'Cable')
    const res = await a.patch(`/api/prices/${first.priceIds[0]}`, { pricing_model: 'flat', amount: 10 })
    assert.equal(res.statusCode, 200, res.body)
    const currency = await insertCurrency(t, tenant.workspaceId, 'USD', 'US Dollar')
    const { pricebook } = await defaultsOf(t, tenant.workspaceId)
    usd = await insertPricebook(t, tenant.workspaceId, {
      name: 'Dollars',
      currencyId: currency,
      catalogId: pricebook.catalog_id,
    })
    // Someone else's prices are never listed.
    const other = await buildTenant(t.db)
    await buildProduct(api(t, other.auth), 'Elsewhere')
  })

  const ids = async (query: string) => {
    const res = await a.get(`/api/prices${query}`)
    assert.equal(res.statusCode, 200, res.body)
    return res.json().data.map((p: Json) => p.id) as string[]
  }

  it("answers exactly the docs' envelope: success, data, total, limit and offset, oldest first", async () => {
    const res = await a.get('/api/prices')
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    const documentedKeys = Object.keys(documented('GET', '/api/prices').response_examples[0]!.body)
    assert.deepEqual(Object.keys(body), documentedKeys)
    assert.deepEqual(Object.keys(body), ['success', 'data', 'total', 'limit', 'offset'])
    // Two one-off products and a recurring one with three frequencies, in the Standard and Dollars books.
    assert.equal(body.total, 10)
    assert.equal(body.limit, 100)
    assert.equal(body.offset, 0)
    assert.equal(body.data.length, 10)
    assert.deepEqual(Object.keys(body.data[0]), [...Object.keys(exampleOf('GET', '/api/prices')), ...ADDED])
    const stamps = body.data.map((p: Json) => `${p.created_at}|${p.id}`)
    assert.deepEqual(stamps, [...stamps].sort())
  })

  it('pages with limit and offset, total counting every match', async () => {
    const all = await ids('')
    const page = (await a.get('/api/prices?limit=3&offset=2')).json()
    assert.equal(page.total, 10)
    assert.equal(page.limit, 3)
    assert.equal(page.offset, 2)
    assert.deepEqual(
      page.data.map((p: Json) => p.id),
      all.slice(2, 5),
    )
    const past = (await a.get('/api/prices?offset=50')).json()
    assert.deepEqual([past.data, past.total, past.offset], [[], 10, 50])
    assert.equal((await a.get('/api/prices?limit=1000')).statusCode, 200)
  })

  it('refuses a limit above 1000, an offset below 0, an unknown model and an unknown parameter', async () => {
    for (const query of [
      'limit=1001',
      'limit=0',
      'offset=-1',
      'pricing_model=tiered',
      'page=2',
      'is_active=maybe',
    ]) {
      const res = await a.get(`/api/prices?${query}`)
      assert.equal(res.statusCode, 400, query)
    }
    assert.equal((await a.get('/api/prices?page=2')).json().code, 'unknown_parameter')
  })

  it('filters by pricebook, variant, product parent, currency, model and activity', async () => {
    const { pricebook } = await defaultsOf(t, tenant.workspaceId)
    assert.equal((await ids(`?pricebook_id=${pricebook.id}`)).length, 5)
    assert.equal((await ids(`?pricebook_id=${usd}`)).length, 5)
    assert.deepEqual(await ids(`?pricebook_id=${uuidv7()}`), [])
    assert.deepEqual(await ids('?pricebook_id=pb-001'), [])
    assert.deepEqual(
      await ids(`?product_variant_id=${first.id}&pricebook_id=${pricebook.id}`),
      first.priceIds,
    )
    assert.equal((await ids(`?product_id=${plan.parentId}`)).length, 6)
    assert.deepEqual(await ids(`?product_id=${plan.parentId}&pricebook_id=${pricebook.id}`), plan.priceIds)
    assert.equal((await ids('?currency=EUR')).length, 5)
    assert.equal((await ids('?currency=eur')).length, 5)
    assert.equal((await ids('?currency=usd')).length, 5, 'the api_name of the dollar')
    assert.deepEqual(await ids('?currency=JPY'), [])
    assert.deepEqual(await ids('?pricing_model=flat'), first.priceIds)
    assert.equal((await ids('?pricing_model=none')).length, 9)
    assert.deepEqual(await ids('?pricing_model=volume'), [])
    await t.db.kysely
      .updateTable('prices')
      .set({ is_active: 0 })
      .where('id', '=', plan.priceIds[0]!)
      .execute()
    assert.deepEqual(await ids('?is_active=false'), [plan.priceIds[0]])
    assert.equal((await ids('?is_active=true')).length, 9)
  })
})

describe('PATCH /api/prices/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  /** A fresh one-off price of the Standard pricebook. */
  const fresh = async (name = 'Widget') => (await buildProduct(a, name)).priceIds[0]!
  const problems = async (id: string, body: Json) => {
    const res = await a.patch(`/api/prices/${id}`, body)
    assert.equal(res.statusCode, 400, res.body)
    return res.json().details as string[]
  }

  it("takes the docs' body and answers the docs' response", async () => {
    const { id } = await buildDocumentedPrice(t, a, tenant)
    const before = await a.get(`/api/prices/${id}`)
    const res = await a.patch(`/api/prices/${id}`, documentedBody('PATCH', '/api/prices/{id}'))
    assert.equal(res.statusCode, 200, res.body)
    const data = res.json().data
    const example = exampleOf('PATCH', '/api/prices/{id}')
    assert.deepEqual(Object.keys(data), [...Object.keys(example), ...ADDED])
    assert.deepEqual(withoutGenerated(data), withoutGenerated(example))
    assert.notEqual(res.headers.etag, before.headers.etag)
    assert.deepEqual((await a.get(`/api/prices/${id}`)).json().data, data)
    const events = (await a.get(`/api/events?record_id=${id}`)).json().data
    assert.equal(events.at(-1).type, 'price.updated')
    assert.equal(events.at(-1).data.amount, 129.99)
  })

  it('takes identifiers nested as well, and refuses a field sent both ways', async () => {
    const id = await fresh()
    const res = await a.patch(`/api/prices/${id}`, { identifiers: { crm: 'c1', erp: 'e1' } })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().data.identifiers, { crm: 'c1', erp: 'e1', accounting: null })
    assert.deepEqual(await problems(id, { identifiers: { crm: 'c2' }, 'identifiers[crm]': 'c3' }), [
      "Field 'identifiers.crm' is sent twice, nested and as 'identifiers[crm]': send one",
    ])
    const cleared = await a.patch(`/api/prices/${id}`, { 'identifiers[erp]': null })
    assert.deepEqual(cleared.json().data.identifiers, { crm: 'c1', erp: null, accounting: null })
  })

  it('stores every model with what it needs, exactly', async () => {
    const id = await fresh()
    const tiers = [
      { up_to: 10, unit_amount: 10, flat_amount: null },
      { up_to: 50, unit_amount: 8, flat_amount: null },
      { up_to: null, unit_amount: 6.123456, flat_amount: 25.5 },
    ]
    const cases: [Json, Json][] = [
      [
        { pricing_model: 'volume', volume_tiers: tiers, is_volume_grid_displayed: true },
        { volume_tiers: tiers },
      ],
      [{ pricing_model: 'graduated', graduated_tiers: tiers }, { graduated_tiers: tiers }],
      [
        { pricing_model: 'percentage', percent: 20.5, price_percentage_type: 'all' },
        { percent: 20.5, price_percentage_type: 'all' },
      ],
      [
        { pricing_model: 'cost_plus', cost: 50.1, cost_multiplier: 1.333333 },
        { cost: 50.1, cost_multiplier: 1.333333 },
      ],
      [{ pricing_model: 'flat', amount: 0.1, is_setup: true, is_pay_as_you_go: true }, { amount: 0.1 }],
    ]
    for (const [body, expected] of cases) {
      const res = await a.patch(`/api/prices/${id}`, body)
      assert.equal(res.statusCode, 200, res.body)
      const data = res.json().data
      assert.equal(data.pricing_model, body.pricing_model)
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(data[k], v, k)
    }
    // The fields of the other models stayed, as the model switched.
    const data = (await a.get(`/api/prices/${id}`)).json().data
    assert.deepEqual(data.volume_tiers, tiers)
    assert.deepEqual(data.graduated_tiers, tiers)
    assert.equal(data.percent, 20.5)
    assert.equal(data.cost_multiplier, 1.333333)
    assert.equal(data.is_volume_grid_displayed, true)
    assert.equal(data.is_setup, true)
    const stored = await t.db.kysely
      .selectFrom('prices')
      .select(['amount', 'graduated_tiers'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.equal(stored.amount, '0.1', 'the decimal sent, not a binary fraction')
    assert.deepEqual(JSON.parse(stored.graduated_tiers!), [
      { up_to: '10', unit_amount: '10', flat_amount: null },
      { up_to: '50', unit_amount: '8', flat_amount: null },
      { up_to: null, unit_amount: '6.123456', flat_amount: '25.5' },
    ])
    // Emptied again: what it held stays, unused.
    const emptied = await a.patch(`/api/prices/${id}`, { pricing_model: null })
    assert.equal(emptied.json().data.pricing_model, null)
    assert.equal(emptied.json().data.amount, 0.1)
  })

  it('checks the price as it will stand, for its model, naming each field', async () => {
    const id = await fresh()
    assert.deepEqual(await problems(id, { pricing_model: 'flat' }), [
      "Field 'amount' is required for pricing_model 'flat'",
    ])
    assert.deepEqual(await problems(id, { pricing_model: 'volume' }), [
      "Field 'volume_tiers' is required for pricing_model 'volume'",
    ])
    assert.deepEqual(await problems(id, { pricing_model: 'graduated', graduated_tiers: null }), [
      "Field 'graduated_tiers' is required for pricing_model 'graduated'",
    ])
    assert.deepEqual(await problems(id, { pricing_model: 'percentage' }), [
      "Field 'percent' is required for pricing_model 'percentage'",
      "Field 'price_percentage_type' is required for pricing_model 'percentage' (all | products)",
    ])
    assert.deepEqual(
      await problems(id, { pricing_model: 'percentage', percent: 20, price_percentage_type: 'products' }),
      [
        "Field 'percentage_product_ids' must name at least one product when price_percentage_type is 'products'",
      ],
    )
    assert.deepEqual(await problems(id, { pricing_model: 'cost_plus', cost: 10 }), [
      "Field 'cost_multiplier' is required for pricing_model 'cost_plus'",
    ])
    // Once filled in, a model keeps needing its fields.
    assert.equal((await a.patch(`/api/prices/${id}`, { pricing_model: 'flat', amount: 5 })).statusCode, 200)
    assert.deepEqual(await problems(id, { amount: null }), [
      "Field 'amount' is required for pricing_model 'flat'",
    ])
  })

  it('refuses tiers that do not price every quantity, naming the tier', async () => {
    const id = await fresh()
    const details = await problems(id, {
      pricing_model: 'graduated',
      graduated_tiers: [
        { up_to: 10, unit_amount: 10, flat_amount: null },
        { up_to: 5, unit_amount: 8, flat_amount: null },
        { up_to: null, unit_amount: null, flat_amount: null },
      ],
    })
    assert.deepEqual(details, [
      "Field 'graduated_tiers[1].up_to' must be greater than graduated_tiers[0].up_to (10)",
      "Field 'graduated_tiers[2]' must have a unit_amount or a flat_amount",
    ])
    assert.deepEqual(
      await problems(id, {
        volume_tiers: [{ up_to: 10, unit_amount: 1, flat_amount: null }],
      }),
      ["Field 'volume_tiers[0].up_to' must be null: the last tier has no upper bound"],
    )
    const res = await a.patch(`/api/prices/${id}`, { volume_tiers: [] })
    assert.equal(res.statusCode, 400)
  })

  it("refuses more decimals than the currency's, and allows 6 on tier unit amounts and multipliers", async () => {
    const id = await fresh()
    assert.deepEqual(
      await problems(id, { pricing_model: 'flat', amount: 1.005, floor_price: 0.001, cost: 2.5 }),
      [
        "Field 'amount' has at most 2 decimals (the minor unit of EUR)",
        "Field 'floor_price' has at most 2 decimals (the minor unit of EUR)",
      ],
    )
    assert.deepEqual(
      await problems(id, {
        pricing_model: 'cost_plus',
        cost: 1,
        cost_multiplier: 1.0000001,
        percent: 1.00001,
        volume_tiers: [{ up_to: null, unit_amount: 0.1234567, flat_amount: 1.234 }],
      }),
      [
        "Field 'cost_multiplier' has at most 6 decimals (a multiplier)",
        "Field 'percent' has at most 4 decimals (a percentage)",
        "Field 'volume_tiers[0].unit_amount' has at most 6 decimals (a unit amount)",
        "Field 'volume_tiers[0].flat_amount' has at most 2 decimals (the minor unit of EUR)",
      ],
    )
    const fine = await a.patch(`/api/prices/${id}`, {
      pricing_model: 'volume',
      volume_tiers: [{ up_to: null, unit_amount: 0.123456, flat_amount: 1.23 }],
    })
    assert.equal(fine.statusCode, 200, fine.body)
  })

  it('takes percentage_product_ids of products of the workspace only', async () => {
    const id = await fresh()
    const licence = await buildProduct(a, 'Licence')
    const unknown = uuidv7()
    assert.deepEqual(
      await problems(id, {
        pricing_model: 'percentage',
        percent: 20,
        price_percentage_type: 'products',
        percentage_product_ids: [licence.id, unknown, 'prod_123'],
      }),
      [`Field 'percentage_product_ids' does not name a product of this workspace: ${unknown}, prod_123`],
    )
    const res = await a.patch(`/api/prices/${id}`, {
      pricing_model: 'percentage',
      percent: 20,
      price_percentage_type: 'products',
      percentage_product_ids: [licence.id.toUpperCase()],
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().data.percentage_product_ids, [licence.id])
  })

  it('sets and clears the default tax, a tax of the workspace only', async () => {
    const id = await fresh()
    const { taxId } = await defaultsOf(t, tenant.workspaceId)
    const set = await a.patch(`/api/prices/${id}`, { default_tax_id: taxId })
    assert.equal(set.statusCode, 200, set.body)
    const shown = set.json().data
    assert.deepEqual(
      [
        shown.default_tax_name,
        shown.default_tax_rate,
        shown.default_tax_amount,
        shown.default_tax_is_percentage,
      ],
      ['VAT 20%', 20, null, true],
    )
    const other = await buildTenant(t.db)
    const theirs = await defaultsOf(t, other.workspaceId)
    assert.deepEqual(await problems(id, { default_tax_id: theirs.taxId }), [
      "Field 'default_tax_id' does not name a tax of this workspace",
    ])
    const cleared = (await a.patch(`/api/prices/${id}`, { default_tax_id: null })).json().data
    assert.deepEqual(
      [cleared.default_tax_id, cleared.default_tax_name, cleared.default_tax_is_percentage],
      [null, null, null],
    )
  })

  it('takes engagement fields on recurring prices only', async () => {
    const oneOff = await fresh()
    assert.deepEqual(await problems(oneOff, { engagement_type: 'fixed', period_duration: 12 }), [
      "Field 'engagement_type' is for recurring prices only: this price has no billing frequency",
      "Field 'period_duration' is for recurring prices only: this price has no billing frequency",
    ])
    assert.equal((await a.patch(`/api/prices/${oneOff}`, { engagement_type: null })).statusCode, 200)
    const [monthly] = (await buildProduct(a, 'Plan', 'recurring')).priceIds
    const res = await a.patch(`/api/prices/${monthly}`, { engagement_type: 'fixed', period_duration: 12 })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual([res.json().data.engagement_type, res.json().data.period_duration], ['fixed', 12])
    assert.equal((await a.patch(`/api/prices/${monthly}`, { period_duration: 0 })).statusCode, 400)
  })

  it('takes read-only fields sent back unchanged, and refuses them changed', async () => {
    const id = await fresh()
    const read = (await a.get(`/api/prices/${id}`)).json().data
    const same = await a.patch(`/api/prices/${id}`, { ...read, pricing_model: 'flat', amount: 3 })
    assert.equal(same.statusCode, 200, same.body)
    assert.deepEqual(await problems(id, { is_active: false }), [
      "Field 'is_active' is read-only: it cannot change, and differs from the stored value",
    ])
    assert.deepEqual(await problems(id, { currency_api_name: 'USD' }), [
      "Field 'currency_api_name' is read-only: it cannot change, and differs from the stored value",
    ])
  })

  it('fills in an inactive price, which keeps its values', async () => {
    const id = await fresh()
    await t.db.kysely.updateTable('prices').set({ is_active: 0 }).where('id', '=', id).execute()
    const res = await a.patch(`/api/prices/${id}`, { pricing_model: 'flat', amount: 7 })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual([res.json().data.is_active, res.json().data.amount], [false, 7])
  })

  it("is a 404 for an unknown price and another workspace's", async () => {
    const id = await fresh()
    const other = await buildTenant(t.db)
    for (const [url, auth] of [
      [`/api/prices/${uuidv7()}`, tenant.auth],
      [`/api/prices/${id}`, other.auth],
    ] as const) {
      const res = await a.patch(url, { amount: 1 }, auth)
      assert.equal(res.statusCode, 404, res.body)
    }
    assert.equal((await a.get(`/api/prices/${id}`)).json().data.amount, null)
  })
})

describe('prices of a dynamic pricebook', () => {
  const t = useTestApp()
  let tenant: Tenant
  let base: string
  let derived: string
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
    const { pricebook } = await defaultsOf(t, tenant.workspaceId)
    const product = await buildProduct(a, 'Premium Widget')
    base = product.priceIds[0]!
    const partners = await insertPricebook(t, tenant.workspaceId, {
      name: 'Partners',
      currencyId: pricebook.currency_id,
      base: { id: pricebook.id, adjustment: '-10' },
    })
    derived = await priceIn(t, partners, product.id)
  })

  it("follow their base price through the pricebook's rule, with their events", async () => {
    const res = await a.patch(`/api/prices/${base}`, {
      pricing_model: 'graduated',
      graduated_tiers: [
        { up_to: 10, unit_amount: 10, flat_amount: null },
        { up_to: null, unit_amount: 8.75, flat_amount: null },
      ],
      floor_price: 5,
    })
    assert.equal(res.statusCode, 200, res.body)
    const shown = (await a.get(`/api/prices/${derived}`)).json().data
    assert.equal(shown.parent_price_id, base)
    assert.equal(shown.pricebook_type, 'dynamic')
    assert.equal(shown.pricing_model, 'graduated')
    assert.deepEqual(shown.graduated_tiers, [
      { up_to: 10, unit_amount: 9, flat_amount: null },
      { up_to: null, unit_amount: 7.88, flat_amount: null },
    ])
    assert.equal(shown.floor_price, 4.5)
    const events = (await a.get(`/api/events?record_id=${derived}`)).json().data
    assert.equal(events.at(-1).type, 'price.updated')
  })

  it('refuse pricing fields with a 409 naming the base price, and take identifiers', async () => {
    const res = await a.patch(`/api/prices/${derived}`, { pricing_model: 'flat', amount: 1 })
    assert.equal(res.statusCode, 409, res.body)
    assert.equal(res.json().code, 'conflict')
    assert.match(res.json().error, new RegExp(`parent_price_id ${base}`))
    assert.match(res.json().error, /'pricing_model', 'amount'/)
    assert.match(res.json().error, /dynamic pricebook 'Partners'/)
    const named = await a.patch(`/api/prices/${derived}`, { 'identifiers[crm]': 'crm_partner' })
    assert.equal(named.statusCode, 200, named.body)
    assert.equal(named.json().data.identifiers.crm, 'crm_partner')
  })

  it('take their GET sent back, pricing fields unchanged', async () => {
    const read = await a.get(`/api/prices/${derived}`)
    const res = await a.patch(`/api/prices/${derived}`, read.json().data)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, read.headers.etag)
  })
})

describe('POST /api/prices/{id}/quote', () => {
  const t = useTestApp()
  let tenant: Tenant
  let taxId: string
  let catalogId: string
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
    const defaults = await defaultsOf(t, tenant.workspaceId)
    taxId = defaults.taxId
    catalogId = defaults.pricebook.catalog_id!
  })

  /** A price of the Standard pricebook filled in with `body`. */
  const priced = async (body: Json, name = 'Widget') => {
    const { priceIds } = await buildProduct(a, name)
    const res = await a.patch(`/api/prices/${priceIds[0]}`, body)
    assert.equal(res.statusCode, 200, res.body)
    return priceIds[0]!
  }
  const quote = async (id: string, body: Json) => {
    const res = await a.post(`/api/prices/${id}/quote`, body)
    assert.equal(res.statusCode, 200, res.body)
    return res.json().data
  }
  const TIERS = [
    { up_to: 10, unit_amount: 10, flat_amount: null },
    { up_to: 50, unit_amount: 8, flat_amount: null },
    { up_to: null, unit_amount: 6, flat_amount: null },
  ]

  it('prices a flat line with a discount and the default tax, rounding each amount once', async () => {
    const id = await priced({ pricing_model: 'flat', amount: 99.99, floor_price: 80, default_tax_id: taxId })
    const res = await a.post(`/api/prices/${id}/quote`, {
      quantity: 3,
      discount: { type: 'percent', value: 10 },
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.match(String(res.headers.etag), /^W\/"/)
    assert.deepEqual(res.json().data, {
      price_id: id,
      currency: 'EUR',
      pricing_model: 'flat',
      quantity: 3,
      unit_price: 99.99,
      list_amount: 299.97,
      discount_amount: 30,
      net_amount: 269.97,
      tax_amount: 53.99,
      total_amount: 323.96,
      tiers: [],
      below_floor: false,
      tax_id: taxId,
    })
    const deep = await quote(id, { quantity: 1, discount: { type: 'amount', value: 25 }, tax_id: null })
    assert.deepEqual(
      [deep.net_amount, deep.tax_amount, deep.total_amount, deep.below_floor, deep.tax_id],
      [74.99, 0, 74.99, true, null],
    )
  })

  it('prices 60 units graduated at 480.00 and volume at 360.00, with the tiers used', async () => {
    const graduated = await quote(await priced({ pricing_model: 'graduated', graduated_tiers: TIERS }), {
      quantity: 60,
    })
    assert.equal(graduated.list_amount, 480)
    assert.equal(graduated.unit_price, 8)
    assert.deepEqual(graduated.tiers, [
      { up_to: 10, quantity: 10, unit_amount: 10, flat_amount: 0, amount: 100 },
      { up_to: 50, quantity: 40, unit_amount: 8, flat_amount: 0, amount: 320 },
      { up_to: null, quantity: 10, unit_amount: 6, flat_amount: 0, amount: 60 },
    ])
    assert.equal(graduated.total_amount, 480)
    const volume = await quote(await priced({ pricing_model: 'volume', volume_tiers: TIERS }), {
      quantity: 60,
    })
    assert.equal(volume.list_amount, 360)
    assert.deepEqual(volume.tiers, [
      { up_to: null, quantity: 60, unit_amount: 6, flat_amount: 0, amount: 360 },
    ])
  })

  it('prices cost-plus and percentage lines, a percentage one on the base it is given', async () => {
    const cost = await quote(await priced({ pricing_model: 'cost_plus', cost: 50, cost_multiplier: 1.333 }), {
      quantity: 3,
    })
    assert.equal(cost.list_amount, 199.95)
    const pct = await priced({ pricing_model: 'percentage', percent: 20, price_percentage_type: 'all' })
    const support = await quote(pct, { quantity: 1, base: 1234.56 })
    assert.equal(support.list_amount, 246.91)
    const res = await a.post(`/api/prices/${pct}/quote`, { quantity: 1 })
    assert.equal(res.statusCode, 400)
    assert.match(res.json().details[0], /^Field 'base' is required to quote a percentage price/)
    const flat = await priced({ pricing_model: 'flat', amount: 1 })
    const wrong = await a.post(`/api/prices/${flat}/quote`, { quantity: 1, base: 10 })
    assert.deepEqual(wrong.json().details, ["Field 'base' is for percentage prices only: this one is flat"])
  })

  it('applies an amount tax per unit, and a tax named in the body', async () => {
    const id = uuidv7()
    const at = nextInstant()
    const { pricebook } = await defaultsOf(t, tenant.workspaceId)
    await t.db.kysely
      .insertInto('taxes')
      .values({
        id,
        workspace_id: tenant.workspaceId,
        name: 'Eco 0.15',
        api_name: 'eco',
        type: 'custom',
        country: 'FR',
        region: null,
        method: 'amount',
        rate: null,
        currency_id: pricebook.currency_id,
        amount: '0.15',
        is_active: 1,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const price = await priced({ pricing_model: 'flat', amount: 2 })
    const q = await quote(price, { quantity: 7, tax_id: id })
    assert.deepEqual([q.net_amount, q.tax_amount, q.total_amount, q.tax_id], [14, 1.05, 15.05, id])
    const res = await a.post(`/api/prices/${price}/quote`, { quantity: 1, tax_id: uuidv7() })
    assert.deepEqual(res.json().details, ["Field 'tax_id' does not name a tax of this workspace"])
  })

  it("rounds at the currency's minor unit: none for JPY, three for TND", async () => {
    const product = await buildProduct(a, 'Abroad')
    const yen = await insertPricebook(t, tenant.workspaceId, {
      name: 'Yen',
      currencyId: await insertCurrency(t, tenant.workspaceId, 'JPY', 'Yen'),
      catalogId,
    })
    const dinar = await insertPricebook(t, tenant.workspaceId, {
      name: 'Dinar',
      currencyId: await insertCurrency(t, tenant.workspaceId, 'TND', 'Tunisian Dinar'),
      catalogId,
    })
    const yenPrice = await priceIn(t, yen, product.id)
    const refused = await a.patch(`/api/prices/${yenPrice}`, { pricing_model: 'flat', amount: 999.5 })
    assert.deepEqual(refused.json().details, [
      "Field 'amount' has at most 0 decimals (the minor unit of JPY)",
    ])
    await a.patch(`/api/prices/${yenPrice}`, { pricing_model: 'flat', amount: 999, default_tax_id: taxId })
    const q = await quote(yenPrice, { quantity: 1 })
    assert.deepEqual([q.currency, q.list_amount, q.tax_amount, q.total_amount], ['JPY', 999, 200, 1199])
    const dinarPrice = await priceIn(t, dinar, product.id)
    const set = await a.patch(`/api/prices/${dinarPrice}`, { pricing_model: 'flat', amount: 1.255 })
    assert.equal(set.statusCode, 200, set.body)
    const d = await quote(dinarPrice, { quantity: 3, discount: { type: 'percent', value: 12.5 } })
    // 3.765 less 12.5 % (0.470625 → 0.471): 3.294.
    assert.deepEqual(
      [d.currency, d.list_amount, d.discount_amount, d.net_amount],
      ['TND', 3.765, 0.471, 3.294],
    )
  })

  it('refuses a price not filled in, an inactive one, and a bad body', async () => {
    const { priceIds } = await buildProduct(a, 'Empty')
    const empty = await a.post(`/api/prices/${priceIds[0]}/quote`, { quantity: 1 })
    assert.equal(empty.statusCode, 409)
    assert.match(empty.json().error, /^This price has no pricing yet/)
    const id = await priced({ pricing_model: 'flat', amount: 5 })
    for (const body of [
      {},
      { quantity: -1 },
      { quantity: 1, discount: { type: 'percent', value: 101 } },
      { quantity: 1, extra: 1 },
    ]) {
      assert.equal((await a.post(`/api/prices/${id}/quote`, body)).statusCode, 400, JSON.stringify(body))
    }
    const cents = await a.post(`/api/prices/${id}/quote`, {
      quantity: 1,
      discount: { type: 'amount', value: 0.001 },
    })
    assert.deepEqual(cents.json().details, [
      "Field 'discount.value' has at most 2 decimals (the minor unit of EUR)",
    ])
    await t.db.kysely.updateTable('prices').set({ is_active: 0 }).where('id', '=', id).execute()
    const inactive = await a.post(`/api/prices/${id}/quote`, { quantity: 1 })
    assert.equal(inactive.statusCode, 409)
  })

  it("is a 404 for an unknown price and another workspace's, and writes nothing", async () => {
    const id = await priced({ pricing_model: 'flat', amount: 5 })
    const before = await a.get(`/api/prices/${id}`)
    const other = await buildTenant(t.db)
    for (const [url, auth] of [
      [`/api/prices/${uuidv7()}/quote`, tenant.auth],
      [`/api/prices/${id}/quote`, other.auth],
    ] as const) {
      const res = await a.post(url, { quantity: 1 }, auth)
      assert.equal(res.statusCode, 404, res.body)
      assert.deepEqual(res.json(), { success: false, error: 'Price not found', code: 'not_found' })
    }
    await quote(id, { quantity: 2 })
    assert.equal((await a.get(`/api/prices/${id}`)).headers.etag, before.headers.etag)
  })
})
