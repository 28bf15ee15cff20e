import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import {
  api,
  buildTenant,
  buildToken,
  documentedBody,
  nextInstant,
  useTestApp,
} from '../../../test/helpers.ts'

// The keys of GET /api/products/{id}, in the docs' order (docs.qwoty.io, stored copy A).
const KEYS = [
  'id',
  'product_parent_id',
  'workspace_id',
  'name',
  'api_name',
  'reference',
  'description',
  'description_inherit_from_product',
  'primary_image_inherit_from_product',
  'is_active',
  'is_default',
  'catalog_ids',
  'category_ids',
  'settings',
  'shipping',
  'inventory',
  'identifiers',
  'accounting',
  'primary_image_id',
  'parent_primary_image_id',
  'options',
  'prices',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
]

/** The documented POST /api/products template, with values in place of its placeholders. */
const TEMPLATE = {
  api_name: 'premium_widget',
  recurrence_type: 'one_off',
  name: 'Premium Widget',
  reference: 'PROD-001',
  description: 'High-quality widget for professional use',
  is_active: true,
  id_crm: 'crm_123',
  id_erp: 'erp_456',
  id_accounting: 'acc_789',
  'inventory[sku]': 'WID-PRE-001',
  'settings[unit_per_pack]': 1,
  'accounting[ledger_account]': '4010',
  'identifiers[crm]': 'crm_123',
  'identifiers[erp]': 'erp_456',
  'identifiers[accounting]': 'acc_789',
  'shipping[weight]': 2.5,
  'shipping[weight_unit]': 'kg',
  'shipping[height]': 10,
  'shipping[length]': 30,
  'shipping[width]': 20,
  'shipping[length_unit]': 'cm',
  'shipping[country_of_origin]': 'FR',
  'shipping[harmonized_system_code]': '8471.30',
}

const NESTED = {
  api_name: 'premium_widget',
  recurrence_type: 'one_off',
  name: 'Premium Widget',
  reference: 'PROD-001',
  description: 'High-quality widget for professional use',
  is_active: true,
  id_crm: 'crm_123',
  id_erp: 'erp_456',
  id_accounting: 'acc_789',
  inventory: { sku: 'WID-PRE-001' },
  settings: { unit_per_pack: 1 },
  accounting: { ledger_account: '4010' },
  identifiers: { crm: 'crm_123', erp: 'erp_456', accounting: 'acc_789' },
  shipping: {
    weight: 2.5,
    weight_unit: 'kg',
    height: 10,
    length: 30,
    width: 20,
    length_unit: 'cm',
    country_of_origin: 'FR',
    harmonized_system_code: '8471.30',
  },
}

type Tenant = Awaited<ReturnType<typeof buildTenant>>

/** A variant without what differs between two creations of it. */
function comparable(p: Record<string, unknown>) {
  const { id: _i, product_parent_id: _p, created_at: _c, updated_at: _u, ...rest } = p
  return rest
}

describe('POST /api/products', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('accepts the documented template with bracket keys and answers the default variant, keys in order', async () => {
    const res = await a.post('/api/products', TEMPLATE)
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.equal(data.workspace_id, tenant.workspaceId)
    assert.equal(data.name, 'Premium Widget')
    assert.equal(data.api_name, 'premium_widget')
    assert.equal(data.is_default, true)
    assert.equal(data.description, 'High-quality widget for professional use')
    assert.deepEqual(data.settings, {
      unit_per_pack: 1,
      product_type: null,
      language_id: null,
      unit_of_measure: null,
      recurrence_type: 'one_off',
    })
    assert.deepEqual(data.shipping, {
      weight: 2.5,
      weight_unit: 'kg',
      height: 10,
      length: 30,
      width: 20,
      length_unit: 'cm',
      country_of_origin: 'FR',
      harmonized_system_code: '8471.30',
    })
    assert.deepEqual(data.inventory, { sku: 'WID-PRE-001' })
    assert.deepEqual(Object.keys(data.identifiers), ['crm', 'accounting', 'erp'])
    assert.deepEqual(data.identifiers, { crm: 'crm_123', accounting: 'acc_789', erp: 'erp_456' })
    assert.deepEqual(data.accounting, { ledger_account: '4010' })
    assert.deepEqual(data.options, [])
    // Its price row in the workspace's Standard pricebook, made with it, empty until filled in.
    const standard = await t.db.kysely
      .selectFrom('pricebooks')
      .select('id')
      .where('workspace_id', '=', tenant.workspaceId)
      .where('api_name', '=', 'standard')
      .executeTakeFirstOrThrow()
    assert.deepEqual(data.prices, [
      { id: data.prices[0]?.id, pricebook_id: standard.id, pricebook_api_name: 'standard' },
    ])
    assert.equal(data.parent_primary_image_id, null)
    assert.equal(data.created_by, tenant.id)
    assert.equal(data.updated_by, tenant.id)
    const parent = (await a.get(`/api/product-parents/${data.product_parent_id}`)).json().data
    assert.deepEqual(parent.product_ids, [data.id])
    assert.deepEqual([parent.id_crm, parent.id_erp, parent.id_accounting], ['crm_123', 'erp_456', 'acc_789'])
    const read = await a.get(`/api/products/${data.id}`)
    assert.equal(read.statusCode, 200)
    assert.deepEqual(read.json().data, data)
    const stored = await t.db.kysely
      .selectFrom('products')
      .select(['weight', 'height'])
      .where('id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.deepEqual([String(stored.weight), String(stored.height)], ['2.5', '10'])
  })

  it('stores the nested form exactly as the bracket form', async () => {
    const other = await buildTenant(t.db)
    const bracket = (await a.post('/api/products', TEMPLATE, other.auth)).json().data
    const third = await buildTenant(t.db)
    const nested = await a.post('/api/products', NESTED, third.auth)
    assert.equal(nested.statusCode, 201, nested.body)
    const n = comparable(nested.json().data)
    const b = comparable(bracket)
    for (const key of ['workspace_id', 'catalog_ids', 'prices', 'created_by', 'updated_by']) {
      delete n[key]
      delete b[key]
    }
    assert.deepEqual(n, b)
  })

  it('refuses a field sent both nested and as a bracket key, naming it', async () => {
    const res = await a.post('/api/products', {
      api_name: 'both',
      recurrence_type: 'one_off',
      name: 'Both',
      'inventory[sku]': 'A',
      inventory: { sku: 'B' },
      'shipping[weight]': 1,
      shipping: { height: 2 },
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'inventory.sku' is sent twice, nested and as 'inventory[sku]': send one",
    ])
  })

  it('names invalid bracket and nested fields', async () => {
    const res = await a.post('/api/products', {
      api_name: 'bad',
      recurrence_type: 'one_off',
      name: 'Bad',
      'shipping[weight]': 'heavy',
      shipping: { country_of_origin: 'XX' },
      settings: { product_type: 'digital' },
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details.sort(), [
      "Field 'settings.product_type' must be one of: service, physical, null",
      "Field 'shipping.country_of_origin' must be an ISO 3166-1 alpha-2 country code, such as FR",
      "Field 'shipping[weight]' must be of type number or null",
    ])
  })

  it('answers 409 naming the active product that holds a reference or SKU', async () => {
    const holder = (
      await a.post('/api/products', {
        api_name: 'holder',
        recurrence_type: 'one_off',
        name: 'Holder',
        reference: 'SERV-001',
        inventory: { sku: 'SKU-1' },
      })
    ).json().data
    const ref = await a.post('/api/products', {
      api_name: 'other',
      recurrence_type: 'one_off',
      name: 'Other',
      reference: 'SERV-001',
    })
    assert.equal(ref.statusCode, 409)
    assert.equal(ref.json().error, `reference 'SERV-001' is already used by product ${holder.id} (Holder)`)
    const sku = await a.post('/api/products', {
      api_name: 'other',
      recurrence_type: 'one_off',
      name: 'Other',
      'inventory[sku]': 'SKU-1',
    })
    assert.equal(sku.statusCode, 409)
    assert.equal(sku.json().error, `inventory.sku 'SKU-1' is already used by product ${holder.id} (Holder)`)
    // An inactive product holds nothing.
    assert.equal((await a.patch(`/api/products/${holder.id}`, { is_active: false })).statusCode, 200)
    const freed = await a.post('/api/products', {
      api_name: 'other',
      recurrence_type: 'one_off',
      name: 'Other',
      reference: 'SERV-001',
      'inventory[sku]': 'SKU-1',
    })
    assert.equal(freed.statusCode, 201)
    const back = await a.patch(`/api/products/${holder.id}`, { is_active: true })
    assert.equal(back.statusCode, 409)
    assert.equal(
      back.json().error,
      `reference 'SERV-001' is already used by product ${freed.json().data.id} (Other)`,
    )
  })

  it('refuses unknown catalogs and categories, naming the field', async () => {
    const base = { api_name: 'refs', recurrence_type: 'one_off', name: 'Refs' }
    const catalog = await a.post('/api/products', { ...base, catalog_ids: ['nope'] })
    assert.equal(catalog.statusCode, 400)
    assert.deepEqual(catalog.json().details, [
      "Field 'catalog_ids' does not name a catalog of this workspace: nope",
    ])
    const category = await a.post('/api/products', { ...base, category_ids: [uuidv7()] })
    assert.equal(category.statusCode, 400)
    assert.match(
      category.json().details[0],
      /^Field 'category_ids' does not name a category of this workspace: /,
    )
  })
})

describe('PATCH /api/products/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })
  let n = 0
  const create = async (extra: object = {}) =>
    (
      await a.post('/api/products', {
        ...TEMPLATE,
        api_name: `p_${++n}`,
        reference: null,
        'inventory[sku]': null,
        ...extra,
      })
    ).json().data

  it('accepts the documented example and keeps the api_name', async () => {
    const product = await create()
    const res = await a.patch(`/api/products/${product.id}`, documentedBody('PATCH', '/api/products/{id}'))
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.equal(data.name, 'Updated Product Name')
    assert.equal(data.description, 'Updated description')
    assert.equal(data.description_inherit_from_product, true)
    assert.equal(data.is_active, false)
    assert.equal(data.api_name, product.api_name)
    assert.notEqual(res.headers.etag, undefined)
  })

  it('records the token that changed it last in updated_by, and keeps created_by', async () => {
    const product = await create()
    const other = await buildToken(t.db, tenant.workspaceId, ['catalog:write'])
    const res = await a.patch(`/api/products/${product.id}`, { name: 'Changed by another' }, other.auth)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().data.created_by, tenant.id)
    assert.equal(res.json().data.updated_by, other.id)
    assert.notEqual(other.id, tenant.id)
  })

  it('takes back a whole GET unchanged: same ETag, no event; a recurrence_type of its own is a 400', async () => {
    const product = await create({ category_ids: [] })
    const read = await a.get(`/api/products/${product.id}`)
    const res = await a.patch(`/api/products/${product.id}`, read.json().data)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, read.headers.etag)
    assert.equal(JSON.stringify(res.json().data), JSON.stringify(read.json().data))
    const other = product.settings.recurrence_type === 'one_off' ? 'recurring' : 'one_off'
    for (const body of [{ settings: { recurrence_type: other } }, { 'settings[recurrence_type]': other }]) {
      const refused = await a.patch(`/api/products/${product.id}`, body)
      assert.equal(refused.statusCode, 400, refused.body)
      assert.match(refused.json().details[0], /recurrence_type.*product parent/)
    }
  })

  it('changes nested fields given as bracket keys or objects, partially', async () => {
    const product = await create()
    const res = await a.patch(`/api/products/${product.id}`, {
      'shipping[weight]': 2.8,
      settings: { product_type: 'physical' },
      'inventory[sku]': 'WID-PRE-002',
      primary_image_id: 'img-001',
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.equal(data.shipping.weight, 2.8)
    assert.equal(data.shipping.height, 10, 'the other shipping fields stay')
    assert.equal(data.settings.product_type, 'physical')
    assert.equal(data.settings.unit_per_pack, 1)
    assert.equal(data.inventory.sku, 'WID-PRE-002')
    assert.equal(data.primary_image_id, 'img-001')
    const both = await a.patch(`/api/products/${product.id}`, {
      'identifiers[crm]': 'a',
      identifiers: { crm: 'b' },
    })
    assert.equal(both.statusCode, 400)
    assert.deepEqual(both.json().details, [
      "Field 'identifiers.crm' is sent twice, nested and as 'identifiers[crm]': send one",
    ])
  })

  it("refuses catalog_ids unless they are the parent's, and takes back a GET as it was", async () => {
    const product = await create()
    const res = await a.patch(`/api/products/${product.id}`, { catalog_ids: [] })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'catalog_ids' cannot be set on a product: catalogs belong to its product parent (PATCH /api/product-parents/{id})",
    ])
    const { settings: _s, ...back } = (await a.get(`/api/products/${product.id}`)).json().data
    const same = await a.patch(`/api/products/${product.id}`, { ...back, name: 'Sent back' })
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.json().data.name, 'Sent back')
  })

  it("serves the parent's description while the variant has none and inherits it", async () => {
    const product = await create({ description: 'Parent text' })
    assert.equal(product.description, 'Parent text')
    const own = (await a.patch(`/api/products/${product.id}`, { description: 'Own text' })).json().data
    assert.equal(own.description, 'Own text')
    const cleared = (
      await a.patch(`/api/products/${product.id}`, {
        description: null,
        description_inherit_from_product: false,
      })
    ).json().data
    assert.equal(cleared.description, null)
  })

  it('replaces its categories, moving its ETag', async () => {
    const product = await create()
    const at = nextInstant()
    const category = uuidv7()
    await t.db.kysely
      .insertInto('categories')
      .values({
        id: category,
        workspace_id: tenant.workspaceId,
        name: 'Services',
        parent_id: null,
        description: null,
        is_active: 1,
        created_at: at,
        updated_at: at,
      })
      .execute()
    const before = (await a.get(`/api/products/${product.id}`)).headers.etag
    const res = await a.patch(`/api/products/${product.id}`, { category_ids: [category] })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().data.category_ids, [category])
    assert.notEqual(res.headers.etag, before)
    const listed = (await a.get(`/api/products?category_id=${category}`)).json()
    assert.deepEqual(
      listed.data.map((p: { id: string }) => p.id),
      [product.id],
    )
  })

  it('answers 404 to an unknown product', async () => {
    const res = await a.patch(`/api/products/${uuidv7()}`, { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Product not found', code: 'not_found' })
  })
})

describe('GET /api/products', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  const made: { id: string; product_parent_id: string }[] = []
  before(async () => {
    tenant = await buildTenant(t.db)
    for (let i = 0; i < 35; i++) {
      const res = await a.post('/api/products', {
        api_name: `item_${i}`,
        recurrence_type: i % 2 ? 'recurring' : 'one_off',
        name: i === 7 ? 'Société Générale audit' : `Item ${i}`,
        reference: `REF-${i}`,
        'inventory[sku]': `SKU-${i}`,
        is_active: i !== 3,
        ...(i === 5 ? { catalog_ids: [] } : {}),
      })
      assert.equal(res.statusCode, 201, res.body)
      made.push(res.json().data)
    }
  })

  it('pages by 30 by default, with total and the full URL of the next page', async () => {
    const first = await a.get('/api/products')
    assert.equal(first.statusCode, 200)
    const body = first.json()
    assert.deepEqual(Object.keys(body), ['success', 'total', 'next', 'data'])
    assert.equal(body.total, 35)
    assert.equal(body.data.length, 30)
    assert.equal(body.next, 'http://localhost/api/products?page=2')
    assert.deepEqual(Object.keys(body.data[0]), KEYS)
    const second = (await a.get(body.next)).json()
    assert.equal(second.data.length, 5)
    assert.equal(second.next, null)
    assert.deepEqual(
      [...body.data, ...second.data].map((p: { id: string }) => p.id),
      made.map((p) => p.id),
    )
  })

  it('keeps the other query parameters in next, and takes limit and page', async () => {
    const body = (await a.get('/api/products?limit=10&page=2&is_active=true')).json()
    assert.equal(body.total, 34)
    assert.equal(body.data.length, 10)
    assert.equal(body.next, 'http://localhost/api/products?limit=10&page=3&is_active=true')
    assert.equal((await a.get('/api/products?limit=10&page=9')).json().data.length, 0)
  })

  it('refuses a limit over 1000, a page below 1 and unknown parameters', async () => {
    for (const query of ['limit=1001', 'limit=0', 'page=0', 'colour=blue', 'is_active=maybe']) {
      const res = await a.get(`/api/products?${query}`)
      assert.equal(res.statusCode, 400, query)
    }
    assert.equal((await a.get('/api/products?limit=1000')).statusCode, 200)
  })

  it('filters by parent, catalog, activity, reference, api_name and q', async () => {
    const ids = async (query: string) =>
      (await a.get(`/api/products?limit=100&${query}`)).json().data.map((p: { id: string }) => p.id)
    assert.deepEqual(await ids(`product_parent_id=${made[4]!.product_parent_id}`), [made[4]!.id])
    assert.deepEqual(await ids('product_parent_id=nope'), [])
    assert.deepEqual(await ids('is_active=false'), [made[3]!.id])
    assert.deepEqual(await ids('reference=REF-12'), [made[12]!.id])
    assert.deepEqual(await ids('api_name=item_20'), [made[20]!.id])
    const standard = (await a.get(`/api/products/${made[0]!.id}`)).json().data.catalog_ids[0]
    const inStandard = await ids(`catalog_id=${standard}`)
    assert.equal(inStandard.length, 34)
    assert.ok(!inStandard.includes(made[5]!.id))
    assert.deepEqual(await ids(`category_id=${uuidv7()}`), [])
    assert.deepEqual(await ids('q=SOCIETE'), [made[7]!.id])
    assert.deepEqual(await ids('q=sku-33'), [made[33]!.id])
    assert.deepEqual(
      await ids('q=ref-3'),
      [3, 30, 31, 32, 33, 34].map((i) => made[i]!.id),
    )
    assert.deepEqual(
      await ids('q=item_2'),
      [2, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29].map((i) => made[i]!.id),
    )
    await a.patch(`/api/products/${made[8]!.id}`, { name: 'Renamed gadget' })
    assert.deepEqual(await ids('q=gadget'), [made[8]!.id])
    assert.equal((await a.get('/api/products?q=gadget')).json().total, 1)
  })

  it("never shows another workspace's products", async () => {
    const other = await buildTenant(t.db)
    const body = (await a.get('/api/products', other.auth)).json()
    assert.deepEqual([body.total, body.data, body.next], [0, [], null])
    assert.equal((await a.get(`/api/products/${made[0]!.id}`, other.auth)).statusCode, 404)
  })
})
