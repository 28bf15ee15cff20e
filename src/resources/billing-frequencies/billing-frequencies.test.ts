import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'

const KEYS = ['id', 'name', 'period', 'unit', 'is_active', 'created_at', 'updated_at']

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Frequency = { id: string; name: string; period: number; unit: string; is_active: boolean }

/**
 * A price naming the frequency, inserted directly (prices are made by Quoin, never through a create), for a
 * product in no catalog: nothing else makes or touches its prices.
 */
async function insertPriceFor(
  db: Db,
  call: ReturnType<typeof api>,
  workspaceId: string,
  frequencyId: string,
) {
  const product = await call.post('/api/products', {
    api_name: `billed_${uuidv7().slice(-12)}`,
    recurrence_type: 'recurring',
    name: 'Billed',
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
      billing_frequency_id: frequencyId,
      slot: frequencyId,
      created_at: at,
      updated_at: at,
    })
    .execute()
}

describe('GET /api/billing-frequencies', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('starts with Monthly, Quarterly and Yearly, keys in order', async () => {
    const res = await call.get('/api/billing-frequencies')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    for (const f of body.data) assert.deepEqual(Object.keys(f), KEYS)
    assert.deepEqual(
      body.data.map((f: Frequency) => [f.name, f.period, f.unit, f.is_active]),
      [
        ['Monthly', 1, 'month', true],
        ['Quarterly', 3, 'month', true],
        ['Yearly', 1, 'year', true],
      ],
    )
  })

  it("filters by is_active, pages, never shows another workspace's", async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const weekly = (
      await as.post('/api/billing-frequencies', { period: 1, unit: 'week', is_active: false })
    ).json().data
    await api(t, (await buildTenant(t.db)).auth).post('/api/billing-frequencies', { period: 2, unit: 'day' })
    const names = async (query: string) =>
      (await as.get(`/api/billing-frequencies${query}`)).json().data.map((f: Frequency) => f.name)
    assert.deepEqual(await names(''), ['Monthly', 'Quarterly', 'Yearly', 'Weekly'])
    assert.deepEqual(await names('?is_active=false'), ['Weekly'])
    assert.deepEqual(await names('?is_active=true'), ['Monthly', 'Quarterly', 'Yearly'])
    const page = (await as.get('/api/billing-frequencies?limit=3')).json()
    assert.equal(page.has_more, true)
    const rest = (await as.get(`/api/billing-frequencies?limit=3&cursor=${page.next_cursor}`)).json()
    assert.deepEqual(rest.data, [weekly])
    const bad = await as.get('/api/billing-frequencies?unit=week')
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().code, 'unknown_parameter')
  })
})

describe('POST /api/billing-frequencies', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('creates a frequency named from its period and unit', async () => {
    const res = await call.post('/api/billing-frequencies', { period: 2, unit: 'week' })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        name: 'Every 2 weeks',
        period: 2,
        unit: 'week',
        is_active: true,
        created_at: null,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/billing-frequencies/${data.id}`)).json().data, data)
    const names = []
    for (const [period, unit] of [
      [1, 'day'],
      [1, 'week'],
      [6, 'month'],
      [2, 'year'],
      [1000, 'day'],
    ] as const) {
      names.push((await call.post('/api/billing-frequencies', { period, unit })).json().data.name)
    }
    assert.deepEqual(names, ['Daily', 'Weekly', 'Every 6 months', 'Every 2 years', 'Every 1000 days'])
  })

  it('takes a name (trimmed) and is_active false', async () => {
    const res = await call.post('/api/billing-frequencies', {
      period: 4,
      unit: 'month',
      name: ' Four-monthly ',
      is_active: false,
    })
    assert.equal(res.statusCode, 201, res.body)
    assert.deepEqual([res.json().data.name, res.json().data.is_active], ['Four-monthly', false])
  })

  it('answers 409 naming the frequency that has the period and unit, and writes nothing', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const quarterly = (await as.get('/api/billing-frequencies')).json().data[1]
    const res = await as.post('/api/billing-frequencies', { period: 3, unit: 'month', name: 'Every quarter' })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error:
        `period 3 unit 'month' (every 3 months) is already used by billing frequency ${quarterly.id} ` +
        '(Quarterly): reactivate it (is_active true) rather than making another',
      code: 'conflict',
    })
    assert.equal((await as.get('/api/billing-frequencies')).json().data.length, 3)
    // Another unit with the same period is another frequency.
    assert.equal((await as.post('/api/billing-frequencies', { period: 3, unit: 'week' })).statusCode, 201)
  })

  it('names every invalid field', async () => {
    const res = await call.post('/api/billing-frequencies', {
      period: 1.5,
      unit: 'hour',
      name: '',
      is_active: 'no',
      id: uuidv7(),
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'id' is not allowed",
      "Field 'is_active' must be of type boolean",
      "Field 'name' must not be blank",
      "Field 'period' must be an integer",
      "Field 'unit' must be one of: day, week, month, year",
    ])
    const cases: [object, string][] = [
      [{ period: 0, unit: 'day' }, "Field 'period' must be >= 1"],
      [{ period: 1001, unit: 'day' }, "Field 'period' must be <= 1000"],
      [{ period: '2', unit: 'day' }, "Field 'period' must be an integer"],
      [{ unit: 'day' }, "Field 'period' is required"],
      [{ period: 2 }, "Field 'unit' is required (day | week | month | year)"],
    ]
    for (const [body, detail] of cases) {
      const r = await call.post('/api/billing-frequencies', body)
      assert.equal(r.statusCode, 400, JSON.stringify(body))
      assert.deepEqual(r.json().details, [detail], JSON.stringify(body))
    }
  })
})

describe('GET /api/billing-frequencies/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('returns the frequency with its ETag', async () => {
    const monthly = (await call.get('/api/billing-frequencies')).json().data[0]
    const res = await call.get(`/api/billing-frequencies/${monthly.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, data: monthly })
    assert.equal(res.headers.etag, '"1"')
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's", async () => {
    const theirs = (await api(t, (await buildTenant(t.db)).auth).get('/api/billing-frequencies')).json()
      .data[0].id
    for (const id of [uuidv7(), 'monthly', theirs]) {
      const res = await call.get(`/api/billing-frequencies/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), {
        success: false,
        error: 'Billing frequency not found',
        code: 'not_found',
      })
    }
  })
})

describe('PATCH /api/billing-frequencies/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('renames and deactivates; the ETag moves, an unchanged body keeps it', async () => {
    const f = (await call.post('/api/billing-frequencies', { period: 2, unit: 'month' })).json().data
    const res = await call.patch(`/api/billing-frequencies/${f.id}`, {
      name: ' Bimonthly ',
      is_active: false,
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(
      { ...data, updated_at: null },
      { ...f, name: 'Bimonthly', is_active: false, updated_at: null },
    )
    assert.equal(res.headers.etag, '"2"')
    const echo = await call.patch(`/api/billing-frequencies/${f.id}`, data)
    assert.equal(echo.statusCode, 200, echo.body)
    assert.equal(echo.headers.etag, '"2"')
  })

  it('refuses a new period or unit: they are read-only', async () => {
    const monthly = (await call.get('/api/billing-frequencies')).json().data[0]
    const res = await call.patch(`/api/billing-frequencies/${monthly.id}`, { period: 2, unit: 'week' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'period' is read-only: it cannot change, and differs from the stored value",
      "Field 'unit' is read-only: it cannot change, and differs from the stored value",
    ])
    const bad = await call.patch(`/api/billing-frequencies/${monthly.id}`, { name: null, is_active: 0 })
    assert.deepEqual([...bad.json().details].sort(), [
      "Field 'is_active' must be of type boolean",
      "Field 'name' must be of type string",
    ])
  })

  it('answers 404 to an unknown id', async () => {
    const res = await call.patch(`/api/billing-frequencies/${uuidv7()}`, { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Billing frequency not found', code: 'not_found' })
  })
})

describe('DELETE /api/billing-frequencies/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('deletes an unused frequency for good; its period can be made again', async () => {
    const f = (await call.post('/api/billing-frequencies', { period: 5, unit: 'day' })).json().data
    const res = await call.del(`/api/billing-frequencies/${f.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'Billing frequency deleted successfully' })
    assert.equal((await call.get(`/api/billing-frequencies/${f.id}`)).statusCode, 404)
    assert.equal((await call.del(`/api/billing-frequencies/${f.id}`)).statusCode, 404)
    assert.equal((await call.post('/api/billing-frequencies', { period: 5, unit: 'day' })).statusCode, 201)
  })

  it('answers 409 while prices name it, advising is_active false, and deletes nothing', async () => {
    const f = (await call.post('/api/billing-frequencies', { period: 6, unit: 'week' })).json().data
    await insertPriceFor(t.db, call, tenant.workspaceId, f.id)
    const res = await call.del(`/api/billing-frequencies/${f.id}`)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error:
        'Billing frequency is used by 1 price: its prices stay for the quotes that use them; deactivate it ' +
        'instead (PATCH {"is_active": false}), which deactivates its prices',
      code: 'conflict',
    })
    assert.equal((await call.get(`/api/billing-frequencies/${f.id}`)).statusCode, 200)
  })
})

describe('billing frequencies and the prices of recurring products', () => {
  const t = useTestApp()

  /** The price rows of `productId` in the workspace's Standard pricebook: frequency name and whether active. */
  async function pricesOf(workspaceId: string, productId: string) {
    const rows = await t.db.kysely
      .selectFrom('prices as p')
      .innerJoin('pricebooks as b', 'b.id', 'p.pricebook_id')
      .leftJoin('billing_frequencies as f', 'f.id', 'p.billing_frequency_id')
      .select(['f.name', 'p.is_active'])
      .where('p.workspace_id', '=', workspaceId)
      .where('b.api_name', '=', 'standard')
      .where('p.product_id', '=', productId)
      .orderBy('p.created_at')
      .orderBy('p.id')
      .execute()
    return rows.map((r) => [r.name, r.is_active === true || r.is_active === 1])
  }

  /** A recurring product of the Standard catalog, through the API: the id of its one variant. */
  async function recurringProduct(call: ReturnType<typeof api>) {
    const res = await call.post('/api/product-parents', {
      api_name: `service_${uuidv7().slice(-12)}`,
      recurrence_type: 'recurring',
      name: 'Support plan',
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().data.product_ids[0] as string
  }

  it('a new frequency gives each recurring product a price for it; deactivating it deactivates them', async () => {
    const tenant = await buildTenant(t.db)
    const call = api(t, tenant.auth)
    const product = await recurringProduct(call)
    assert.deepEqual(await pricesOf(tenant.workspaceId, product), [
      ['Monthly', true],
      ['Quarterly', true],
      ['Yearly', true],
    ])
    const weekly = (await call.post('/api/billing-frequencies', { period: 1, unit: 'week' })).json().data
    assert.deepEqual(await pricesOf(tenant.workspaceId, product), [
      ['Monthly', true],
      ['Quarterly', true],
      ['Yearly', true],
      ['Weekly', true],
    ])
    const off = await call.patch(`/api/billing-frequencies/${weekly.id}`, { is_active: false })
    assert.equal(off.statusCode, 200, off.body)
    assert.deepEqual((await pricesOf(tenant.workspaceId, product)).at(-1), ['Weekly', false])
    const on = await call.patch(`/api/billing-frequencies/${weekly.id}`, { is_active: true })
    assert.equal(on.statusCode, 200, on.body)
    assert.deepEqual((await pricesOf(tenant.workspaceId, product)).at(-1), ['Weekly', true])
    // Its prices name it: it cannot be deleted, only deactivated.
    const del = await call.del(`/api/billing-frequencies/${weekly.id}`)
    assert.equal(del.statusCode, 409)
    assert.match(del.json().error, /^Billing frequency is used by 1 price: /)
  })

  it('an inactive new frequency, and a rename, make no prices', async () => {
    const tenant = await buildTenant(t.db)
    const call = api(t, tenant.auth)
    const product = await recurringProduct(call)
    const daily = (
      await call.post('/api/billing-frequencies', { period: 1, unit: 'day', is_active: false })
    ).json().data
    await call.patch(`/api/billing-frequencies/${daily.id}`, { name: 'Every day' })
    assert.equal((await pricesOf(tenant.workspaceId, product)).length, 3)
    assert.equal((await call.del(`/api/billing-frequencies/${daily.id}`)).statusCode, 200)
  })
})
