import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'

const KEYS = [
  'id',
  'code',
  'api_name',
  'name',
  'minor_units',
  'is_active',
  'is_default',
  'created_at',
  'updated_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Currency = { id: string; code: string; is_default: boolean; name: string }

/** The events recorded in the workspace for `recordId`, oldest first. */
async function eventsOf(db: Db, workspaceId: string, recordId: string) {
  const rows = await db.kysely
    .selectFrom('events')
    .select(['type', 'data'])
    .where('workspace_id', '=', workspaceId)
    .where('record_id', '=', recordId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ type: r.type, data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }))
}

describe('GET /api/currencies', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('starts with the euro, the default, keys in order', async () => {
    const res = await call.get('/api/currencies')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 1)
    const [eur] = body.data
    assert.deepEqual(Object.keys(eur), KEYS)
    assert.deepEqual(
      { ...eur, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        code: 'EUR',
        api_name: 'EUR',
        name: 'Euro',
        minor_units: 2,
        is_active: true,
        is_default: true,
        created_at: undefined,
        updated_at: undefined,
      },
    )
    assert.match(eur.created_at, WIRE_TIME)
  })

  it("filters by is_active, pages, never shows another workspace's currencies", async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const usd = (await as.post('/api/currencies', { code: 'USD' })).json().data
    const jpy = (await as.post('/api/currencies', { code: 'JPY', is_active: false })).json().data
    await api(t, (await buildTenant(t.db)).auth).post('/api/currencies', { code: 'GBP' })
    const all = (await as.get('/api/currencies')).json().data
    assert.deepEqual(
      all.map((c: Currency) => c.code),
      ['EUR', 'USD', 'JPY'],
    )
    assert.deepEqual(all.slice(1), [usd, jpy])
    const active = (await as.get('/api/currencies?is_active=true')).json().data
    assert.deepEqual(
      active.map((c: Currency) => c.code),
      ['EUR', 'USD'],
    )
    const inactive = (await as.get('/api/currencies?is_active=false')).json().data
    assert.deepEqual(
      inactive.map((c: Currency) => c.id),
      [jpy.id],
    )
    const first = (await as.get('/api/currencies?limit=2')).json()
    assert.equal(first.data.length, 2)
    assert.equal(first.has_more, true)
    const second = (await as.get(`/api/currencies?limit=2&cursor=${first.next_cursor}`)).json()
    assert.deepEqual(
      second.data.map((c: Currency) => c.code),
      ['JPY'],
    )
    assert.equal(second.has_more, false)
  })

  it('answers 400 naming a bad is_active or an unknown parameter', async () => {
    const bad = await call.get('/api/currencies?is_active=maybe')
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error, /is_active/)
    const unknown = await call.get('/api/currencies?code=EUR')
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
  })
})

describe('POST /api/currencies', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('enables a currency from its code alone: ISO name and minor units, api_name the code', async () => {
    const res = await call.post('/api/currencies', { code: 'usd' })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        code: 'USD',
        api_name: 'USD',
        name: 'US Dollar',
        minor_units: 2,
        is_active: true,
        is_default: false,
        created_at: null,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/currencies/${data.id}`)).json().data, data)
    const events = await eventsOf(t.db, tenant.workspaceId, data.id)
    assert.deepEqual(events, [{ type: 'currency.created', data }])
  })

  it('takes minor units from ISO 4217: JPY 0, TND 3', async () => {
    const jpy = (await call.post('/api/currencies', { code: 'JPY' })).json().data
    const tnd = (await call.post('/api/currencies', { code: 'TND' })).json().data
    assert.deepEqual([jpy.minor_units, tnd.minor_units], [0, 3])
    assert.equal(jpy.name, 'Yen')
  })

  it('takes api_name, name (trimmed) and is_active', async () => {
    const res = await call.post('/api/currencies', {
      code: 'CHF',
      api_name: 'swiss_franc',
      name: '  Franc suisse ',
      is_active: false,
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(
      [data.code, data.api_name, data.name, data.is_active, data.is_default],
      ['CHF', 'swiss_franc', 'Franc suisse', false, false],
    )
  })

  it('makes a new default in place of the old one, with an updated event for the old one', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const eur = (await as.get('/api/currencies')).json().data[0]
    const res = await as.post('/api/currencies', { code: 'GBP', is_default: true })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.is_default, true)
    const after = await as.get(`/api/currencies/${eur.id}`)
    assert.equal(after.json().data.is_default, false)
    assert.equal(after.headers.etag, '"2"')
    assert.deepEqual(await eventsOf(t.db, own.workspaceId, eur.id), [
      { type: 'currency.updated', data: after.json().data },
    ])
    const defaults = (await as.get('/api/currencies')).json().data.filter((c: Currency) => c.is_default)
    assert.deepEqual(
      defaults.map((c: Currency) => c.code),
      ['GBP'],
    )
  })

  it('answers 400 naming code for an unknown code, one that is not money, a malformed one', async () => {
    for (const code of ['ABC', 'XXX', 'XTS', 'XBA']) {
      const res = await call.post('/api/currencies', { code })
      assert.equal(res.statusCode, 400, code)
      assert.deepEqual(res.json().details, [
        `Field 'code' must be an ISO 4217 currency code: '${code}' is not the code of a currency`,
      ])
    }
    for (const code of ['EU', 'EURO', '978', '']) {
      const res = await call.post('/api/currencies', { code })
      assert.equal(res.statusCode, 400, code)
      assert.match(res.json().details[0], /^Field 'code' must be a three-letter ISO 4217 currency code/)
    }
    const missing = await call.post('/api/currencies', {})
    assert.deepEqual(missing.json().details, ["Field 'code' is required"])
  })

  it('names every invalid field at once', async () => {
    const res = await call.post('/api/currencies', {
      code: 'CAD',
      api_name: 'two words',
      name: ' ',
      is_active: 'yes',
      is_default: 1,
      minor_units: 2,
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'api_name' must be letters and digits in words joined by single underscores, such as EUR or eur_invoicing",
      "Field 'is_active' must be of type boolean",
      "Field 'is_default' must be of type boolean",
      "Field 'minor_units' is not allowed",
      "Field 'name' must not be blank",
    ])
  })

  it('answers 409 naming the currency that has the code, or the api_name, and writes nothing', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const eur = (await as.get('/api/currencies')).json().data[0]
    const again = await as.post('/api/currencies', { code: 'eur' })
    assert.equal(again.statusCode, 409)
    assert.deepEqual(again.json(), {
      success: false,
      error: `code 'EUR' is already used by currency ${eur.id} (Euro)`,
      code: 'conflict',
    })
    const name = await as.post('/api/currencies', { code: 'USD', api_name: 'EUR' })
    assert.equal(name.statusCode, 409)
    assert.equal(name.json().error, `api_name 'EUR' is already used by currency ${eur.id} (Euro)`)
    // The default api_name (the code) is taken by another currency: the same 409.
    await as.post('/api/currencies', { code: 'SEK', api_name: 'NOK' })
    const implicit = await as.post('/api/currencies', { code: 'NOK' })
    assert.equal(implicit.statusCode, 409)
    assert.match(implicit.json().error, /^api_name 'NOK' is already used by currency/)
    assert.equal((await as.get('/api/currencies')).json().data.length, 2)
  })

  it('answers 409 to a default that would be inactive', async () => {
    const res = await call.post('/api/currencies', { code: 'AUD', is_default: true, is_active: false })
    assert.equal(res.statusCode, 409)
    assert.match(res.json().error, /default currency must be active/)
  })
})

describe('GET /api/currencies/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('returns the currency with its ETag, 304 when it has not changed', async () => {
    const eur = (await call.get('/api/currencies')).json().data[0]
    const res = await call.get(`/api/currencies/${eur.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, data: eur })
    assert.equal(res.headers.etag, '"1"')
    const cached = await call.get(`/api/currencies/${eur.id}`, { ...tenant.auth, 'if-none-match': '"1"' })
    assert.equal(cached.statusCode, 304)
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's", async () => {
    const other = await buildTenant(t.db)
    const theirs = (await api(t, other.auth).get('/api/currencies')).json().data[0].id
    for (const id of [uuidv7(), 'not-a-uuid', theirs]) {
      const res = await call.get(`/api/currencies/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Currency not found', code: 'not_found' })
    }
  })
})

describe('PATCH /api/currencies/{id}', () => {
  const t = useTestApp()

  const fresh = async () => {
    const tenant = await buildTenant(t.db)
    const as = api(t, tenant.auth)
    const eur = (await as.get('/api/currencies')).json().data[0]
    return { tenant, as, eur }
  }

  it('renames, changes the api_name, deactivates; the ETag moves', async () => {
    const { as } = await fresh()
    const usd = (await as.post('/api/currencies', { code: 'USD' })).json().data
    const res = await as.patch(`/api/currencies/${usd.id}`, {
      name: ' Dollar ',
      api_name: 'usd_main',
      is_active: false,
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual([data.name, data.api_name, data.is_active], ['Dollar', 'usd_main', false])
    assert.equal(res.headers.etag, '"2"')
    const same = await as.patch(`/api/currencies/${usd.id}`, { name: 'Dollar' })
    assert.equal(same.headers.etag, '"2"')
  })

  it('moves the default: the previous one is cleared in the same write, with its event', async () => {
    const { tenant, as, eur } = await fresh()
    const usd = (await as.post('/api/currencies', { code: 'USD' })).json().data
    const res = await as.patch(`/api/currencies/${usd.id}`, { is_default: true })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().data.is_default, true)
    const old = (await as.get(`/api/currencies/${eur.id}`)).json().data
    assert.equal(old.is_default, false)
    assert.deepEqual(await eventsOf(t.db, tenant.workspaceId, eur.id), [
      { type: 'currency.updated', data: old },
    ])
    assert.deepEqual(
      (await eventsOf(t.db, tenant.workspaceId, usd.id)).map((e) => e.type),
      ['currency.created', 'currency.updated'],
    )
    // Making the default the default again changes nothing.
    const again = await as.patch(`/api/currencies/${usd.id}`, { is_default: true })
    assert.equal(again.headers.etag, res.headers.etag)
    // The euro can now be deactivated, and made the default again only with is_active true.
    assert.equal((await as.patch(`/api/currencies/${eur.id}`, { is_active: false })).statusCode, 200)
    const inactive = await as.patch(`/api/currencies/${eur.id}`, { is_default: true })
    assert.equal(inactive.statusCode, 409)
    assert.match(inactive.json().error, /^EUR is inactive and cannot become the default/)
    const back = await as.patch(`/api/currencies/${eur.id}`, { is_default: true, is_active: true })
    assert.equal(back.statusCode, 200, back.body)
    assert.equal((await as.get(`/api/currencies/${usd.id}`)).json().data.is_default, false)
  })

  it('answers 409 to is_default false or is_active false on the default, and changes nothing', async () => {
    const { as, eur } = await fresh()
    const unset = await as.patch(`/api/currencies/${eur.id}`, { is_default: false })
    assert.equal(unset.statusCode, 409)
    assert.deepEqual(unset.json(), {
      success: false,
      error:
        'EUR is the default currency, and a workspace always has one: make another currency the default ' +
        'instead (is_default true on it)',
      code: 'conflict',
    })
    const off = await as.patch(`/api/currencies/${eur.id}`, { is_active: false, name: 'Gone' })
    assert.equal(off.statusCode, 409)
    assert.match(off.json().error, /^EUR is the default currency, which cannot be deactivated/)
    assert.deepEqual((await as.get(`/api/currencies/${eur.id}`)).json().data, eur)
  })

  it('accepts read-only fields sent back unchanged, refuses a new code', async () => {
    const { as, eur } = await fresh()
    const echo = await as.patch(`/api/currencies/${eur.id}`, { ...eur, name: 'Euro (EU)' })
    assert.equal(echo.statusCode, 200, echo.body)
    assert.equal(echo.json().data.name, 'Euro (EU)')
    const code = await as.patch(`/api/currencies/${eur.id}`, { code: 'USD', minor_units: 3 })
    assert.equal(code.statusCode, 400)
    assert.deepEqual(code.json().details, [
      "Field 'code' is read-only: it cannot change, and differs from the stored value",
      "Field 'minor_units' is read-only: it cannot change, and differs from the stored value",
    ])
  })

  it('answers 409 naming the holder of an api_name, 400 naming invalid fields', async () => {
    const { as, eur } = await fresh()
    const usd = (await as.post('/api/currencies', { code: 'USD' })).json().data
    const taken = await as.patch(`/api/currencies/${usd.id}`, { api_name: 'EUR' })
    assert.equal(taken.statusCode, 409)
    assert.equal(taken.json().error, `api_name 'EUR' is already used by currency ${eur.id} (Euro)`)
    const bad = await as.patch(`/api/currencies/${usd.id}`, { name: null, api_name: '', is_default: 'y' })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual([...bad.json().details].sort(), [
      "Field 'api_name' must not be empty",
      "Field 'is_default' must be of type boolean",
      "Field 'name' must be of type string",
    ])
  })

  it('answers 404 to an unknown id; DELETE is 405', async () => {
    const { as, eur } = await fresh()
    const res = await as.patch(`/api/currencies/${uuidv7()}`, { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Currency not found', code: 'not_found' })
    // Currencies are deactivated, never deleted.
    assert.equal((await as.del(`/api/currencies/${eur.id}`)).statusCode, 405)
    assert.equal((await as.get(`/api/currencies/${eur.id}`)).statusCode, 200)
  })
})
