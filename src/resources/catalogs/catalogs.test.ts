import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, documentedBody, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'

const KEYS = [
  'id',
  'name',
  'api_name',
  'reference',
  'description',
  'is_active',
  'id_crm',
  'id_erp',
  'id_accounting',
  'created_at',
  'updated_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

type Tenant = Awaited<ReturnType<typeof buildTenant>>

/** A product parent inserted directly (the product routes are another resource's), in the catalogs given. */
async function insertProductParent(db: Db, workspaceId: string, catalogIds: string[], deleted = false) {
  const id = uuidv7()
  const at = nextInstant()
  await db.kysely
    .insertInto('product_parents')
    .values({
      id,
      workspace_id: workspaceId,
      name: 'Widget',
      api_name: `widget_${id.slice(-12)}`,
      recurrence_type: 'one_off',
      description: null,
      is_active: 1,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_by: null,
      updated_by: null,
      created_at: at,
      updated_at: at,
      deleted_at: deleted ? at : null,
      deletion_id: deleted ? uuidv7() : null,
    })
    .execute()
  if (catalogIds.length > 0) {
    await db.kysely
      .insertInto('product_parent_catalogs')
      .values(
        catalogIds.map((catalogId, position) => ({
          workspace_id: workspaceId,
          product_parent_id: id,
          catalog_id: catalogId,
          position,
        })),
      )
      .execute()
  }
  return id
}

async function links(db: Db, productParentId: string) {
  const rows = await db.kysely
    .selectFrom('product_parent_catalogs')
    .select('catalog_id')
    .where('product_parent_id', '=', productParentId)
    .orderBy('position')
    .execute()
  return rows.map((r) => r.catalog_id)
}

async function storedCatalog(db: Db, id: string) {
  return db.kysely.selectFrom('catalogs').selectAll().where('id', '=', id).executeTakeFirst()
}

describe('GET /api/catalogs', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('starts with the "Standard" catalog every workspace has, keys in the order of the docs', async () => {
    const res = await call.get('/api/catalogs')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 1)
    const [standard] = body.data
    assert.deepEqual(Object.keys(standard), KEYS)
    assert.match(standard.id, UUID)
    assert.deepEqual(
      { ...standard, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'Standard',
        api_name: 'standard',
        reference: null,
        description: null,
        is_active: true,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        created_at: undefined,
        updated_at: undefined,
      },
    )
    assert.match(standard.created_at, WIRE_TIME)
    assert.equal(body.has_more, false)
    assert.equal(body.next_cursor, null)
  })

  it("lists oldest first, filters by is_active, never shows another workspace's catalogs", async () => {
    const own = await buildTenant(t.db)
    const other = await buildTenant(t.db)
    const as = api(t, own.auth)
    const a = (await as.post('/api/catalogs', { name: 'Alpha' })).json().data
    const b = (await as.post('/api/catalogs', { name: 'Beta', is_active: false })).json().data
    await api(t, other.auth).post('/api/catalogs', { name: 'Theirs' })
    const all = (await as.get('/api/catalogs')).json().data
    assert.deepEqual(
      all.map((c: { api_name: string }) => c.api_name),
      ['standard', 'alpha', 'beta'],
    )
    assert.deepEqual(all.slice(1), [a, b])
    const active = (await as.get('/api/catalogs?is_active=true')).json().data
    assert.deepEqual(
      active.map((c: { name: string }) => c.name),
      ['Standard', 'Alpha'],
    )
    const inactive = (await as.get('/api/catalogs?is_active=false')).json().data
    assert.deepEqual(
      inactive.map((c: { id: string }) => c.id),
      [b.id],
    )
    assert.doesNotMatch((await as.get('/api/catalogs')).body, /Theirs/)
  })

  it('walks every catalog with limit=2, without duplicates', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    for (let i = 0; i < 4; i++) await as.post('/api/catalogs', { name: `Market ${i}` })
    const seen: string[] = []
    const sizes: number[] = []
    let cursor: string | null = null
    do {
      const res = await as.get(`/api/catalogs?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(res.statusCode, 200)
      const body = res.json()
      sizes.push(body.data.length)
      seen.push(...body.data.map((c: { api_name: string }) => c.api_name))
      cursor = body.next_cursor
    } while (cursor)
    assert.deepEqual(sizes, [2, 2, 1])
    assert.deepEqual(seen, ['standard', 'market_0', 'market_1', 'market_2', 'market_3'])
  })

  it('answers 400 naming a bad is_active, an unknown parameter, a foreign cursor', async () => {
    const bad = await call.get('/api/catalogs?is_active=maybe')
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().code, 'invalid_parameter')
    assert.match(bad.json().error, /is_active/)
    const unknown = await call.get('/api/catalogs?q=x')
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
    const cursor = await call.get('/api/catalogs?cursor=nope')
    assert.equal(cursor.statusCode, 400)
    assert.match(cursor.json().error, /'cursor'/)
  })
})

describe('POST /api/catalogs', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("accepts the docs' example as written: 201, api_name made from the name, id_* null", async () => {
    const res = await call.post('/api/catalogs', documentedBody('POST', '/api/catalogs'))
    assert.equal(res.statusCode, 201)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data'])
    assert.deepEqual(Object.keys(body.data), KEYS)
    assert.match(body.data.id, UUID)
    assert.deepEqual(
      { ...body.data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        name: 'Premium Products',
        api_name: 'premium_products',
        reference: 'CAT-002',
        description: 'Catalog for premium tier products',
        is_active: true,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        created_at: null,
        updated_at: null,
      },
    )
    assert.match(body.data.created_at, WIRE_TIME)
    assert.equal(body.data.updated_at, body.data.created_at)
    assert.match(res.headers.etag as string, /^"\d+"$/)
    const read = await call.get(`/api/catalogs/${body.data.id}`)
    assert.deepEqual(read.json().data, body.data)
  })

  it('takes every field of the template, trims name and reference, and is_active false', async () => {
    const res = await call.post('/api/catalogs', {
      name: '  Export ',
      api_name: 'export_catalog',
      reference: ' EXP ',
      description: 'Abroad',
      is_active: false,
      id_crm: 'crm_1',
      id_erp: 'erp_1',
      id_accounting: 'acc_1',
    })
    assert.equal(res.statusCode, 201)
    const { data } = res.json()
    assert.equal(data.name, 'Export')
    assert.equal(data.api_name, 'export_catalog')
    assert.equal(data.reference, 'EXP')
    assert.equal(data.is_active, false)
    assert.deepEqual([data.id_crm, data.id_erp, data.id_accounting], ['crm_1', 'erp_1', 'acc_1'])
    const stored = await storedCatalog(t.db, data.id)
    assert.equal(stored?.api_name, 'export_catalog')
  })

  it('numbers generated api_names while taken: premium_widgets, _2, _3; slugs drop accents and symbols', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const names: string[] = []
    for (const name of ['Premium Widgets', 'premium widgets', 'Premium-Widgets!', 'Café & Crème', '—'])
      names.push((await as.post('/api/catalogs', { name })).json().data.api_name)
    assert.deepEqual(names, [
      'premium_widgets',
      'premium_widgets_2',
      'premium_widgets_3',
      'cafe_creme',
      'catalog',
    ])
    // The numbering takes the first free one, not one past the highest, and ignores longer names.
    await as.post('/api/catalogs', { name: 'Other', api_name: 'premium_widgets_extra' })
    await as.post('/api/catalogs', { name: 'Other', api_name: 'premium_widgets_5' })
    assert.equal(
      (await as.post('/api/catalogs', { name: 'Premium widgets' })).json().data.api_name,
      'premium_widgets_4',
    )
    assert.equal(
      (await as.post('/api/catalogs', { name: 'Premium widgets' })).json().data.api_name,
      'premium_widgets_6',
    )
    // A name another workspace holds is free here.
    assert.equal(
      (await api(t, tenant.auth).post('/api/catalogs', { name: 'Premium Widgets' })).json().data.api_name,
      'premium_widgets',
    )
  })

  it('generates standard_2 for a second "Standard"', async () => {
    const own = await buildTenant(t.db)
    const res = await api(t, own.auth).post('/api/catalogs', { name: 'Standard' })
    assert.equal(res.json().data.api_name, 'standard_2')
  })

  it('answers 409 naming the holder of an api_name given that is taken, and writes nothing', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const holder = (await as.post('/api/catalogs', { name: 'Retail', api_name: 'retail' })).json().data
    const res = await as.post('/api/catalogs', { name: 'Retail again', api_name: 'retail' })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: `api_name 'retail' is already used by catalog ${holder.id} (Retail)`,
      code: 'conflict',
    })
    const standard = await as.post('/api/catalogs', { name: 'X', api_name: 'standard' })
    assert.equal(standard.statusCode, 409)
    assert.match(standard.json().error, /\(Standard\)$/)
    assert.equal((await as.get('/api/catalogs')).json().data.length, 2)
  })

  it('names every invalid field at once', async () => {
    const res = await call.post('/api/catalogs', {
      name: ' ',
      api_name: 'Premium Products',
      reference: 'r'.repeat(101),
      description: 'd'.repeat(2001),
      is_active: 'yes',
      id_crm: 5,
      colour: 'blue',
    })
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.code, 'validation_failed')
    assert.equal(body.error, 'Validation error')
    assert.deepEqual([...body.details].sort(), [
      "Field 'api_name' must be snake_case: lower-case letters and digits in words joined by single underscores, such as premium_products",
      "Field 'colour' is not allowed",
      "Field 'description' must be at most 2000 characters",
      "Field 'id_crm' must be of type string or null",
      "Field 'is_active' must be of type boolean",
      "Field 'name' must not be blank",
      "Field 'reference' must be at most 100 characters",
    ])
  })

  it('requires a name of at most 255 characters and refuses bad api_names', async () => {
    const cases: [unknown, string][] = [
      [{}, "Field 'name' is required"],
      [{ name: null }, "Field 'name' must be of type string"],
      [{ name: 'n'.repeat(256) }, "Field 'name' must be at most 255 characters"],
      [{ name: 'A', api_name: null }, "Field 'api_name' must be of type string"],
      [{ name: 'A', api_name: 'a'.repeat(101) }, "Field 'api_name' must be at most 100 characters"],
    ]
    for (const [payload, detail] of cases) {
      const res = await call.post('/api/catalogs', payload)
      assert.equal(res.statusCode, 400, JSON.stringify(payload))
      assert.deepEqual(res.json().details, [detail])
    }
    for (const apiName of ['', 'a__b', '_a', 'a_', 'Caps', 'with space', 'é']) {
      const res = await call.post('/api/catalogs', { name: 'A', api_name: apiName })
      assert.equal(res.statusCode, 400, apiName)
      assert.match(res.json().details[0], /^Field 'api_name' must/)
    }
    assert.equal((await call.post('/api/catalogs', { name: 'n'.repeat(255) })).statusCode, 201)
  })
})

describe('GET /api/catalogs/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('returns the catalog exactly as documented, with its ETag', async () => {
    const created = (
      await call.post('/api/catalogs', {
        name: 'Standard Products',
        reference: 'CAT-001',
        description: 'Main product catalog',
        id_crm: 'crm_123',
        id_erp: 'erp_456',
        id_accounting: 'acc_789',
      })
    ).json().data
    const res = await call.get(`/api/catalogs/${created.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(
      res.body,
      JSON.stringify({
        success: true,
        data: {
          id: created.id,
          name: 'Standard Products',
          api_name: 'standard_products',
          reference: 'CAT-001',
          description: 'Main product catalog',
          is_active: true,
          id_crm: 'crm_123',
          id_erp: 'erp_456',
          id_accounting: 'acc_789',
          created_at: created.created_at,
          updated_at: created.updated_at,
        },
      }),
    )
    assert.equal(res.headers.etag, '"1"')
    const cached = await call.get(`/api/catalogs/${created.id}`, { ...tenant.auth, 'if-none-match': '"1"' })
    assert.equal(cached.statusCode, 304)
  })

  it('answers 404 "Catalog not found" to an unknown id, a non-UUID, another workspace\'s', async () => {
    const other = await buildTenant(t.db)
    const theirs = (await api(t, other.auth).post('/api/catalogs', { name: 'Theirs' })).json().data.id
    for (const id of [uuidv7(), 'not-a-uuid', theirs]) {
      const res = await call.get(`/api/catalogs/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Catalog not found', code: 'not_found' })
    }
  })
})

describe('PATCH /api/catalogs/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const make = async (body: object = {}) =>
    (
      await call.post('/api/catalogs', {
        name: 'Standard Products',
        reference: 'CAT-001',
        description: 'Main product catalog',
        id_crm: 'crm_123',
        id_erp: 'erp_456',
        id_accounting: 'acc_789',
        ...body,
      })
    ).json().data

  it("accepts the docs' example: renames, keeps the api_name, moves updated_at and the version", async () => {
    const catalog = await make()
    const res = await call.patch(`/api/catalogs/${catalog.id}`, documentedBody('PATCH', '/api/catalogs/{id}'))
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, updated_at: null },
      {
        ...catalog,
        name: 'Updated Catalog Name',
        description: 'Updated description',
        updated_at: null,
      },
    )
    assert.equal(data.api_name, catalog.api_name)
    assert.equal(res.headers.etag, '"2"')
    assert.match(data.updated_at, WIRE_TIME)
  })

  it('changes the api_name given, clears nullable fields with null, sets is_active', async () => {
    const catalog = await make({ name: 'Freed Name' })
    assert.equal(catalog.api_name, 'freed_name')
    const res = await call.patch(`/api/catalogs/${catalog.id}`, {
      api_name: 'main_catalog',
      reference: null,
      description: null,
      is_active: false,
      id_crm: null,
      id_erp: 'erp_9',
      id_accounting: null,
    })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.equal(data.api_name, 'main_catalog')
    assert.equal(data.reference, null)
    assert.equal(data.description, null)
    assert.equal(data.is_active, false)
    assert.deepEqual([data.id_crm, data.id_erp, data.id_accounting], [null, 'erp_9', null])
    assert.equal(data.name, 'Freed Name')
    // The old api_name is free again.
    assert.equal((await make({ name: 'Freed Name' })).api_name, 'freed_name')
  })

  it('answers an unchanged api_name, or an empty body, with the same version', async () => {
    const catalog = await make({ api_name: 'same_name' })
    const res = await call.patch(`/api/catalogs/${catalog.id}`, { api_name: 'same_name' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.etag, '"1"')
    const empty = await call.patch(`/api/catalogs/${catalog.id}`, {})
    assert.equal(empty.headers.etag, '"1"')
    assert.deepEqual(empty.json().data, catalog)
  })

  it('answers 409 naming the holder of an api_name taken, and changes nothing', async () => {
    const holder = await make({ api_name: 'holder' })
    const catalog = await make({ api_name: 'mover' })
    const res = await call.patch(`/api/catalogs/${catalog.id}`, { name: 'Moved', api_name: 'holder' })
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      `api_name 'holder' is already used by catalog ${holder.id} (Standard Products)`,
    )
    const stored = await storedCatalog(t.db, catalog.id)
    assert.deepEqual([stored?.name, stored?.api_name], ['Standard Products', 'mover'])
  })

  it('accepts read-only fields sent back unchanged, refuses them changed', async () => {
    const catalog = await make()
    const echo = await call.patch(`/api/catalogs/${catalog.id}`, { ...catalog, name: 'Echoed' })
    assert.equal(echo.statusCode, 200, echo.body)
    assert.equal(echo.json().data.name, 'Echoed')
    const changed = await call.patch(`/api/catalogs/${catalog.id}`, { id: uuidv7() })
    assert.equal(changed.statusCode, 400)
    assert.match(changed.json().details[0], /'id'/)
  })

  it('names every invalid field at once, null name and api_name included', async () => {
    const catalog = await make()
    const res = await call.patch(`/api/catalogs/${catalog.id}`, {
      name: null,
      api_name: null,
      is_active: null,
      reference: 'r'.repeat(101),
      colour: 1,
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'api_name' must be of type string",
      "Field 'colour' is not allowed",
      "Field 'is_active' must be of type boolean",
      "Field 'name' must be of type string",
      "Field 'reference' must be at most 100 characters",
    ])
    const bad = await call.patch(`/api/catalogs/${catalog.id}`, { api_name: 'Not Snake' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().details[0], /^Field 'api_name' must be snake_case/)
  })

  it('answers 404 to an unknown id', async () => {
    const res = await call.patch(`/api/catalogs/${uuidv7()}`, { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Catalog not found', code: 'not_found' })
  })
})

describe('DELETE /api/catalogs/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const make = async (name = 'Seasonal') => (await call.post('/api/catalogs', { name })).json().data

  it('deletes an unused catalog for good; its api_name is free again', async () => {
    const catalog = await make()
    const res = await call.del(`/api/catalogs/${catalog.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify({ success: true, message: 'Catalog deleted successfully' }))
    assert.equal(await storedCatalog(t.db, catalog.id), undefined)
    assert.equal((await call.get(`/api/catalogs/${catalog.id}`)).statusCode, 404)
    assert.equal((await call.del(`/api/catalogs/${catalog.id}`)).statusCode, 404)
    assert.equal((await make()).api_name, catalog.api_name)
  })

  it('answers 409 while live product parents belong to it, counting each once, and deletes nothing', async () => {
    const catalog = await make()
    const standard = (await call.get('/api/catalogs')).json().data[0]
    const first = await insertProductParent(t.db, tenant.workspaceId, [standard.id, catalog.id])
    await insertProductParent(t.db, tenant.workspaceId, [catalog.id])
    await insertProductParent(t.db, tenant.workspaceId, [catalog.id], true)
    const res = await call.del(`/api/catalogs/${catalog.id}`)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Catalog is used by 2 products: take it out of their catalog_ids (or delete them) first',
      code: 'conflict',
    })
    assert.ok(await storedCatalog(t.db, catalog.id))
    assert.deepEqual(await links(t.db, first), [standard.id, catalog.id])
  })

  it('deletes it once its product parents are deleted, removing only their links to it', async () => {
    const catalog = await make()
    const standard = (await call.get('/api/catalogs')).json().data[0]
    const parent = await insertProductParent(t.db, tenant.workspaceId, [standard.id, catalog.id])
    assert.equal(
      (await call.del(`/api/catalogs/${catalog.id}`)).json().error,
      'Catalog is used by 1 product: take it out of its catalog_ids (or delete it) first',
    )
    await t.db.kysely
      .updateTable('product_parents')
      .set({ deleted_at: nextInstant(), deletion_id: uuidv7() })
      .where('id', '=', parent)
      .execute()
    const res = await call.del(`/api/catalogs/${catalog.id}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(await storedCatalog(t.db, catalog.id), undefined)
    assert.deepEqual(await links(t.db, parent), [standard.id])
  })

  it('records catalog.created, catalog.updated and catalog.deleted events', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const catalog = (await as.post('/api/catalogs', { name: 'Evented' })).json().data
    await as.patch(`/api/catalogs/${catalog.id}`, { name: 'Evented again' })
    await as.del(`/api/catalogs/${catalog.id}`)
    const events = await t.db.kysely
      .selectFrom('events')
      .select(['type', 'record_id'])
      .where('workspace_id', '=', own.workspaceId)
      .orderBy('id')
      .execute()
    assert.deepEqual(events, [
      { type: 'catalog.created', record_id: catalog.id },
      { type: 'catalog.updated', record_id: catalog.id },
      { type: 'catalog.deleted', record_id: catalog.id },
    ])
  })

  it('answers 404 to an unknown id', async () => {
    const res = await call.del(`/api/catalogs/${uuidv7()}`)
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Catalog not found', code: 'not_found' })
  })
})
