import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'
import { runWrite } from '../../kernel/write.ts'
import { refreshDerived, syncPrices } from './sync.ts'

type Tenant = Awaited<ReturnType<typeof buildTenant>>

async function rowsOf(db: Db, workspaceId: string, where: { productId?: string; pricebookId?: string } = {}) {
  return db.kysely
    .selectFrom('prices')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(where.productId !== undefined, (q) => q.where('product_id', '=', where.productId as string))
    .$if(where.pricebookId !== undefined, (q) => q.where('pricebook_id', '=', where.pricebookId as string))
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

const active = (rows: { is_active: boolean | number }[]) =>
  rows.filter((r) => r.is_active === true || r.is_active === 1)

async function idOf(db: Db, table: 'pricebooks' | 'catalogs', workspaceId: string, apiName: string) {
  const row = await db.kysely
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('api_name', '=', apiName)
    .executeTakeFirstOrThrow()
  return row.id
}

/** A pricebook written straight into the table (its routes are not what this file tests). */
async function insertPricebook(
  db: Db,
  workspaceId: string,
  values:
    | { type: 'fixed'; catalogId: string }
    | { type: 'dynamic'; baseId: string; percent: string; rounding?: string; value?: string },
) {
  const id = uuidv7()
  const at = nextInstant()
  const currency = await db.kysely
    .selectFrom('currencies')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  await db.kysely
    .insertInto('pricebooks')
    .values({
      id,
      workspace_id: workspaceId,
      name: `Pricebook ${id.slice(-6)}`,
      api_name: `pb_${id.slice(-12)}`,
      reference: null,
      description: null,
      status: 'active',
      type: values.type,
      catalog_id: values.type === 'fixed' ? values.catalogId : null,
      currency_id: currency.id,
      base_pricebook_id: values.type === 'dynamic' ? values.baseId : null,
      adjustment_percent: values.type === 'dynamic' ? values.percent : null,
      rounding: values.type === 'dynamic' ? (values.rounding ?? 'minor_unit') : null,
      rounding_value: values.type === 'dynamic' ? (values.value ?? null) : null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

describe('price rows', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)
  const sync = (scope: Parameters<typeof syncPrices>[1] = {}) =>
    runWrite(t.db.kysely, tenant.workspaceId, (w) => syncPrices(w, scope))

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('are made with a product: one for a one-off product, one per billing frequency for a recurring one', async () => {
    const oneOff = (
      await call.post('/api/products', { api_name: 'desk', recurrence_type: 'one_off', name: 'Desk' })
    ).json().data
    const recurring = (
      await call.post('/api/products', { api_name: 'saas', recurrence_type: 'recurring', name: 'SaaS seat' })
    ).json().data
    const standard = await idOf(t.db, 'pricebooks', tenant.workspaceId, 'standard')
    const desk = await rowsOf(t.db, tenant.workspaceId, { productId: oneOff.id })
    assert.deepEqual(
      desk.map((r) => [r.pricebook_id, r.billing_frequency_id, r.pricing_model, r.amount]),
      [[standard, null, null, null]],
    )
    const seat = await rowsOf(t.db, tenant.workspaceId, { productId: recurring.id })
    const frequencies = await t.db.kysely
      .selectFrom('billing_frequencies')
      .select(['id', 'name'])
      .where('workspace_id', '=', tenant.workspaceId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    assert.deepEqual(
      frequencies.map((f) => f.name),
      ['Monthly', 'Quarterly', 'Yearly'],
    )
    assert.deepEqual(seat.map((r) => r.billing_frequency_id).sort(), frequencies.map((f) => f.id).sort())
    assert.equal(active(seat).length, 3)
  })

  it('are deactivated, never deleted, when the product leaves the catalog, and come back as they were', async () => {
    const product = (
      await call.post('/api/products', { api_name: 'lamp', recurrence_type: 'one_off', name: 'Lamp' })
    ).json().data
    const [row] = await rowsOf(t.db, tenant.workspaceId, { productId: product.id })
    assert.ok(row)
    await t.db.kysely
      .updateTable('prices')
      .set({ pricing_model: 'flat', amount: '12.50' })
      .where('id', '=', row.id)
      .execute()
    const other = (await call.post('/api/catalogs', { name: 'Elsewhere' })).json().data
    const moved = await call.patch(`/api/product-parents/${product.product_parent_id}`, {
      catalog_ids: [other.id],
    })
    assert.equal(moved.statusCode, 200, moved.body)
    let rows = await rowsOf(t.db, tenant.workspaceId, { productId: product.id })
    assert.deepEqual(
      rows.map((r) => [r.id, Boolean(r.is_active)]),
      [[row.id, false]],
    )
    assert.deepEqual((await call.get(`/api/products/${product.id}`)).json().data.prices, [])

    const back = await call.patch(`/api/product-parents/${product.product_parent_id}`, { catalog_ids: [] })
    assert.equal(back.statusCode, 200, back.body)
    const standard = (await call.get('/api/catalogs'))
      .json()
      .data.find((c: { api_name: string }) => c.api_name === 'standard')
    await call.patch(`/api/product-parents/${product.product_parent_id}`, { catalog_ids: [standard.id] })
    rows = await rowsOf(t.db, tenant.workspaceId, { productId: product.id })
    assert.equal(rows.length, 1)
    assert.equal(rows[0]?.id, row.id)
    assert.ok(rows[0]?.is_active)
    assert.equal(Number(rows[0]?.amount), 12.5)
  })

  it('are deactivated with a deleted product, and the product lists only its active prices', async () => {
    const product = (
      await call.post('/api/products', { api_name: 'chair', recurrence_type: 'one_off', name: 'Chair' })
    ).json().data
    assert.equal(product.prices.length, 1)
    assert.equal((await call.del(`/api/product-parents/${product.product_parent_id}`)).statusCode, 200)
    const rows = await rowsOf(t.db, tenant.workspaceId, { productId: product.id })
    assert.equal(rows.length, 1)
    assert.equal(Boolean(rows[0]?.is_active), false)
  })

  it('follow the billing frequencies: a new one adds a row per recurring variant, a deactivated one deactivates them', async () => {
    const product = (
      await call.post('/api/products', { api_name: 'support', recurrence_type: 'recurring', name: 'Support' })
    ).json().data
    const weekly = uuidv7()
    const at = nextInstant()
    await t.db.kysely
      .insertInto('billing_frequencies')
      .values({
        id: weekly,
        workspace_id: tenant.workspaceId,
        name: 'Weekly',
        period: 1,
        unit: 'week',
        is_active: 1,
        created_at: at,
        updated_at: at,
      })
      .execute()
    await sync()
    let rows = await rowsOf(t.db, tenant.workspaceId, { productId: product.id })
    assert.equal(active(rows).length, 4)
    assert.ok(rows.some((r) => r.billing_frequency_id === weekly))
    await t.db.kysely
      .updateTable('billing_frequencies')
      .set({ is_active: 0 })
      .where('id', '=', weekly)
      .execute()
    await sync()
    rows = await rowsOf(t.db, tenant.workspaceId, { productId: product.id })
    assert.equal(rows.length, 4)
    assert.equal(active(rows).length, 3)
    assert.equal(Boolean(rows.find((r) => r.billing_frequency_id === weekly)?.is_active), false)
  })

  it('of a new pricebook cover its catalog; a sync that finds nothing to do changes nothing', async () => {
    const catalog = (await call.post('/api/catalogs', { name: 'Partners only' })).json().data
    const product = (
      await call.post('/api/products', {
        api_name: 'kit',
        recurrence_type: 'one_off',
        name: 'Kit',
        catalog_ids: [catalog.id],
      })
    ).json().data
    const pricebook = await insertPricebook(t.db, tenant.workspaceId, {
      type: 'fixed',
      catalogId: catalog.id,
    })
    await sync({ pricebookIds: [pricebook] })
    const rows = await rowsOf(t.db, tenant.workspaceId, { pricebookId: pricebook })
    assert.deepEqual(
      rows.map((r) => r.product_id),
      [product.id],
    )
    const before = await rowsOf(t.db, tenant.workspaceId)
    await sync()
    assert.deepEqual(await rowsOf(t.db, tenant.workspaceId), before)
  })

  it("of a dynamic pricebook follow their base's through the rule, and again when the base changes", async () => {
    const catalog = (await call.post('/api/catalogs', { name: 'Retail' })).json().data
    const product = (
      await call.post('/api/products', {
        api_name: 'printer',
        recurrence_type: 'one_off',
        name: 'Printer',
        catalog_ids: [catalog.id],
      })
    ).json().data
    const base = await insertPricebook(t.db, tenant.workspaceId, { type: 'fixed', catalogId: catalog.id })
    await sync({ pricebookIds: [base] })
    const [baseRow] = await rowsOf(t.db, tenant.workspaceId, { pricebookId: base })
    assert.ok(baseRow)
    const tiers = JSON.stringify([
      { up_to: '10', unit_amount: '10.00', flat_amount: null },
      { up_to: null, unit_amount: '8.00', flat_amount: '5.00' },
    ])
    await t.db.kysely
      .updateTable('prices')
      .set({
        pricing_model: 'graduated',
        graduated_tiers: tiers,
        floor_price: '90',
        cost: '40',
        cost_multiplier: '2',
        id_crm: 'base-crm',
      })
      .where('id', '=', baseRow.id)
      .execute()
    const partners = await insertPricebook(t.db, tenant.workspaceId, {
      type: 'dynamic',
      baseId: base,
      percent: '-10',
      rounding: 'ending',
      value: '0.99',
    })
    await sync({ pricebookIds: [partners] })
    const [row] = await rowsOf(t.db, tenant.workspaceId, { pricebookId: partners })
    assert.ok(row)
    assert.equal(row.product_id, product.id)
    assert.equal(row.parent_price_id, baseRow.id)
    assert.equal(row.pricing_model, 'graduated')
    assert.deepEqual(JSON.parse(row.graduated_tiers ?? 'null'), [
      { up_to: '10', unit_amount: '8.99', flat_amount: null },
      { up_to: null, unit_amount: '6.99', flat_amount: '4.99' },
    ])
    assert.equal(Number(row.floor_price), 80.99)
    assert.equal(Number(row.cost), 40)
    assert.equal(Number(row.cost_multiplier), 1.8)
    assert.equal(row.id_crm, null, 'identifiers stay its own')

    await t.db.kysely
      .updateTable('prices')
      .set({ pricing_model: 'flat', amount: '100', graduated_tiers: null })
      .where('id', '=', baseRow.id)
      .execute()
    await runWrite(t.db.kysely, tenant.workspaceId, (w) =>
      refreshDerived(w, { parentPriceIds: [baseRow.id] }),
    )
    const [after] = await rowsOf(t.db, tenant.workspaceId, { pricebookId: partners })
    assert.equal(after?.pricing_model, 'flat')
    assert.equal(Number(after?.amount), 89.99)
    assert.equal(after?.graduated_tiers, null)
  })

  it('are made in one transaction with their events: price.created for each row', async () => {
    const product = (
      await call.post('/api/products', { api_name: 'mug', recurrence_type: 'one_off', name: 'Mug' })
    ).json().data
    const events = await t.db.kysely
      .selectFrom('events')
      .select(['type', 'record_id'])
      .where('workspace_id', '=', tenant.workspaceId)
      .where('type', '=', 'price.created')
      .where('record_id', '=', product.prices[0].id)
      .execute()
    assert.equal(events.length, 1)
  })
})
