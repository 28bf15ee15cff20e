import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'

const KEYS = [
  'id',
  'name',
  'api_name',
  'reference',
  'description',
  'status',
  'type',
  'catalog_id',
  'currency_id',
  'currency_code',
  'base_pricebook_id',
  'adjustment_percent',
  'rounding',
  'rounding_value',
  'segment_ids',
  'created_at',
  'updated_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Api = ReturnType<typeof api>

/** A currency inserted directly (the currencies routes are another resource's). */
async function insertCurrency(db: Db, workspaceId: string, code: string, active = true) {
  const id = uuidv7()
  const at = nextInstant()
  await db.kysely
    .insertInto('currencies')
    .values({
      id,
      workspace_id: workspaceId,
      code,
      api_name: code,
      name: code,
      is_active: active ? 1 : 0,
      is_default: 0,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

/** What a new workspace starts with: its Standard catalog, its euro, its Standard pricebook. */
async function defaults(a: Api) {
  const catalog = (await a.get('/api/catalogs')).json().data[0]
  const standard = (await a.get('/api/pricebooks')).json().data[0]
  return { catalog, standard }
}

const invalid = (details: string[]) => ({
  success: false,
  error: 'Validation error',
  code: 'validation_failed',
  details,
})

describe('GET /api/pricebooks', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('starts with the "Standard" pricebook: fixed, on the Standard catalog, in the default euro', async () => {
    const res = await a.get('/api/pricebooks')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 1)
    const [standard] = body.data
    assert.deepEqual(Object.keys(standard), KEYS)
    const catalog = (await a.get('/api/catalogs')).json().data[0]
    const euro = await t.db.kysely
      .selectFrom('currencies')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('code', '=', 'EUR')
      .executeTakeFirstOrThrow()
    assert.match(standard.id, UUID)
    assert.deepEqual(
      { ...standard, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'Standard',
        api_name: 'standard',
        reference: null,
        description: null,
        status: 'active',
        type: 'fixed',
        catalog_id: catalog.id,
        currency_id: euro.id,
        currency_code: 'EUR',
        base_pricebook_id: null,
        adjustment_percent: null,
        rounding: null,
        rounding_value: null,
        segment_ids: [],
        created_at: undefined,
        updated_at: undefined,
      },
    )
    assert.match(standard.created_at, WIRE_TIME)
    assert.equal(body.has_more, false)
  })

  it("filters by status, type, catalog_id, currency_id and segment_id; never shows another workspace's", async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const { catalog, standard } = await defaults(as)
    const other = (await as.post('/api/catalogs', { name: 'Export' })).json().data
    const usd = await insertCurrency(t.db, own.workspaceId, 'USD')
    const segment = (await as.post('/api/segments', { name: 'Partners' })).json().data
    const abroad = (
      await as.post('/api/pricebooks', {
        name: 'Abroad',
        catalog_id: other.id,
        currency_id: usd,
        status: 'inactive',
      })
    ).json().data
    const partners = (
      await as.post('/api/pricebooks', {
        name: 'Partners',
        type: 'dynamic',
        base_pricebook_id: standard.id,
        adjustment_percent: -10,
        segment_ids: [segment.id],
      })
    ).json().data
    await api(t, tenant.auth).post('/api/pricebooks', {
      name: 'Theirs',
      catalog_id: (await defaults(a)).catalog.id,
    })
    const names = async (query = '') =>
      (await as.get(`/api/pricebooks${query}`)).json().data.map((p: { name: string }) => p.name)
    assert.deepEqual(await names(), ['Standard', 'Abroad', 'Partners'])
    assert.deepEqual(await names('?status=inactive'), ['Abroad'])
    assert.deepEqual(await names('?status=active'), ['Standard', 'Partners'])
    assert.deepEqual(await names('?type=dynamic'), ['Partners'])
    assert.deepEqual(await names(`?catalog_id=${catalog.id}`), ['Standard'])
    assert.deepEqual(await names(`?catalog_id=${other.id.toUpperCase()}`), ['Abroad'])
    assert.deepEqual(await names(`?currency_id=${usd}`), ['Abroad'])
    assert.deepEqual(await names(`?currency_id=${standard.currency_id}`), ['Standard', 'Partners'])
    assert.deepEqual(await names(`?segment_id=${segment.id}`), ['Partners'])
    assert.deepEqual(await names('?segment_id=not-a-uuid'), [])
    const listed = (await as.get('/api/pricebooks')).json().data
    assert.deepEqual(listed.slice(1), [abroad, partners])
  })

  it('walks every pricebook with limit=2, without duplicates', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const { catalog } = await defaults(as)
    for (let i = 0; i < 3; i++)
      await as.post('/api/pricebooks', { name: `Market ${i}`, catalog_id: catalog.id })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await as.get(`/api/pricebooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      const body: { data: { api_name: string }[]; next_cursor: string | null } = res.json()
      seen.push(...body.data.map((p) => p.api_name))
      cursor = body.next_cursor
    } while (cursor)
    assert.deepEqual(seen, ['standard', 'market_0', 'market_1', 'market_2'])
  })

  it('answers 400 naming a bad filter or an unknown parameter', async () => {
    const bad = await a.get('/api/pricebooks?type=tiered')
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error, /'type'/)
    const unknown = await a.get('/api/pricebooks?catalog=x')
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
  })

  it('needs pricing:read', async () => {
    const token = await buildToken(t.db, tenant.workspaceId, ['catalog:read'])
    const res = await a.get('/api/pricebooks', token.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error, "This token lacks the 'pricing:read' permission")
    const reader = await buildToken(t.db, tenant.workspaceId, ['pricing:read'])
    assert.equal((await a.get('/api/pricebooks', reader.auth)).statusCode, 200)
  })
})

describe('POST /api/pricebooks', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  let catalog: { id: string }
  let standard: { id: string; currency_id: string }

  before(async () => {
    tenant = await buildTenant(t.db)
    ;({ catalog, standard } = await defaults(a))
  })

  it('creates a fixed pricebook on a catalog, in the default currency, api_name made from the name', async () => {
    const segment = (await a.post('/api/segments', { name: 'Resellers' })).json().data
    const res = await a.post('/api/pricebooks', {
      name: '  Resellers EU ',
      reference: ' PB-002 ',
      description: 'For resellers',
      catalog_id: catalog.id.toUpperCase(),
      segment_ids: [segment.id, segment.id.toUpperCase()],
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        name: 'Resellers EU',
        api_name: 'resellers_eu',
        reference: 'PB-002',
        description: 'For resellers',
        status: 'active',
        type: 'fixed',
        catalog_id: catalog.id,
        currency_id: standard.currency_id,
        currency_code: 'EUR',
        base_pricebook_id: null,
        adjustment_percent: null,
        rounding: null,
        rounding_value: null,
        segment_ids: [segment.id],
        created_at: null,
        updated_at: null,
      },
    )
    assert.match(res.headers.etag as string, /^"\d+"$/)
    assert.deepEqual((await a.get(`/api/pricebooks/${data.id}`)).json().data, data)
    const again = (await a.post('/api/pricebooks', { name: 'Resellers EU', catalog_id: catalog.id })).json()
      .data
    assert.equal(again.api_name, 'resellers_eu_2')
  })

  it('takes an active currency of the workspace, and keeps the segments in the order given', async () => {
    const usd = await insertCurrency(t.db, tenant.workspaceId, 'USD')
    const first = (await a.post('/api/segments', { name: 'First' })).json().data
    const second = (await a.post('/api/segments', { name: 'Second' })).json().data
    const res = await a.post('/api/pricebooks', {
      name: 'Americas',
      catalog_id: catalog.id,
      currency_id: usd,
      status: 'inactive',
      segment_ids: [second.id, first.id],
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.equal(data.currency_id, usd)
    assert.equal(data.currency_code, 'USD')
    assert.equal(data.status, 'inactive')
    assert.deepEqual(data.segment_ids, [second.id, first.id])
  })

  it('creates a dynamic pricebook on a fixed base, in its currency, with its rule', async () => {
    const res = await a.post('/api/pricebooks', {
      name: 'Partners',
      type: 'dynamic',
      base_pricebook_id: standard.id,
      adjustment_percent: -10,
      rounding: 'ending',
      rounding_value: 0.99,
      currency_id: standard.currency_id,
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(
      {
        type: data.type,
        catalog_id: data.catalog_id,
        currency_id: data.currency_id,
        currency_code: data.currency_code,
        base_pricebook_id: data.base_pricebook_id,
        adjustment_percent: data.adjustment_percent,
        rounding: data.rounding,
        rounding_value: data.rounding_value,
      },
      {
        type: 'dynamic',
        catalog_id: null,
        currency_id: standard.currency_id,
        currency_code: 'EUR',
        base_pricebook_id: standard.id,
        adjustment_percent: -10,
        rounding: 'ending',
        rounding_value: 0.99,
      },
    )
    const stored = await t.db.kysely
      .selectFrom('pricebooks')
      .select(['adjustment_percent', 'rounding_value'])
      .where('id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.deepEqual([String(stored.adjustment_percent), String(stored.rounding_value)], ['-10', '0.99'])
  })

  it("rounds to the minor unit when no rounding is given, and takes the base's currency", async () => {
    const usd = await insertCurrency(t.db, tenant.workspaceId, 'CHF')
    const base = (
      await a.post('/api/pricebooks', { name: 'Swiss', catalog_id: catalog.id, currency_id: usd })
    ).json().data
    const res = await a.post('/api/pricebooks', {
      name: 'Swiss plus',
      type: 'dynamic',
      base_pricebook_id: base.id,
      adjustment_percent: 12.3456,
      rounding: null,
      rounding_value: null,
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.equal(data.currency_code, 'CHF')
    assert.equal(data.rounding, 'minor_unit')
    assert.equal(data.rounding_value, null)
    assert.equal(data.adjustment_percent, 12.3456)
    const step = await a.post('/api/pricebooks', {
      name: 'Swiss step',
      type: 'dynamic',
      base_pricebook_id: base.id,
      adjustment_percent: 5,
      rounding: 'step',
      rounding_value: 0.05,
    })
    assert.equal(step.statusCode, 201, step.body)
    assert.equal(step.json().data.rounding_value, 0.05)
  })

  it('names every invalid field of a fixed pricebook at once', async () => {
    const inactive = await insertCurrency(t.db, tenant.workspaceId, 'GBP', false)
    const res = await a.post('/api/pricebooks', {
      name: 'Broken',
      catalog_id: uuidv7(),
      currency_id: inactive,
      base_pricebook_id: standard.id,
      adjustment_percent: 5,
      rounding: 'step',
      rounding_value: 1,
      segment_ids: [uuidv7(), 'nope'],
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(
      res.json(),
      invalid([
        "Field 'base_pricebook_id' is for dynamic pricebooks only",
        "Field 'adjustment_percent' is for dynamic pricebooks only",
        "Field 'rounding' is for dynamic pricebooks only",
        "Field 'rounding_value' is for dynamic pricebooks only",
        "Field 'catalog_id' does not name a catalog of this workspace",
        "Field 'currency_id' does not name an active currency of this workspace",
        "Field 'segment_ids[0]' does not name a segment of this workspace",
        "Field 'segment_ids[1]' does not name a segment of this workspace",
      ]),
    )
    const missing = await a.post('/api/pricebooks', { name: 'No catalog' })
    assert.deepEqual(missing.json(), invalid(["Field 'catalog_id' is required for a fixed pricebook"]))
  })

  it("refuses another workspace's catalog, segment and currency as unknown", async () => {
    const other = await buildTenant(t.db)
    const theirs = await defaults(api(t, other.auth))
    const segment = (await api(t, other.auth).post('/api/segments', { name: 'Theirs' })).json().data
    const res = await a.post('/api/pricebooks', {
      name: 'Intruder',
      catalog_id: theirs.catalog.id,
      currency_id: theirs.standard.currency_id,
      segment_ids: [segment.id],
    })
    assert.deepEqual(
      res.json(),
      invalid([
        "Field 'catalog_id' does not name a catalog of this workspace",
        "Field 'currency_id' does not name an active currency of this workspace",
        "Field 'segment_ids[0]' does not name a segment of this workspace",
      ]),
    )
    const dynamic = await a.post('/api/pricebooks', {
      name: 'Intruder',
      type: 'dynamic',
      base_pricebook_id: theirs.standard.id,
      adjustment_percent: 1,
    })
    assert.deepEqual(
      dynamic.json(),
      invalid(["Field 'base_pricebook_id' does not name a pricebook of this workspace"]),
    )
  })

  it('names every invalid field of a dynamic pricebook at once', async () => {
    const none = await a.post('/api/pricebooks', {
      name: 'Rule-less',
      type: 'dynamic',
      catalog_id: catalog.id,
    })
    assert.deepEqual(
      none.json(),
      invalid([
        "Field 'catalog_id' is for fixed pricebooks only: a dynamic pricebook uses its base pricebook's catalog",
        "Field 'adjustment_percent' is required for a dynamic pricebook",
        "Field 'base_pricebook_id' is required for a dynamic pricebook",
      ]),
    )
    const dynamic = (
      await a.post('/api/pricebooks', {
        name: 'Chained base',
        type: 'dynamic',
        base_pricebook_id: standard.id,
        adjustment_percent: 1,
      })
    ).json().data
    const chained = await a.post('/api/pricebooks', {
      name: 'Chain',
      type: 'dynamic',
      base_pricebook_id: dynamic.id,
      adjustment_percent: 1,
    })
    assert.deepEqual(
      chained.json(),
      invalid([
        "Field 'base_pricebook_id' must name a fixed pricebook: a dynamic pricebook cannot be the base of another",
      ]),
    )
    const usd = await insertCurrency(t.db, tenant.workspaceId, 'SEK')
    const currency = await a.post('/api/pricebooks', {
      name: 'Elsewhere',
      type: 'dynamic',
      base_pricebook_id: standard.id,
      adjustment_percent: 1,
      currency_id: usd,
    })
    assert.deepEqual(
      currency.json(),
      invalid([
        "Field 'currency_id' must be the base pricebook's currency (EUR): a dynamic pricebook is in its base's currency",
      ]),
    )
  })

  it('checks the rule: the percentage range and decimals, the rounding value each rounding needs', async () => {
    const rule = (body: object) =>
      a.post('/api/pricebooks', { name: 'Rule', type: 'dynamic', base_pricebook_id: standard.id, ...body })
    const cases: [object, string][] = [
      [{ adjustment_percent: -100 }, "Field 'adjustment_percent' must be > -100"],
      [{ adjustment_percent: 1000.5 }, "Field 'adjustment_percent' must be <= 1000"],
      [{ adjustment_percent: 1.23456 }, "Field 'adjustment_percent' has at most 4 decimals"],
      [
        { adjustment_percent: 1, rounding: 'step' },
        "Field 'rounding_value' is required for rounding 'step': a step above 0, such as 0.05 or 5",
      ],
      [
        { adjustment_percent: 1, rounding: 'step', rounding_value: 0 },
        "Field 'rounding_value' is required for rounding 'step': a step above 0, such as 0.05 or 5",
      ],
      [
        { adjustment_percent: 1, rounding: 'ending', rounding_value: 1 },
        "Field 'rounding_value' is required for rounding 'ending': an ending from 0 to below 1, such as 0.99",
      ],
      [
        { adjustment_percent: 1, rounding_value: 0.99 },
        "Field 'rounding_value' is only for the 'step' and 'ending' roundings",
      ],
      [{ adjustment_percent: 1, rounding: 'nearest' }, "Field 'rounding' must be one of"],
      [{ adjustment_percent: '10' }, "Field 'adjustment_percent' must be of type number"],
    ]
    for (const [body, message] of cases) {
      const res = await rule(body)
      assert.equal(res.statusCode, 400, JSON.stringify(body))
      assert.equal(res.json().details.length, 1, res.body)
      assert.ok(res.json().details[0].startsWith(message), `${JSON.stringify(body)}: ${res.body}`)
    }
    const ending = await rule({ adjustment_percent: -10, rounding: 'ending', rounding_value: 0 })
    assert.equal(ending.statusCode, 201, ending.body)
  })

  it('answers 409 naming the pricebook that holds an api_name given, and leaves nothing behind', async () => {
    const res = await a.post('/api/pricebooks', {
      name: 'Mine',
      api_name: 'standard',
      catalog_id: catalog.id,
    })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: `api_name 'standard' is already used by pricebook ${standard.id} (Standard)`,
      code: 'conflict',
    })
    assert.deepEqual(
      (await a.get('/api/pricebooks')).json().data.filter((p: { name: string }) => p.name === 'Mine'),
      [],
    )
  })

  it('refuses unknown fields, a blank name, a bad type or status', async () => {
    const res = await a.post('/api/pricebooks', {
      name: ' ',
      type: 'tiered',
      status: 'archived',
      catalog_id: catalog.id,
      colour: 'red',
    })
    assert.equal(res.statusCode, 400)
    const details: string[] = res.json().details
    assert.equal(details.length, 4, res.body)
    for (const field of ['name', 'type', 'status', 'colour']) {
      assert.ok(
        details.some((d) => d.startsWith(`Field '${field}'`)),
        `${field}: ${res.body}`,
      )
    }
  })
})

describe('GET /api/pricebooks/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's pricebook", async () => {
    const other = await buildTenant(t.db)
    const theirs = (await defaults(api(t, other.auth))).standard
    for (const id of [uuidv7(), 'standard', theirs.id]) {
      const res = await a.get(`/api/pricebooks/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Pricebook not found', code: 'not_found' })
    }
  })

  it('answers 304 to the ETag it gave', async () => {
    const { standard } = await defaults(a)
    const first = await a.get(`/api/pricebooks/${standard.id}`)
    const again = await t.app.inject({
      method: 'GET',
      url: `/api/pricebooks/${standard.id}`,
      headers: { ...tenant.auth, 'if-none-match': first.headers.etag as string },
    })
    assert.equal(again.statusCode, 304)
  })
})

describe('PATCH /api/pricebooks/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  let catalog: { id: string }
  let standard: { id: string; currency_id: string }

  before(async () => {
    tenant = await buildTenant(t.db)
    ;({ catalog, standard } = await defaults(a))
  })

  const fixed = async (name = 'Fixed') =>
    (await a.post('/api/pricebooks', { name, catalog_id: catalog.id })).json().data
  const dynamic = async (rule: object = { adjustment_percent: -10 }) =>
    (
      await a.post('/api/pricebooks', {
        name: 'Dynamic',
        type: 'dynamic',
        base_pricebook_id: standard.id,
        ...rule,
      })
    ).json().data

  it('changes the fields given, keeps the api_name on a new name, moves updated_at and the ETag', async () => {
    const book = await fixed('Seasonal')
    const other = (await a.post('/api/catalogs', { name: 'Winter' })).json().data
    const res = await a.patch(`/api/pricebooks/${book.id}`, {
      name: 'Seasonal 2026',
      reference: 'S26',
      description: null,
      status: 'inactive',
      catalog_id: other.id,
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(
      { ...data, updated_at: null },
      {
        ...book,
        name: 'Seasonal 2026',
        api_name: 'seasonal',
        reference: 'S26',
        status: 'inactive',
        catalog_id: other.id,
        updated_at: null,
      },
    )
    assert.notEqual(res.headers.etag, '"1"')
    const renamed = await a.patch(`/api/pricebooks/${book.id}`, { api_name: 'seasonal_2026' })
    assert.equal(renamed.json().data.api_name, 'seasonal_2026')
  })

  it('replaces segment_ids wholesale, collapsing duplicates, and [] clears them', async () => {
    const book = await fixed('Segmented')
    const s1 = (await a.post('/api/segments', { name: 'S1' })).json().data
    const s2 = (await a.post('/api/segments', { name: 'S2' })).json().data
    const first = await a.patch(`/api/pricebooks/${book.id}`, { segment_ids: [s1.id, s2.id, s1.id] })
    assert.deepEqual(first.json().data.segment_ids, [s1.id, s2.id])
    const swapped = await a.patch(`/api/pricebooks/${book.id}`, { segment_ids: [s2.id, s1.id] })
    assert.deepEqual(swapped.json().data.segment_ids, [s2.id, s1.id])
    assert.notEqual(swapped.headers.etag, first.headers.etag)
    const same = await a.patch(`/api/pricebooks/${book.id}`, { segment_ids: [s2.id, s1.id] })
    assert.equal(same.headers.etag, swapped.headers.etag)
    const bad = await a.patch(`/api/pricebooks/${book.id}`, { segment_ids: [s1.id, uuidv7()] })
    assert.deepEqual(
      bad.json(),
      invalid(["Field 'segment_ids[1]' does not name a segment of this workspace"]),
    )
    const cleared = await a.patch(`/api/pricebooks/${book.id}`, { segment_ids: [] })
    assert.deepEqual(cleared.json().data.segment_ids, [])
  })

  it('takes a GET back unchanged, read-only and set-at-creation fields included', async () => {
    for (const book of [
      await fixed('Echo'),
      await dynamic({ adjustment_percent: 5.5, rounding: 'step', rounding_value: 5 }),
    ]) {
      const read = await a.get(`/api/pricebooks/${book.id}`)
      const res = await a.patch(`/api/pricebooks/${book.id}`, {
        ...read.json().data,
        currency_id: book.currency_id.toUpperCase(),
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.headers.etag, read.headers.etag)
      assert.deepEqual(res.json().data, read.json().data)
    }
  })

  it('refuses to change type, currency_id and base_pricebook_id: create another pricebook', async () => {
    const book = await dynamic()
    const usd = await insertCurrency(t.db, tenant.workspaceId, 'USD')
    const base = await fixed('Another base')
    const res = await a.patch(`/api/pricebooks/${book.id}`, {
      type: 'fixed',
      currency_id: usd,
      base_pricebook_id: base.id,
      name: 'Not applied',
    })
    assert.deepEqual(
      res.json(),
      invalid([
        "Field 'type' cannot change once the pricebook exists: create another pricebook",
        "Field 'currency_id' cannot change once the pricebook exists: create another pricebook",
        "Field 'base_pricebook_id' cannot change once the pricebook exists: create another pricebook",
      ]),
    )
    const cleared = await a.patch(`/api/pricebooks/${book.id}`, { base_pricebook_id: null })
    assert.match(cleared.json().details[0], /^Field 'base_pricebook_id' cannot change/)
    const changedId = await a.patch(`/api/pricebooks/${book.id}`, { id: uuidv7(), currency_code: 'USD' })
    assert.equal(changedId.statusCode, 400)
    assert.equal(changedId.json().details.length, 2)
    assert.equal((await a.get(`/api/pricebooks/${book.id}`)).json().data.name, 'Dynamic')
  })

  it("keeps a fixed pricebook's fields to a fixed one, a dynamic one's to a dynamic one", async () => {
    const book = await fixed('Only fixed')
    const res = await a.patch(`/api/pricebooks/${book.id}`, {
      catalog_id: null,
      adjustment_percent: 3,
      rounding: 'step',
      rounding_value: null,
    })
    assert.deepEqual(
      res.json(),
      invalid([
        "Field 'adjustment_percent' is for dynamic pricebooks only",
        "Field 'rounding' is for dynamic pricebooks only",
        "Field 'catalog_id' cannot be null: a fixed pricebook has a catalog",
      ]),
    )
    const unknown = await a.patch(`/api/pricebooks/${book.id}`, { catalog_id: uuidv7() })
    assert.deepEqual(
      unknown.json(),
      invalid(["Field 'catalog_id' does not name a catalog of this workspace"]),
    )
    const derived = await dynamic()
    const dyn = await a.patch(`/api/pricebooks/${derived.id}`, { catalog_id: catalog.id })
    assert.deepEqual(
      dyn.json(),
      invalid([
        "Field 'catalog_id' is for fixed pricebooks only: a dynamic pricebook uses its base pricebook's catalog",
      ]),
    )
  })

  it('merges the rule it is sent with the stored one and checks it whole', async () => {
    const book = await dynamic({ adjustment_percent: -10, rounding: 'ending', rounding_value: 0.99 })
    const pct = await a.patch(`/api/pricebooks/${book.id}`, { adjustment_percent: -15 })
    assert.equal(pct.statusCode, 200, pct.body)
    assert.deepEqual(
      [pct.json().data.adjustment_percent, pct.json().data.rounding, pct.json().data.rounding_value],
      [-15, 'ending', 0.99],
    )
    // The stored 0.99 is a valid step too.
    const step = await a.patch(`/api/pricebooks/${book.id}`, { rounding: 'step' })
    assert.equal(step.statusCode, 200, step.body)
    assert.deepEqual([step.json().data.rounding, step.json().data.rounding_value], ['step', 0.99])
    const minor = await a.patch(`/api/pricebooks/${book.id}`, { rounding: 'minor_unit' })
    assert.equal(minor.statusCode, 200, minor.body)
    assert.deepEqual([minor.json().data.rounding, minor.json().data.rounding_value], ['minor_unit', null])
    const ending = await a.patch(`/api/pricebooks/${book.id}`, { rounding: 'ending' })
    assert.deepEqual(
      ending.json(),
      invalid([
        "Field 'rounding_value' is required for rounding 'ending': an ending from 0 to below 1, such as 0.99",
      ]),
    )
    const required = await a.patch(`/api/pricebooks/${book.id}`, { adjustment_percent: null })
    assert.deepEqual(
      required.json(),
      invalid(["Field 'adjustment_percent' is required for a dynamic pricebook"]),
    )
    const reset = await a.patch(`/api/pricebooks/${book.id}`, { rounding: null })
    assert.equal(reset.json().data.rounding, 'minor_unit')
  })

  it('answers 409 naming the holder of an api_name it is sent', async () => {
    const book = await fixed('Taken')
    const res = await a.patch(`/api/pricebooks/${book.id}`, { api_name: 'standard' })
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      `api_name 'standard' is already used by pricebook ${standard.id} (Standard)`,
    )
  })

  it("answers 404 to an unknown id and to another workspace's pricebook", async () => {
    const other = await buildTenant(t.db)
    const theirs = (await defaults(api(t, other.auth))).standard
    for (const id of [uuidv7(), theirs.id]) {
      const res = await a.patch(`/api/pricebooks/${id}`, { name: 'X' })
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Pricebook not found', code: 'not_found' })
    }
    assert.equal((await api(t, other.auth).get(`/api/pricebooks/${theirs.id}`)).json().data.name, 'Standard')
  })
})

describe('DELETE /api/pricebooks/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('deletes a pricebook with its segment links; its api_name is free again', async () => {
    const { catalog } = await defaults(a)
    const segment = (await a.post('/api/segments', { name: 'Gone' })).json().data
    const book = (
      await a.post('/api/pricebooks', {
        name: 'Short-lived',
        catalog_id: catalog.id,
        segment_ids: [segment.id],
      })
    ).json().data
    const res = await a.del(`/api/pricebooks/${book.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify({ success: true, message: 'Pricebook deleted successfully' }))
    assert.equal((await a.get(`/api/pricebooks/${book.id}`)).statusCode, 404)
    const links = await t.db.kysely
      .selectFrom('pricebook_segments')
      .selectAll()
      .where('pricebook_id', '=', book.id)
      .execute()
    assert.deepEqual(links, [])
    assert.equal((await a.del(`/api/segments/${segment.id}`)).statusCode, 200)
    const again = (await a.post('/api/pricebooks', { name: 'Short-lived', catalog_id: catalog.id })).json()
      .data
    assert.equal(again.api_name, 'short_lived')
  })

  it('answers 409 while dynamic pricebooks are based on it, then deletes it once they are gone', async () => {
    const { standard } = await defaults(a)
    const make = async (name: string) =>
      (
        await a.post('/api/pricebooks', {
          name,
          type: 'dynamic',
          base_pricebook_id: standard.id,
          adjustment_percent: -5,
        })
      ).json().data
    const one = await make('Partners')
    const two = await make('Distributors')
    const res = await a.del(`/api/pricebooks/${standard.id}`)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Pricebook is used by 2 pricebooks: delete the dynamic pricebooks based on it first',
      code: 'conflict',
    })
    assert.equal((await a.del(`/api/pricebooks/${one.id}`)).statusCode, 200)
    assert.equal(
      (await a.del(`/api/pricebooks/${standard.id}`)).json().error,
      'Pricebook is used by 1 pricebook: delete the dynamic pricebook based on it first',
    )
    assert.equal((await a.del(`/api/pricebooks/${two.id}`)).statusCode, 200)
    assert.equal((await a.del(`/api/pricebooks/${standard.id}`)).statusCode, 200)
  })

  it('records pricebook.created, pricebook.updated and pricebook.deleted events', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const { catalog } = await defaults(as)
    const book = (await as.post('/api/pricebooks', { name: 'Evented', catalog_id: catalog.id })).json().data
    await as.patch(`/api/pricebooks/${book.id}`, { name: 'Evented again' })
    await as.del(`/api/pricebooks/${book.id}`)
    const events = await t.db.kysely
      .selectFrom('events')
      .select(['type', 'record_id'])
      .where('workspace_id', '=', own.workspaceId)
      .where('type', 'like', 'pricebook.%')
      .orderBy('id')
      .execute()
    assert.deepEqual(events, [
      { type: 'pricebook.created', record_id: book.id },
      { type: 'pricebook.updated', record_id: book.id },
      { type: 'pricebook.deleted', record_id: book.id },
    ])
  })

  it("answers 404 to an unknown id and to another workspace's pricebook", async () => {
    const other = await buildTenant(t.db)
    const theirs = (await defaults(api(t, other.auth))).standard
    for (const id of [uuidv7(), theirs.id]) {
      const res = await a.del(`/api/pricebooks/${id}`)
      assert.equal(res.statusCode, 404)
    }
    assert.equal((await api(t, other.auth).get(`/api/pricebooks/${theirs.id}`)).statusCode, 200)
  })
})

describe('deleting a catalog or a segment a pricebook uses', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('refuses to delete the catalog of a fixed pricebook, saying so beside its products', async () => {
    const { catalog: standardCatalog } = await defaults(a)
    const catalog = (await a.post('/api/catalogs', { name: 'Priced' })).json().data
    const book = (await a.post('/api/pricebooks', { name: 'On it', catalog_id: catalog.id })).json().data
    const res = await a.del(`/api/catalogs/${catalog.id}`)
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      'Catalog is used by 1 pricebook: move it to another catalog (or delete it) first',
    )
    const parent = await a.post('/api/product-parents', {
      api_name: 'priced_widget',
      recurrence_type: 'one_off',
      name: 'Priced widget',
      catalog_ids: [catalog.id],
    })
    assert.equal(parent.statusCode, 201, parent.body)
    assert.equal(
      (await a.del(`/api/catalogs/${catalog.id}`)).json().error,
      'Catalog is used by 1 product and 1 pricebook: take it out of the catalog_ids of the products, and move the pricebooks to another catalog (or delete them), first',
    )
    await a.del(`/api/product-parents/${parent.json().data.id}`)
    await a.patch(`/api/pricebooks/${book.id}`, { catalog_id: standardCatalog.id })
    assert.equal((await a.del(`/api/catalogs/${catalog.id}`)).statusCode, 200)
    assert.equal(
      (await a.del(`/api/catalogs/${standardCatalog.id}`)).json().error,
      'Catalog is used by 2 pricebooks: move them to another catalog (or delete them) first',
    )
  })

  it('refuses to delete a segment pricebooks name, saying so beside its customers', async () => {
    const { catalog } = await defaults(a)
    const segment = (await a.post('/api/segments', { name: 'Named' })).json().data
    const book = (
      await a.post('/api/pricebooks', { name: 'For it', catalog_id: catalog.id, segment_ids: [segment.id] })
    ).json().data
    const res = await a.del(`/api/segments/${segment.id}`)
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      'Segment is used by 1 pricebook: take it out of its segment_ids (or delete it) first',
    )
    const customer = await a.post('/api/customers', {
      name: 'In it',
      type: 'company',
      segment_id: segment.id,
    })
    assert.equal(customer.statusCode, 201, customer.body)
    assert.equal(
      (await a.del(`/api/segments/${segment.id}`)).json().error,
      'Segment is used by 1 customer and 1 pricebook: move the customers to another segment or clear their segment_id, and take it out of the segment_ids of the pricebooks, first',
    )
    await a.del(`/api/customers/${customer.json().data.id}`)
    await a.patch(`/api/pricebooks/${book.id}`, { segment_ids: [] })
    assert.equal((await a.del(`/api/segments/${segment.id}`)).statusCode, 200)
  })
})

describe('the prices of a pricebook', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  /** The price rows of a pricebook, by variant and billing frequency. */
  const rowsOf = (pricebookId: string) =>
    t.db.kysely
      .selectFrom('prices')
      .select([
        'id',
        'product_id',
        'billing_frequency_id',
        'parent_price_id',
        'is_active',
        'amount',
        'version',
      ])
      .where('pricebook_id', '=', pricebookId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  const activeOf = async (pricebookId: string) =>
    (await rowsOf(pricebookId)).filter((r) => r.is_active === 1 || (r.is_active as unknown) === true)

  /** A product parent in `catalogId`; its variant ids. */
  const product = async (apiName: string, catalogId: string, recurrence = 'one_off') => {
    const res = await a.post('/api/product-parents', {
      api_name: apiName,
      recurrence_type: recurrence,
      name: apiName,
      catalog_ids: [catalogId],
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().data.product_ids as string[]
  }

  it('makes a price for each variant of its catalog, one per billing frequency of a recurring one', async () => {
    const catalog = (await a.post('/api/catalogs', { name: 'Priced here' })).json().data
    const [widget] = await product('widget', catalog.id)
    const [plan] = await product('plan', catalog.id, 'recurring')
    await product('elsewhere', (await defaults(a)).catalog.id)
    const book = (await a.post('/api/pricebooks', { name: 'Here', catalog_id: catalog.id })).json().data
    const rows = await activeOf(book.id)
    assert.deepEqual(
      rows.map((r) => r.product_id),
      [widget, plan, plan, plan],
    )
    assert.equal(rows[0]!.billing_frequency_id, null)
    assert.equal(new Set(rows.slice(1).map((r) => r.billing_frequency_id)).size, 3)
    assert.ok(rows.every((r) => r.amount === null))
    const listed = (await a.get(`/api/products/${widget}`)).json().data.prices
    assert.deepEqual(listed, [{ id: rows[0]!.id, pricebook_id: book.id, pricebook_api_name: 'here' }])
  })

  it("gives a dynamic pricebook a price following each of its base's, through its rule", async () => {
    const catalog = (await a.post('/api/catalogs', { name: 'Ruled' })).json().data
    await product('ruled_widget', catalog.id)
    const base = (await a.post('/api/pricebooks', { name: 'Ruled base', catalog_id: catalog.id })).json().data
    const [baseRow] = await activeOf(base.id)
    await t.db.kysely
      .updateTable('prices')
      .set({ pricing_model: 'flat', amount: '100' })
      .where('id', '=', baseRow!.id)
      .execute()
    const partners = (
      await a.post('/api/pricebooks', {
        name: 'Ruled partners',
        type: 'dynamic',
        base_pricebook_id: base.id,
        adjustment_percent: -10,
        rounding: 'ending',
        rounding_value: 0.99,
      })
    ).json().data
    const [row] = await activeOf(partners.id)
    assert.equal(row!.parent_price_id, baseRow!.id)
    assert.equal(Number(row!.amount), 89.99)
    const patched = await a.patch(`/api/pricebooks/${partners.id}`, { adjustment_percent: -20 })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.equal(Number((await activeOf(partners.id))[0]!.amount), 79.99)
    await a.patch(`/api/pricebooks/${partners.id}`, { rounding: 'step', rounding_value: 5 })
    assert.equal(Number((await activeOf(partners.id))[0]!.amount), 80)
  })

  it('moves its prices (and those of its dynamic pricebooks) to the variants of a new catalog', async () => {
    const first = (await a.post('/api/catalogs', { name: 'First market' })).json().data
    const second = (await a.post('/api/catalogs', { name: 'Second market' })).json().data
    const [old] = await product('first_widget', first.id)
    const [next] = await product('second_widget', second.id)
    const book = (await a.post('/api/pricebooks', { name: 'Moving', catalog_id: first.id })).json().data
    const derived = (
      await a.post('/api/pricebooks', {
        name: 'Moving derived',
        type: 'dynamic',
        base_pricebook_id: book.id,
        adjustment_percent: 5,
      })
    ).json().data
    assert.deepEqual(
      (await activeOf(derived.id)).map((r) => r.product_id),
      [old],
    )
    await a.patch(`/api/pricebooks/${book.id}`, { catalog_id: second.id })
    for (const id of [book.id, derived.id]) {
      assert.deepEqual(
        (await activeOf(id)).map((r) => r.product_id),
        [next],
      )
      assert.equal((await rowsOf(id)).length, 2, 'the old price is deactivated, not deleted')
    }
  })

  it('moves its prices when renamed, and the variants it prices when deleted', async () => {
    const catalog = (await a.post('/api/catalogs', { name: 'Short' })).json().data
    const [variant] = await product('short_widget', catalog.id)
    const book = (await a.post('/api/pricebooks', { name: 'Brief', catalog_id: catalog.id })).json().data
    const [before] = await rowsOf(book.id)
    const productBefore = await a.get(`/api/products/${variant}`)
    await a.patch(`/api/pricebooks/${book.id}`, { name: 'Brief 2', api_name: 'brief_2' })
    const [after] = await rowsOf(book.id)
    assert.ok(Number(after!.version) > Number(before!.version), 'the price shows the new name')
    const renamed = await a.get(`/api/products/${variant}`)
    assert.notEqual(renamed.headers.etag, productBefore.headers.etag)
    assert.equal(renamed.json().data.prices[0].pricebook_api_name, 'brief_2')
    assert.equal((await a.del(`/api/pricebooks/${book.id}`)).statusCode, 200)
    assert.deepEqual(await rowsOf(book.id), [])
    const gone = await a.get(`/api/products/${variant}`)
    assert.notEqual(gone.headers.etag, renamed.headers.etag)
    assert.deepEqual(gone.json().data.prices, [])
  })
})
