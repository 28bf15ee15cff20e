import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { api, buildTenant, useTestApp } from '../../../test/helpers.ts'

// A write that changes other records than its own records an event for each of them: an integration that
// follows /api/events sees every variant a product parent creates, deactivates or deletes.

type Tenant = Awaited<ReturnType<typeof buildTenant>>

describe('events of the records a catalog write changes besides its own', () => {
  const t = useTestApp()
  let tenant: Tenant
  const a = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })
  /** The events recorded since `after` (an event id), as "type record_id". */
  const since = async (after?: string) => {
    const res = await a.get('/api/events?limit=1000')
    assert.equal(res.statusCode, 200, res.body)
    const all = res.json().data as { id: string; type: string; record_id: string }[]
    return after === undefined ? all : all.slice(all.findIndex((e) => e.id === after) + 1)
  }
  const last = async () => (await since()).at(-1)?.id

  it('a parent created with options records each variant, then itself, then the prices the Standard pricebook gains', async () => {
    const mark = await last()
    const res = await a.post('/api/product-parents', {
      api_name: 'consulting',
      recurrence_type: 'recurring',
      name: 'Consulting',
      options: [{ name: 'Seniority', values: [{ name: 'Junior' }, { name: 'Senior' }] }],
    })
    assert.equal(res.statusCode, 201, res.body)
    const parent = res.json().data
    const events = await since(mark)
    // Recurring: a price per variant and billing frequency (monthly, quarterly, yearly), after the products.
    assert.deepEqual(
      events.map((e) => e.type),
      ['product.created', 'product.created', ...Array(6).fill('price.created'), 'product_parent.created'],
    )
    assert.deepEqual(
      events
        .filter((e) => e.type === 'product.created')
        .map((e) => e.record_id)
        .sort(),
      [...parent.product_ids].sort(),
    )
  })

  it('a value removed records the variants it deactivates; a delete records every variant deleted', async () => {
    const parent = (
      await a.post('/api/product-parents', {
        api_name: 'training',
        recurrence_type: 'one_off',
        name: 'Training',
        options: [{ name: 'Level', values: [{ name: 'Basic' }, { name: 'Advanced' }, { name: 'Expert' }] }],
      })
    ).json().data
    let mark = await last()
    const patched = await a.patch(`/api/product-parents/${parent.id}`, {
      options: [{ name: 'Level', api_name: 'level', values: [{ name: 'Basic' }, { name: 'Advanced' }] }],
    })
    assert.equal(patched.statusCode, 200, patched.body)
    let events = await since(mark)
    const updated = events.filter((e) => e.type === 'product.updated')
    assert.equal(updated.length, 1)
    const gone = (await a.get(`/api/products/${updated[0]!.record_id}`)).json().data
    assert.equal(gone.is_active, false)
    assert.ok(events.some((e) => e.type === 'product_parent.updated' && e.record_id === parent.id))

    mark = await last()
    assert.equal((await a.del(`/api/product-parents/${parent.id}`)).statusCode, 200)
    events = await since(mark)
    assert.deepEqual(
      events
        .filter((e) => e.type === 'product.deleted')
        .map((e) => e.record_id)
        .sort(),
      [...parent.product_ids].sort(),
    )
    assert.ok(events.some((e) => e.type === 'product_parent.deleted'))
  })

  it('POST /api/products records its parent too; a category deleted records the products it leaves', async () => {
    const category = (await a.post('/api/categories', { name: 'Hardware' })).json().data
    let mark = await last()
    const product = (
      await a.post('/api/products', {
        api_name: 'widget',
        recurrence_type: 'one_off',
        name: 'Widget',
        category_ids: [category.id],
      })
    ).json().data
    let events = await since(mark)
    assert.deepEqual(events.map((e) => `${e.type} ${e.record_id}`).sort(), [
      `price.created ${product.prices[0].id}`,
      `product.created ${product.id}`,
      `product_parent.created ${product.product_parent_id}`,
    ])

    mark = await last()
    assert.equal((await a.del(`/api/categories/${category.id}`)).statusCode, 200)
    events = await since(mark)
    assert.deepEqual(events.map((e) => `${e.type} ${e.record_id}`).sort(), [
      `category.deleted ${category.id}`,
      `product.updated ${product.id}`,
    ])
  })
})
