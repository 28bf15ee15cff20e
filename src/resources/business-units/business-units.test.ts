import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, buildWorkspace, useTestApp } from '../../../test/helpers.ts'
import { insertQuoteRow } from '../../../test/quote-rows.ts'

const KEYS = [
  'id',
  'type',
  'brand',
  'name',
  'logo',
  'tax_ids',
  'address',
  'is_default',
  'created_at',
  'updated_at',
]
const ADDRESS_KEYS = ['line1', 'line2', 'city', 'postal_code', 'state', 'country']

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Unit = { id: string; name: string; is_default: boolean }

const ACME = {
  type: 'company',
  brand: 'Acme',
  name: ' Acme SAS ',
  logo: { url: 'https://acme.example/logo.png', alt: 'Acme' },
  // A real SIREN (La Poste's) and a VAT number that is not one.
  tax_ids: [
    { code: 'SIREN', value: '356000000' },
    { code: 'VAT', value: 'FR00000000000' },
  ],
  address: { line1: '10 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'fr' },
}

describe('GET /api/business-units', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('starts with a default named after the workspace, in its default country, keys in order', async () => {
    const res = await call.get('/api/business-units')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 1)
    const [unit] = body.data
    assert.deepEqual(Object.keys(unit), KEYS)
    assert.deepEqual(Object.keys(unit.address), ADDRESS_KEYS)
    assert.deepEqual(
      { ...unit, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        type: 'company',
        brand: 'Test workspace',
        name: 'Test workspace',
        logo: null,
        tax_ids: [],
        address: { line1: null, line2: null, city: null, postal_code: null, state: null, country: 'FR' },
        is_default: true,
        created_at: undefined,
        updated_at: undefined,
      },
    )
  })

  it('gives a workspace of another default country its country', async () => {
    const ws = await buildWorkspace(t.db, 'Berlin GmbH', { default_country: 'DE' })
    const token = await buildToken(t.db, ws.id)
    const [unit] = (await api(t, token.auth).get('/api/business-units')).json().data
    assert.deepEqual([unit.name, unit.address.country], ['Berlin GmbH', 'DE'])
  })

  it("filters by is_default and type, pages, and never shows another workspace's", async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    for (const name of ['One', 'Two']) {
      assert.equal((await as.post('/api/business-units', { type: 'individual', name })).statusCode, 201)
    }
    await api(t, (await buildTenant(t.db)).auth).post('/api/business-units', { type: 'company', name: 'X' })
    const names = async (query: string) =>
      (await as.get(`/api/business-units${query}`)).json().data.map((u: Unit) => u.name)
    assert.deepEqual(await names(''), ['Test workspace', 'One', 'Two'])
    assert.deepEqual(await names('?is_default=true'), ['Test workspace'])
    assert.deepEqual(await names('?is_default=false&type=individual'), ['One', 'Two'])
    assert.deepEqual(await names('?type=company'), ['Test workspace'])
    const first = (await as.get('/api/business-units?limit=2')).json()
    assert.equal(first.has_more, true)
    const next = (await as.get(`/api/business-units?limit=2&cursor=${first.next_cursor}`)).json()
    assert.deepEqual(
      next.data.map((u: Unit) => u.name),
      ['Two'],
    )
  })

  it('answers 400 naming a bad filter, 401 without a token, 403 without settings:read', async () => {
    for (const [query, field] of [
      ['?type=robot', 'type'],
      ['?is_default=maybe', 'is_default'],
    ]) {
      const res = await call.get(`/api/business-units${query}`)
      assert.equal(res.statusCode, 400, query)
      assert.match(res.json().error, new RegExp(`'${field}'`))
    }
    assert.equal((await call.get('/api/business-units', {})).statusCode, 401)
    const reader = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    const res = await call.get('/api/business-units', reader.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error, "This token lacks the 'settings:read' permission")
  })
})

describe('POST /api/business-units', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('creates a business unit: trimmed, country upper case, a bad tax id stored with a warning', async () => {
    const res = await call.post('/api/business-units', ACME)
    assert.equal(res.statusCode, 201, res.body)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'warnings'])
    assert.equal(body.warnings.length, 1)
    assert.match(body.warnings[0], /^tax_ids\[1\] \(VAT FR00000000000\)/)
    const { data } = body
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        type: 'company',
        brand: 'Acme',
        name: 'Acme SAS',
        logo: { url: 'https://acme.example/logo.png', alt: 'Acme' },
        tax_ids: ACME.tax_ids,
        address: {
          line1: '10 rue de la Paix',
          line2: null,
          city: 'Paris',
          postal_code: '75002',
          state: null,
          country: 'FR',
        },
        is_default: false,
        created_at: null,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/business-units/${data.id}`)).json().data, data)
    const event = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.equal(event.type, 'business_unit.created')
  })

  it('refuses a failing tax id under strict validation, naming it, and creates nothing', async () => {
    const strict = await buildTenant(t.db, ['*'], { tax_id_validation: 'strict' })
    const as = api(t, strict.auth)
    const res = await as.post('/api/business-units', ACME)
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().details.length, 1)
    assert.match(res.json().details[0], /^tax_ids\[1\] \(VAT FR00000000000\)/)
    assert.equal((await as.get('/api/business-units')).json().data.length, 1)
    const good = await as.post('/api/business-units', { ...ACME, tax_ids: [ACME.tax_ids[0]] })
    assert.equal(good.statusCode, 201, good.body)
    assert.equal(good.json().warnings, undefined)
  })

  it('with is_default true, moves the default here and records the former default updated', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const [former] = (await as.get('/api/business-units')).json().data
    const res = await as.post('/api/business-units', { type: 'company', name: 'New HQ', is_default: true })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.is_default, true)
    const defaults = (await as.get('/api/business-units?is_default=true')).json().data
    assert.deepEqual(
      defaults.map((u: Unit) => u.name),
      ['New HQ'],
    )
    const after = (await as.get(`/api/business-units/${former.id}`)).json().data
    assert.equal(after.is_default, false)
    const events = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', former.id)
      .execute()
    assert.deepEqual(
      events.map((e) => e.type),
      ['business_unit.updated'],
    )
  })

  it('answers 400 naming each field at fault', async () => {
    const cases: [object, string][] = [
      [{ name: 'X' }, "Field 'type' is required"],
      [{ type: 'robot', name: 'X' }, "Field 'type' must be one of"],
      [{ type: 'company' }, "Field 'name' is required"],
      [{ type: 'company', name: '  ' }, "Field 'name' must not be blank"],
      [{ type: 'company', name: 'X', address: { country: 'XX' } }, "Field 'address.country' must be"],
      [{ type: 'company', name: 'X', address: { town: 'Paris' } }, "Field 'address.town' is not allowed"],
      [{ type: 'company', name: 'X', logo: { url: 'ftp://x/y.png' } }, "Field 'logo.url' must be"],
      [{ type: 'company', name: 'X', logo: { alt: 'no url' } }, "Field 'logo.url' is required"],
      [{ type: 'company', name: 'X', tax_ids: [{ code: 'VAT' }] }, "Field 'tax_ids[0].value' is required"],
      [{ type: 'company', name: 'X', tax_ids: [{ tax: 'VAT', tax_value: '1' }] }, "'tax_ids[0].tax'"],
      [{ type: 'company', name: 'X', is_default: 'yes' }, "Field 'is_default' must be of type boolean"],
      [{ type: 'company', name: 'X', color: 'red' }, "Field 'color' is not allowed"],
    ]
    for (const [body, message] of cases) {
      const res = await call.post('/api/business-units', body)
      assert.equal(res.statusCode, 400, JSON.stringify(body))
      assert.ok(
        res.json().details.some((d: string) => d.includes(message)),
        `${JSON.stringify(body)}: ${res.body}`,
      )
    }
  })

  it('answers 403 to a token with settings:read only', async () => {
    const reader = await buildToken(t.db, tenant.workspaceId, ['settings:read'])
    const res = await call.post('/api/business-units', { type: 'company', name: 'X' }, reader.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error, "This token lacks the 'settings:write' permission")
  })
})

describe('GET /api/business-units/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('returns the business unit with its ETag', async () => {
    const [unit] = (await call.get('/api/business-units')).json().data
    const res = await call.get(`/api/business-units/${unit.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, data: unit })
    assert.equal(res.headers.etag, '"1"')
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's", async () => {
    const theirs = (await api(t, (await buildTenant(t.db)).auth).get('/api/business-units')).json().data[0]
    for (const id of [uuidv7(), 'nope', theirs.id]) {
      const res = await call.get(`/api/business-units/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Business unit not found', code: 'not_found' })
      assert.equal((await call.patch(`/api/business-units/${id}`, { name: 'Mine' })).statusCode, 404)
      assert.equal((await call.del(`/api/business-units/${id}`)).statusCode, 404)
    }
    const still = await api(t, () => ({})).get(`/api/business-units/${theirs.id}`)
    assert.equal(still.statusCode, 401)
  })
})

describe('PATCH /api/business-units/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('changes the address parts given and keeps the others; logo null removes it', async () => {
    const unit = (await call.post('/api/business-units', ACME)).json().data
    const res = await call.patch(`/api/business-units/${unit.id}`, {
      address: { line2: 'Bâtiment B', city: 'Lyon', postal_code: null },
      logo: null,
      tax_ids: [],
      brand: null,
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(data.address, {
      line1: '10 rue de la Paix',
      line2: 'Bâtiment B',
      city: 'Lyon',
      postal_code: null,
      state: null,
      country: 'FR',
    })
    assert.deepEqual([data.logo, data.tax_ids, data.brand], [null, [], null])
    assert.equal(res.headers.etag, '"2"')
    // The GET sent back unchanged changes nothing.
    const same = await call.patch(`/api/business-units/${unit.id}`, data)
    assert.equal(same.statusCode, 200)
    assert.equal(same.headers.etag, '"2"')
  })

  it('moves the default with is_default true; false on the default is a 409', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const [former] = (await as.get('/api/business-units')).json().data
    const other = (await as.post('/api/business-units', { type: 'company', name: 'Other' })).json().data
    const refused = await as.patch(`/api/business-units/${former.id}`, { is_default: false })
    assert.equal(refused.statusCode, 409)
    assert.match(refused.json().error, /is the default, and a workspace always has one/)
    const moved = await as.patch(`/api/business-units/${other.id}`, { is_default: true })
    assert.equal(moved.statusCode, 200, moved.body)
    assert.equal(moved.json().data.is_default, true)
    assert.equal((await as.get(`/api/business-units/${former.id}`)).json().data.is_default, false)
    assert.deepEqual(
      (await as.get('/api/business-units?is_default=true')).json().data.map((u: Unit) => u.id),
      [other.id],
    )
  })

  it('checks tax ids under strict validation, and refuses a read-only field changed', async () => {
    const strict = await buildTenant(t.db, ['*'], { tax_id_validation: 'strict' })
    const as = api(t, strict.auth)
    const [unit] = (await as.get('/api/business-units')).json().data
    const bad = await as.patch(`/api/business-units/${unit.id}`, { tax_ids: [{ code: 'SIREN', value: '1' }] })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().details[0], /^tax_ids\[0\] \(SIREN 1\)/)
    const ro = await as.patch(`/api/business-units/${unit.id}`, { created_at: '2020-01-01T00:00:00Z' })
    assert.equal(ro.statusCode, 400)
    assert.match(ro.json().details[0], /'created_at' is read-only/)
    const type = await as.patch(`/api/business-units/${unit.id}`, { type: 'person' })
    assert.equal(type.statusCode, 400)
    assert.match(type.json().details[0], /'type' must be one of/)
  })
})

describe('DELETE /api/business-units/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('deletes a unit for good, with its event', async () => {
    const unit = (await call.post('/api/business-units', { type: 'company', name: 'Gone' })).json().data
    const res = await call.del(`/api/business-units/${unit.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'Business unit deleted successfully' })
    assert.equal((await call.get(`/api/business-units/${unit.id}`)).statusCode, 404)
    const event = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', unit.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    assert.equal(event.type, 'business_unit.deleted')
  })

  it('answers 409 for the default', async () => {
    const [unit] = (await call.get('/api/business-units?is_default=true')).json().data
    const res = await call.del(`/api/business-units/${unit.id}`)
    assert.equal(res.statusCode, 409)
    assert.match(res.json().error, /is the default, and a workspace always has one: make another/)
    assert.equal((await call.get(`/api/business-units/${unit.id}`)).statusCode, 200)
  })

  it('answers 409 while quotes name it, saying how many', async () => {
    const unit = (await call.post('/api/business-units', { type: 'company', name: 'Used' })).json().data
    await insertQuoteRow(t.db, tenant.workspaceId, { businessUnitId: unit.id })
    const res = await call.del(`/api/business-units/${unit.id}`)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Business unit is used by 1 quote: give the quote another business unit first',
      code: 'conflict',
    })
    await insertQuoteRow(t.db, tenant.workspaceId, { businessUnitId: unit.id })
    assert.match((await call.del(`/api/business-units/${unit.id}`)).json().error, /used by 2 quotes/)
    assert.equal((await call.get(`/api/business-units/${unit.id}`)).statusCode, 200)
  })
})
