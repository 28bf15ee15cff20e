import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildTenant, insertCustomer, nextInstant, useTestApp } from '../../test/helpers.ts'
import type { Db } from '../db/connect.ts'
import { ApiError } from '../http/errors.ts'
import { type Reference, refuseIfUsed, usesOf } from './references.ts'

const IN_CATALOG: Reference = {
  table: 'product_parent_catalogs',
  column: 'catalog_id',
  noun: ['product', 'products'],
  through: { table: 'product_parents', column: 'product_parent_id' },
}
const IN_SEGMENT: Reference = {
  table: 'customers',
  column: 'segment_id',
  noun: ['customer', 'customers'],
  softDeleted: true,
}

async function catalogOf(db: Db, workspaceId: string) {
  const row = await db.kysely
    .selectFrom('catalogs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  return row.id
}

/** A product parent in `catalogId`, soft-deleted when `deleted`. */
async function productParentIn(db: Db, workspaceId: string, catalogId: string, deleted = false) {
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
  await db.kysely
    .insertInto('product_parent_catalogs')
    .values({ workspace_id: workspaceId, product_parent_id: id, catalog_id: catalogId, position: 0 })
    .execute()
}

async function segmentOf(db: Db, workspaceId: string) {
  const id = uuidv7()
  const at = nextInstant()
  await db.kysely
    .insertInto('segments')
    .values({
      id,
      workspace_id: workspaceId,
      name: 'S',
      reference: null,
      description: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

describe('usesOf and refuseIfUsed', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('says nothing when no record names the id', async () => {
    const catalog = await catalogOf(t.db, tenant.workspaceId)
    assert.equal(await usesOf(t.db.kysely, tenant.workspaceId, [IN_CATALOG, IN_SEGMENT], catalog), undefined)
    assert.equal(await usesOf(t.db.kysely, tenant.workspaceId, [], catalog), undefined)
  })

  it('counts, through a link table, the live records the links belong to, in the singular and plural', async () => {
    const own = await buildTenant(t.db)
    const catalog = await catalogOf(t.db, own.workspaceId)
    await productParentIn(t.db, own.workspaceId, catalog)
    await productParentIn(t.db, own.workspaceId, catalog, true)
    assert.equal(await usesOf(t.db.kysely, own.workspaceId, [IN_CATALOG], catalog), '1 product')
    await productParentIn(t.db, own.workspaceId, catalog)
    assert.equal(await usesOf(t.db.kysely, own.workspaceId, [IN_CATALOG], catalog), '2 products')
    // Another workspace asking about the same id sees none of them.
    assert.equal(await usesOf(t.db.kysely, tenant.workspaceId, [IN_CATALOG], catalog), undefined)
  })

  it('skips the deleted rows of a soft-deleted table, and joins several kinds of users', async () => {
    const segment = await segmentOf(t.db, tenant.workspaceId)
    for (const deleted of [false, false, true]) {
      const { id } = await insertCustomer(t.db, tenant.workspaceId)
      await t.db.kysely
        .updateTable('customers')
        .set({ segment_id: segment, deleted_at: deleted ? nextInstant() : null })
        .where('id', '=', id)
        .execute()
    }
    assert.equal(await usesOf(t.db.kysely, tenant.workspaceId, [IN_SEGMENT], segment), '2 customers')
    const counted = { ...IN_SEGMENT, softDeleted: false, noun: ['record', 'records'] as const }
    const alias = { ...IN_SEGMENT, noun: ['client', 'clients'] as const }
    assert.equal(
      await usesOf(t.db.kysely, tenant.workspaceId, [IN_CATALOG, IN_SEGMENT, counted, alias], segment),
      '2 customers, 3 records and 2 clients',
    )
    assert.equal(
      await usesOf(t.db.kysely, tenant.workspaceId, [IN_SEGMENT, counted], segment),
      '2 customers and 3 records',
    )
  })

  it('refuseIfUsed throws the 409 naming the users and the advice, and passes when none', async () => {
    const own = await buildTenant(t.db)
    const catalog = await catalogOf(t.db, own.workspaceId)
    const what = { noun: 'Catalog', usedBy: [IN_CATALOG] }
    await refuseIfUsed(t.db.kysely, own.workspaceId, what, catalog, 'unused')
    await refuseIfUsed(t.db.kysely, own.workspaceId, { noun: 'Catalog' }, catalog, 'no usedBy')
    await productParentIn(t.db, own.workspaceId, catalog)
    await assert.rejects(
      refuseIfUsed(t.db.kysely, own.workspaceId, what, catalog, 'take it out of their catalog_ids first'),
      (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.code, 'conflict')
        assert.equal(err.status, 409)
        assert.equal(err.message, 'Catalog is used by 1 product: take it out of their catalog_ids first')
        return true
      },
    )
    // Advice for one user and for several, chosen by how many there are in all.
    const advice = ['move it', 'move them'] as const
    await assert.rejects(refuseIfUsed(t.db.kysely, own.workspaceId, what, catalog, advice), {
      message: 'Catalog is used by 1 product: move it',
    })
    await productParentIn(t.db, own.workspaceId, catalog)
    await assert.rejects(refuseIfUsed(t.db.kysely, own.workspaceId, what, catalog, advice), {
      message: 'Catalog is used by 2 products: move them',
    })
  })
})
