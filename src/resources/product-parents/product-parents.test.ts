import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, documentedBody, useTestApp } from '../../../test/helpers.ts'

const KEYS = [
  'id',
  'catalog_ids',
  'product_ids',
  'name',
  'api_name',
  'recurrence_type',
  'reference',
  'description',
  'is_active',
  'id_crm',
  'id_erp',
  'id_accounting',
  'created_at',
  'updated_at',
  'options',
]

/** The documented POST example (developer.qwoty.io), as written. */
const EXAMPLE = documentedBody('POST', '/api/product-parents')

type Tenant = Awaited<ReturnType<typeof buildTenant>>

describe('POST /api/product-parents', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('accepts the documented example, with its default variant holding the reference, in the standard catalog', async () => {
    const res = await a.post('/api/product-parents', EXAMPLE)
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.equal(data.name, 'Premium Widget')
    assert.equal(data.api_name, 'premium_widget')
    assert.equal(data.recurrence_type, 'recurring')
    assert.equal(data.reference, 'PROD-001')
    assert.equal(data.is_active, true)
    assert.deepEqual([data.id_crm, data.id_erp, data.id_accounting], [null, null, null])
    assert.deepEqual(data.options, [])
    const standard = await t.db.kysely
      .selectFrom('catalogs')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('api_name', '=', 'standard')
      .executeTakeFirstOrThrow()
    assert.deepEqual(data.catalog_ids, [standard.id])
    assert.equal(data.product_ids.length, 1)
    const variant = (await a.get(`/api/products/${data.product_ids[0]}`)).json().data
    assert.equal(variant.reference, 'PROD-001')
    assert.equal(variant.is_default, true)
    assert.equal(variant.name, 'Premium Widget')
    assert.equal(variant.settings.recurrence_type, 'recurring')
    assert.equal(variant.created_by, tenant.id)
    const read = await a.get(`/api/product-parents/${data.id}`)
    assert.equal(read.statusCode, 200)
    assert.deepEqual(read.json().data, data)
    assert.ok(read.headers.etag)
  })

  it('answers the documented validation error to an empty body', async () => {
    const res = await a.post('/api/product-parents', {})
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.success, false)
    assert.equal(body.error, 'Validation error')
    assert.equal(body.code, 'validation_failed')
    assert.deepEqual(body.details, [
      "Field 'api_name' is required",
      "Field 'recurrence_type' is required (one_off | recurring)",
      "Field 'name' is required",
    ])
  })

  it('refuses an api_name that is not snake_case and a recurrence_type outside the enum', async () => {
    const res = await a.post('/api/product-parents', {
      api_name: 'Premium Widget',
      recurrence_type: 'weekly',
      name: 'X',
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details.sort(), [
      "Field 'api_name' must be snake_case: lower-case letters and digits in words joined by single underscores, such as premium_widget",
      "Field 'recurrence_type' must be one of: one_off, recurring",
    ])
  })

  it('answers 409 naming the parent that holds the api_name, and frees it once that one is deleted', async () => {
    const first = (
      await a.post('/api/product-parents', { ...EXAMPLE, api_name: 'taken', reference: null })
    ).json().data
    const res = await a.post('/api/product-parents', { ...EXAMPLE, api_name: 'taken', reference: null })
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      `api_name 'taken' is already used by product parent ${first.id} (Premium Widget)`,
    )
    assert.equal((await a.del(`/api/product-parents/${first.id}`)).statusCode, 200)
    assert.equal(
      (await a.post('/api/product-parents', { ...EXAMPLE, api_name: 'taken', reference: null })).statusCode,
      201,
    )
  })

  it('refuses catalog_ids that name no catalog of the workspace', async () => {
    const res = await a.post('/api/product-parents', {
      ...EXAMPLE,
      api_name: 'cat_check',
      reference: null,
      catalog_ids: [uuidv7()],
    })
    assert.equal(res.statusCode, 400)
    assert.match(res.json().details[0], /^Field 'catalog_ids' does not name a catalog of this workspace/)
    const empty = await a.post('/api/product-parents', {
      ...EXAMPLE,
      api_name: 'no_catalog',
      reference: null,
      catalog_ids: [],
    })
    assert.deepEqual(empty.json().data.catalog_ids, [])
  })

  it('generates a variant for each of 2 options × 3 values, the first the default', async () => {
    const res = await a.post('/api/product-parents', {
      api_name: 'consulting_services',
      recurrence_type: 'recurring',
      name: 'Consulting Services',
      options: [
        { name: 'Seniority', values: [{ name: 'Junior' }, { name: 'Senior' }, { name: 'Expert' }] },
        {
          name: 'Region',
          api_name: 'zone',
          values: [{ name: 'EU' }, { name: 'US' }, { name: 'Asia', api_name: 'apac' }],
        },
      ],
    })
    assert.equal(res.statusCode, 201, res.body)
    const parent = res.json().data
    assert.equal(parent.product_ids.length, 9)
    assert.deepEqual(
      parent.options.map((o: { api_name: string; values: { api_name: string }[] }) => [
        o.api_name,
        o.values.map((v) => v.api_name),
      ]),
      [
        ['seniority', ['junior', 'senior', 'expert']],
        ['zone', ['eu', 'us', 'apac']],
      ],
    )
    const list = (await a.get(`/api/products?product_parent_id=${parent.id}`)).json()
    assert.equal(list.total, 9)
    const byPosition = parent.product_ids.map((id: string) =>
      list.data.find((v: { id: string }) => v.id === id),
    )
    assert.equal(byPosition[0].name, 'Consulting Services - Junior - EU')
    assert.equal(byPosition[0].is_default, true)
    assert.equal(byPosition.filter((v: { is_default: boolean }) => v.is_default).length, 1)
    assert.equal(byPosition[8].name, 'Consulting Services - Expert - Asia')
    assert.equal(byPosition[8].api_name, 'consulting_services_expert_apac')
    assert.deepEqual(
      byPosition[4].options.map((o: { option_name: string; value_name: string }) => [
        o.option_name,
        o.value_name,
      ]),
      [
        ['Seniority', 'Senior'],
        ['Region', 'US'],
      ],
    )
    assert.deepEqual(Object.keys(byPosition[4].options[0]), [
      'option_id',
      'option_name',
      'option_api_name',
      'value_id',
      'value_name',
      'value_api_name',
    ])
  })

  it('refuses options that would make too many variants, or repeat an api_name', async () => {
    const values = Array.from({ length: 30 }, (_, i) => ({ name: `V${i}` }))
    const res = await a.post('/api/product-parents', {
      ...EXAMPLE,
      api_name: 'too_many',
      reference: null,
      options: [
        { name: 'A', values },
        { name: 'B', values },
      ],
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, ["Field 'options' would make 900 variants: at most 500"])
    const twice = await a.post('/api/product-parents', {
      ...EXAMPLE,
      api_name: 'twice',
      reference: null,
      options: [
        {
          name: 'A',
          values: [
            { name: 'x', api_name: 'x' },
            { name: 'y', api_name: 'x' },
          ],
        },
      ],
    })
    assert.equal(twice.statusCode, 400)
  })
})

describe('GET /api/product-parents', () => {
  const t = useTestApp()
  it('lists the live parents whole, oldest first, as documented, with filters', async () => {
    const tenant = await buildTenant(t.db)
    const a = api(t, tenant.auth)
    const one = (await a.post('/api/product-parents', { ...EXAMPLE, api_name: 'one' })).json().data
    const two = (
      await a.post('/api/product-parents', {
        ...EXAMPLE,
        api_name: 'two',
        reference: null,
        is_active: false,
        catalog_ids: [],
      })
    ).json().data
    const gone = (
      await a.post('/api/product-parents', { ...EXAMPLE, api_name: 'gone', reference: null })
    ).json().data
    await a.del(`/api/product-parents/${gone.id}`)
    const res = await a.get('/api/product-parents')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.success, true)
    assert.deepEqual(
      body.data.map((p: { id: string }) => p.id),
      [one.id, two.id],
    )
    for (const p of body.data) assert.deepEqual(Object.keys(p), KEYS)
    const ids = async (query: string) =>
      (await a.get(`/api/product-parents?${query}`)).json().data.map((p: { id: string }) => p.id)
    assert.deepEqual(await ids('is_active=false'), [two.id])
    assert.deepEqual(await ids('api_name=one'), [one.id])
    assert.deepEqual(await ids(`catalog_id=${one.catalog_ids[0]}`), [one.id])
    assert.deepEqual(await ids('catalog_id=nope'), [])
  })
})

describe('PATCH /api/product-parents/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })
  const create = async (api_name: string, extra: object = {}) =>
    (await a.post('/api/product-parents', { ...EXAMPLE, api_name, reference: null, ...extra })).json().data

  it('accepts the documented template fields; a rename keeps the api_name and renames the default variant', async () => {
    const parent = await create('renamed')
    const res = await a.patch(`/api/product-parents/${parent.id}`, {
      recurrence_type: 'one_off',
      name: 'Updated Product Parent Name',
      description: 'Updated description',
      is_active: true,
      id_crm: 'crm_123',
      id_erp: 'erp_456',
      id_accounting: 'acc_789',
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.equal(data.name, 'Updated Product Parent Name')
    assert.equal(data.api_name, 'renamed')
    assert.equal(data.recurrence_type, 'one_off')
    assert.deepEqual([data.id_crm, data.id_erp, data.id_accounting], ['crm_123', 'erp_456', 'acc_789'])
    const variant = (await a.get(`/api/products/${data.product_ids[0]}`)).json().data
    assert.equal(variant.name, 'Updated Product Parent Name')
    assert.equal(variant.settings.recurrence_type, 'one_off')
    assert.equal(variant.description, 'Updated description', "inherits the parent's description")
  })

  it('refuses reference with the sentence that sends it to the variant', async () => {
    const parent = await create('with_reference')
    const res = await a.patch(`/api/product-parents/${parent.id}`, { reference: 'PROD-002' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Validation error',
      code: 'validation_failed',
      details: [
        "Field 'reference' cannot be set on a product parent: it belongs to the default variant (PATCH /api/products/{id})",
      ],
    })
    assert.equal((await a.patch(`/api/product-parents/${uuidv7()}`, { reference: 'X' })).statusCode, 404)
  })

  it('moves the ETag when only its catalogs change, and refuses a taken api_name', async () => {
    const parent = await create('catalogued')
    const before = (await a.get(`/api/product-parents/${parent.id}`)).headers.etag
    const res = await a.patch(`/api/product-parents/${parent.id}`, { catalog_ids: [] })
    assert.deepEqual(res.json().data.catalog_ids, [])
    assert.notEqual(res.headers.etag, before)
    await create('holder')
    const taken = await a.patch(`/api/product-parents/${parent.id}`, { api_name: 'holder' })
    assert.equal(taken.statusCode, 409)
    assert.match(taken.json().error, /^api_name 'holder' is already used by product parent /)
  })

  it('adds the variants of a new value, deactivates those of a removed one, and reactivates them', async () => {
    const seniority = {
      name: 'Seniority',
      values: [{ name: 'Junior' }, { name: 'Senior' }, { name: 'Expert' }],
    }
    const region = (names: string[]) => ({ name: 'Region', values: names.map((name) => ({ name })) })
    const parent = await create('consulting', { reference: 'CONS-1' })
    const defaultId = parent.product_ids[0]
    const patch = (options: object[]) => a.patch(`/api/product-parents/${parent.id}`, { options })
    const nine = (await patch([seniority, region(['EU', 'US', 'Asia'])])).json().data
    assert.equal(nine.product_ids.length, 9)
    assert.equal(nine.product_ids[0], defaultId, 'the default variant becomes the first combination')
    assert.equal(nine.reference, 'CONS-1')
    const twelve = (await patch([seniority, region(['EU', 'US', 'Asia', 'LATAM'])])).json().data
    assert.equal(twelve.product_ids.length, 12)
    const variants = async () => (await a.get(`/api/products?product_parent_id=${parent.id}`)).json().data
    assert.equal((await variants()).filter((v: { is_active: boolean }) => v.is_active).length, 12)
    const withoutUs = (await patch([seniority, region(['EU', 'Asia', 'LATAM'])])).json().data
    assert.equal(withoutUs.product_ids.length, 12, 'never deleted')
    assert.deepEqual(
      withoutUs.options[1].values.map((v: { name: string }) => v.name),
      ['EU', 'Asia', 'LATAM'],
    )
    const inactive = (await variants()).filter((v: { is_active: boolean }) => !v.is_active)
    assert.deepEqual(inactive.map((v: { name: string }) => v.name).sort(), [
      'Premium Widget - Expert - US',
      'Premium Widget - Junior - US',
      'Premium Widget - Senior - US',
    ])
    const again = (await patch([seniority, region(['EU', 'US', 'Asia', 'LATAM'])])).json().data
    assert.equal(again.product_ids.length, 12)
    const all = await variants()
    assert.equal(all.filter((v: { is_active: boolean }) => v.is_active).length, 12)
    assert.deepEqual(
      inactive.map((v: { id: string }) => v.id).sort(),
      all
        .filter((v: { name: string }) => v.name.endsWith(' - US'))
        .map((v: { id: string }) => v.id)
        .sort(),
      'the same variants come back',
    )
    assert.equal(all.filter((v: { is_default: boolean }) => v.is_default).length, 1)
  })
})

describe('DELETE /api/product-parents/{id}', () => {
  const t = useTestApp()
  it('soft-deletes the parent and its variants, as one deletion', async () => {
    const tenant = await buildTenant(t.db)
    const a = api(t, tenant.auth)
    const parent = (
      await a.post('/api/product-parents', {
        ...EXAMPLE,
        options: [{ name: 'Size', values: [{ name: 'S' }, { name: 'M' }] }],
      })
    ).json().data
    const res = await a.del(`/api/product-parents/${parent.id}`)
    assert.deepEqual(res.json(), { success: true, message: 'Product parent deleted successfully' })
    assert.equal((await a.get(`/api/product-parents/${parent.id}`)).statusCode, 404)
    for (const id of parent.product_ids) assert.equal((await a.get(`/api/products/${id}`)).statusCode, 404)
    assert.equal((await a.get('/api/products')).json().total, 0)
    const rows = await t.db.kysely
      .selectFrom('products')
      .select(['deletion_id'])
      .where('product_parent_id', '=', parent.id)
      .execute()
    const parentRow = await t.db.kysely
      .selectFrom('product_parents')
      .select('deletion_id')
      .where('id', '=', parent.id)
      .executeTakeFirstOrThrow()
    assert.equal(rows.length, 2)
    assert.ok(parentRow.deletion_id)
    for (const r of rows) assert.equal(r.deletion_id, parentRow.deletion_id)
    assert.equal((await a.del(`/api/product-parents/${parent.id}`)).statusCode, 404)
    // Its reference is free again.
    assert.equal(
      (
        await a.post('/api/products', {
          api_name: 'x',
          recurrence_type: 'one_off',
          name: 'X',
          reference: 'PROD-001',
        })
      ).statusCode,
      201,
    )
  })
})
