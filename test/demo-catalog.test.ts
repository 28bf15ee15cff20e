import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { connect } from '../src/db/connect.ts'
import { migrateTo, migrateToLatest } from '../src/db/migrate.ts'
import { DEMO_WORKSPACE_ID, loadDemo } from '../src/demo.ts'
import { createToken } from '../src/resources/tokens/store.ts'
import { api, createTestDatabase, documented, useTestApp } from './helpers.ts'

// `quoin demo` loads the catalog examples of Qwoty's docs so that every documented GET answers its example:
// each is compared with the documented body, key for key and in the docs' order. What differs is listed,
// with why, and nothing else may.

/** The body of a documented response, the one of `rendering` when the docs show several. */
const documentedResponse = (method: string, path: string, rendering?: string) => {
  const example = documented(method, path).response_examples.find(
    (r) => !rendering || r.rendering?.includes(rendering),
  )
  if (!example) throw new Error(`no documented response for ${method} ${path}`)
  return example.body as { data: unknown }
}

/** `actual` without the keys of `differs`, for a comparison of everything else, order included. */
function without(value: object, differs: readonly string[]): object {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !differs.includes(k)))
}

// What the variant examples show that the demo cannot: the docs' workspace id (the demo workspace has its
// own), the docs' price and pricebook ids (the demo's rows are made for it), and an image on the parent
// (parents have none).
const VARIANT_DIFFERS = ['workspace_id', 'prices', 'parent_primary_image_id']

describe('quoin demo: the documented catalog GETs answer their examples', () => {
  const t = useTestApp({
    setUp: async (t) => {
      await loadDemo(t.db.kysely)
      // Loading again changes nothing.
      await loadDemo(t.db.kysely)
      const { secret } = await createToken(t.db.kysely, {
        workspaceId: DEMO_WORKSPACE_ID,
        name: 'demo test',
        scopes: ['*'],
      })
      auth.authorization = `Bearer ${secret}`
    },
  })
  const auth = { authorization: '' }
  const client = api(t, () => auth)

  it('GET /api/payment-terms/{id}', async () => {
    const res = await client.get('/api/payment-terms/550e8400-e29b-41d4-a716-446655440000')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify(documentedResponse('GET', '/api/payment-terms/{id}')))
  })

  it('GET /api/catalogs/{id}', async () => {
    const res = await client.get('/api/catalogs/550e8400-e29b-41d4-a716-446655440000')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify(documentedResponse('GET', '/api/catalogs/{id}')))
  })

  it('GET /api/products/{id}', async () => {
    const res = await client.get('/api/products/550e8400-e29b-41d4-a716-446655440000')
    assert.equal(res.statusCode, 200)
    const example = documentedResponse('GET', '/api/products/{id}', 'copy A').data as Record<string, unknown>
    const data = res.json().data
    assert.deepEqual(Object.keys(data), Object.keys(example))
    assert.equal(
      JSON.stringify(without(data, VARIANT_DIFFERS)),
      JSON.stringify(without(example, VARIANT_DIFFERS)),
    )
    assert.equal(data.workspace_id, DEMO_WORKSPACE_ID)
    assert.ok(data.prices.length > 0)
    for (const price of data.prices)
      assert.deepEqual(Object.keys(price), ['id', 'pricebook_id', 'pricebook_api_name'])
  })

  it('GET /api/prices/{id}', async () => {
    const res = await client.get('/api/prices/550e8400-e29b-41d4-a716-446655440000')
    assert.equal(res.statusCode, 200, res.body)
    const example = documentedResponse('GET', '/api/prices/{id}').data as Record<string, unknown>
    const data = res.json().data
    assert.deepEqual(Object.keys(data), [...Object.keys(example), 'is_active', 'percentage_product_ids'])
    // The docs' price names a variant id their product pages give to a parent, and the docs' own workspace,
    // currency and tax; the demo's widget is recurring, so its price is the monthly one.
    const differs = [
      'product_variant_id',
      'product_id',
      'currency_id',
      'default_tax_id',
      'billing_frequency_id',
      'billing_frequency_period',
      'billing_frequency_unit',
      'workspace_id',
      'is_active',
      'percentage_product_ids',
    ]
    assert.equal(JSON.stringify(without(data, differs)), JSON.stringify(without(example, differs)))
    assert.deepEqual(
      [data.billing_frequency_period, data.billing_frequency_unit, data.is_active],
      [1, 'month', true],
    )
  })

  it('GET /api/product-parents lists the documented parent', async () => {
    const res = await client.get('/api/product-parents')
    assert.equal(res.statusCode, 200)
    const [example] = documentedResponse('GET', '/api/product-parents').data as Record<string, unknown>[]
    const item = res.json().data.find((p: { id: string }) => p.id === example!.id)
    assert.ok(item, 'the documented parent is listed')
    // Quoin adds the parent's options after the documented keys.
    assert.deepEqual(Object.keys(item), [...Object.keys(example!), 'options'])
    assert.equal(JSON.stringify(without(item, ['options'])), JSON.stringify(example))
  })

  it('GET /api/products lists the documented variant', async () => {
    const res = await client.get('/api/products?limit=30&page=1')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    // The two variants of the catalog examples, and the two the quote example is made of (src/demo-quote.ts).
    assert.equal(body.total, 4)
    assert.equal(body.next, null)
    const [example] = (documentedResponse('GET', '/api/products', 'copy A') as unknown as { data: object[] })
      .data as Record<string, unknown>[]
    const item = body.data.find((p: { id: string }) => p.id === example!.id)
    assert.ok(item)
    // The list example shows empty identifiers and no ledger account where the GET example shows them (the
    // demo's variant is the GET's), and placeholder ids for the option and its value ('opt-001').
    const differs = [
      ...VARIANT_DIFFERS,
      'identifiers',
      'accounting',
      'primary_image_id',
      'created_by',
      'updated_by',
    ]
    const noIds = (options: object[]) => options.map((o) => without(o, ['option_id', 'value_id']))
    const compared = (v: Record<string, unknown>) => ({
      ...without(v, differs),
      options: noIds(v.options as object[]),
    })
    assert.equal(JSON.stringify(compared(item)), JSON.stringify(compared(example!)))
  })

  it('every documented catalog id answers in the demo workspace', async () => {
    for (const url of [
      '/api/catalogs/770e8400-e29b-41d4-a716-446655440002',
      '/api/catalogs/660e8400-e29b-41d4-a716-446655440001',
      '/api/product-parents/660e8400-e29b-41d4-a716-446655440001',
      '/api/products/770e8400-e29b-41d4-a716-446655440002',
    ]) {
      assert.equal((await client.get(url)).statusCode, 200, url)
    }
  })
})

describe('quoin demo on a demo workspace made before the catalog', () => {
  it('keeps the Standard catalog and Net 30 the upgrade gave it, and loads the rest', async () => {
    const database = await createTestDatabase()
    const db = connect(database.url)
    try {
      await migrateTo(db.kysely, '0006_events')
      await db.kysely
        .insertInto('workspaces')
        .values({ id: DEMO_WORKSPACE_ID, name: 'Demo', created_at: new Date().toISOString() })
        .execute()
      await migrateToLatest(db.kysely)
      const before = await db.kysely
        .selectFrom('catalogs')
        .select(['id', 'api_name'])
        .where('workspace_id', '=', DEMO_WORKSPACE_ID)
        .execute()
      assert.deepEqual(
        before.map((c) => c.api_name),
        ['standard'],
      )
      await loadDemo(db.kysely)
      const parent = await db.kysely
        .selectFrom('product_parent_catalogs')
        .select('catalog_id')
        .where('product_parent_id', '=', '660e8400-e29b-41d4-a716-446655440001')
        .execute()
      assert.deepEqual(
        parent.map((p) => p.catalog_id),
        [before[0]!.id],
      )
      const terms = await db.kysely
        .selectFrom('payment_terms')
        .select('name')
        .where('workspace_id', '=', DEMO_WORKSPACE_ID)
        .execute()
      assert.deepEqual(
        terms.map((t) => t.name),
        ['Net 30'],
      )
    } finally {
      await db.close()
      await database.drop()
    }
  })
})
