// Custom properties of customers (through the API) and of quotes (checkCustomProperties itself).
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { api, buildTenant, useTestApp } from '../../../test/helpers.ts'
import { ApiError } from '../../http/errors.ts'
import { checkCustomProperties, isDay, patchCustomProperties } from './check.ts'

type Tenant = Awaited<ReturnType<typeof buildTenant>>

describe('custom_properties of customers', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
    for (const body of [
      { object: 'customer', name: 'Region', type: 'text' },
      { object: 'customer', name: 'Employees', type: 'number' },
      { object: 'customer', name: 'Signed on', type: 'date' },
      { object: 'customer', name: 'Legacy', type: 'text', is_active: false },
      { object: 'quote', name: 'Deal', type: 'text' },
    ]) {
      assert.equal((await call.post('/api/custom-fields', body)).statusCode, 201)
    }
  })

  it('are stored and shown after the documented keys, in the order of the fields; {} when none', async () => {
    const res = await call.post('/api/customers', {
      name: 'Acme',
      type: 'company',
      custom_properties: { signed_on: '2024-02-29', region: 'EMEA', employees: 250.5, legacy: null },
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data).slice(-3), ['created_at', 'updated_at', 'custom_properties'])
    assert.deepEqual(data.custom_properties, { region: 'EMEA', employees: 250.5, signed_on: '2024-02-29' })
    assert.deepEqual(Object.keys(data.custom_properties), ['region', 'employees', 'signed_on'])
    assert.deepEqual((await call.get(`/api/customers/${data.id}`)).json().data, data)
    const plain = (await call.post('/api/customers', { name: 'Plain', type: 'company' })).json().data
    assert.deepEqual(plain.custom_properties, {})
    const stored = await t.db.kysely
      .selectFrom('customers')
      .select('custom_properties')
      .where('id', '=', plain.id)
      .executeTakeFirstOrThrow()
    assert.equal(stored.custom_properties, null)
  })

  it('answer 400 naming each bad key: unknown, wrong type, not a date, too long, inactive', async () => {
    const res = await call.post('/api/customers', {
      name: 'Bad',
      type: 'company',
      custom_properties: {
        deal: 'x',
        region: 3,
        employees: '250',
        signed_on: '2023-02-29',
        legacy: 'new',
      },
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'custom_properties.deal' is not a custom field of customers: create it with POST /api/custom-fields first",
      "Field 'custom_properties.region' must be a string (custom field of type text)",
      "Field 'custom_properties.employees' must be a number (custom field of type number)",
      "Field 'custom_properties.signed_on' must be a date written YYYY-MM-DD, such as 2026-03-31 (custom field of type date)",
      "Field 'custom_properties.legacy' is an inactive custom field: it takes no new value (activate it first, or send null to remove it)",
    ])
    for (const [value, message] of [
      ['x'.repeat(2001), "Field 'custom_properties.region' must be at most 2000 characters"],
      [null, undefined],
    ] as const) {
      const r = await call.post('/api/customers', {
        name: 'Long',
        type: 'company',
        custom_properties: { region: value },
      })
      if (message) assert.deepEqual(r.json().details, [message])
      else assert.equal(r.statusCode, 201)
    }
    for (const bad of [[], 'region', 3]) {
      const r = await call.post('/api/customers', { name: 'X', type: 'company', custom_properties: bad })
      assert.equal(r.statusCode, 400)
      assert.match(r.json().details[0], /^Field 'custom_properties' must be of type object/)
    }
  })

  it('PATCH merges keys, null removes one; a GET sent back changes nothing', async () => {
    const customer = (
      await call.post('/api/customers', {
        name: 'Merge',
        type: 'company',
        custom_properties: { region: 'EMEA', employees: 10 },
      })
    ).json().data
    const res = await call.patch(`/api/customers/${customer.id}`, {
      custom_properties: { employees: null, signed_on: '2026-01-31' },
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().data.custom_properties, { region: 'EMEA', signed_on: '2026-01-31' })
    const etag = res.headers.etag
    const same = await call.patch(`/api/customers/${customer.id}`, res.json().data)
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.headers.etag, etag)
    const bad = await call.patch(`/api/customers/${customer.id}`, { custom_properties: { nope: 1 } })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().details[0], /^Field 'custom_properties\.nope' is not a custom field of customers/)
  })

  it('a required field needs a value on create, cannot be removed, and is not asked of a PATCH', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    await as.post('/api/custom-fields', {
      object: 'customer',
      name: 'Sector',
      type: 'text',
      is_required: true,
    })
    await as.post('/api/custom-fields', { object: 'customer', name: 'Old', type: 'text', is_required: true })
    const old = (await as.get('/api/custom-fields')).json().data[1]
    await as.patch(`/api/custom-fields/${old.id}`, { is_active: false })
    const missing = await as.post('/api/customers', { name: 'X', type: 'company' })
    assert.equal(missing.statusCode, 400)
    assert.deepEqual(missing.json().details, [
      "Field 'custom_properties.sector' is required (a required custom field)",
    ])
    const made = await as.post('/api/customers', {
      name: 'X',
      type: 'company',
      custom_properties: { sector: 'Retail' },
    })
    assert.equal(made.statusCode, 201, made.body)
    const id = made.json().data.id
    assert.equal((await as.patch(`/api/customers/${id}`, { name: 'Y' })).statusCode, 200)
    const removed = await as.patch(`/api/customers/${id}`, { custom_properties: { sector: null } })
    assert.equal(removed.statusCode, 400)
    assert.deepEqual(removed.json().details, [
      "Field 'custom_properties.sector' is required (a required custom field): it cannot be removed",
    ])
  })
})

describe('checkCustomProperties on quotes', () => {
  const t = useTestApp()
  let tenant: Tenant

  before(async () => {
    tenant = await buildTenant(t.db)
    const call = api(t, tenant.auth)
    await call.post('/api/custom-fields', {
      object: 'quote',
      name: 'Deal',
      type: 'number',
      is_required: true,
    })
    await call.post('/api/custom-fields', { object: 'quote', name: 'Close', type: 'date' })
    await call.post('/api/custom-fields', { object: 'customer', name: 'Region', type: 'text' })
  })

  const refused = async (run: Promise<unknown>) => {
    try {
      await run
    } catch (err) {
      assert.ok(err instanceof ApiError)
      assert.equal(err.status, 400)
      return err.details
    }
    assert.fail('not refused')
  }

  it("checks against the quote's fields, naming the path given", async () => {
    const db = t.db.kysely
    const ws = tenant.workspaceId
    assert.deepEqual(await checkCustomProperties(db, ws, 'quote', { close: '2026-12-31', deal: 1e6 }), {
      deal: 1e6,
      close: '2026-12-31',
    })
    assert.deepEqual(await refused(checkCustomProperties(db, ws, 'quote', { region: 'EU', deal: 1 })), [
      "Field 'custom_properties.region' is not a custom field of quotes: create it with POST /api/custom-fields first",
    ])
    assert.deepEqual(
      await refused(
        checkCustomProperties(db, ws, 'quote', {}, 'quote.custom_properties', { required: true }),
      ),
      ["Field 'quote.custom_properties.deal' is required (a required custom field)"],
    )
    assert.deepEqual(await checkCustomProperties(db, ws, 'quote', { deal: null }), {})
    assert.deepEqual(
      await patchCustomProperties(db, ws, 'quote', { deal: 1, close: '2026-01-01' }, { close: null }),
      {
        deal: 1,
      },
    )
  })

  it('knows a calendar day from a string that looks like one', () => {
    for (const day of ['2024-02-29', '2026-12-31', '0001-01-01']) assert.ok(isDay(day), day)
    for (const day of ['2023-02-29', '2026-13-01', '2026-1-01', '2026-01-01T00:00:00Z', '20260101']) {
      assert.ok(!isDay(day), day)
    }
  })
})
