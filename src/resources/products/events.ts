import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { productParents } from '../product-parents/resource.ts'
import { findProductParent } from '../product-parents/store.ts'
import { products } from './resource.ts'
import { findProduct } from './store.ts'

// A write of one record often changes others: a product parent creates, renames, deactivates or deletes
// its variants; a product created through POST /api/products creates its parent; a category deleted
// leaves the products that carried it. Each record changed gets its own event, as if written alone, so
// that an integration that follows events (or, later, webhooks) misses none. What changed is read from
// the versions, which every update moves: no write path has to remember to say so.

type Versions = Map<string, number>

/** The live variants that `where` selects (a parent's, or some by id), with their versions. */
export async function variantVersions(
  trx: Kysely<Database>,
  workspaceId: string,
  where: { parentId: string } | { ids: readonly string[] },
): Promise<Versions> {
  if ('ids' in where && where.ids.length === 0) return new Map()
  const rows = await trx
    .selectFrom('products')
    .select(['id', 'version'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .$if('parentId' in where, (q) =>
      q.where('product_parent_id', '=', (where as { parentId: string }).parentId),
    )
    .$if('ids' in where, (q) => q.where('id', 'in', (where as { ids: readonly string[] }).ids))
    .execute()
  return new Map(rows.map((r) => [r.id, Number(r.version)]))
}

/**
 * Records product.created for the variants of `where` that were not there `before`, product.updated for
 * those whose version moved, and product.deleted for those gone (as `before` showed them).
 */
export async function emitVariantChanges(
  w: WriteContext,
  where: { parentId: string } | { ids: readonly string[] },
  before: Versions,
  shown: Map<string, unknown> = new Map(),
): Promise<void> {
  const after = await variantVersions(w.trx, w.workspaceId, where)
  for (const [id, version] of after) {
    const was = before.get(id)
    if (was === version) continue
    const value = (await findProduct(w.trx, w.workspaceId, id))?.value
    w.emit(products, was === undefined ? 'created' : 'updated', id, value)
  }
  for (const id of before.keys()) {
    if (!after.has(id)) w.emit(products, 'deleted', id, shown.get(id))
  }
}

/** How the live variants of a parent stand now, to record as deleted once the parent's deletion is done. */
export async function variantsShown(w: WriteContext, parentId: string): Promise<Map<string, unknown>> {
  const shown = new Map<string, unknown>()
  for (const id of (await variantVersions(w.trx, w.workspaceId, { parentId })).keys()) {
    shown.set(id, (await findProduct(w.trx, w.workspaceId, id))?.value)
  }
  return shown
}

/** The version of a live product parent, or undefined. */
export async function parentVersion(w: WriteContext, parentId: string): Promise<number | undefined> {
  const row = await w.trx
    .selectFrom('product_parents')
    .select('version')
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', parentId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row === undefined ? undefined : Number(row.version)
}

/** Records product_parent.created or .updated when the parent's version moved from `before`. */
export async function emitParentChange(w: WriteContext, parentId: string, before: number | undefined) {
  const after = await parentVersion(w, parentId)
  if (after === undefined || after === before) return
  const value = (await findProductParent(w.trx, w.workspaceId, parentId))?.value
  w.emit(productParents, before === undefined ? 'created' : 'updated', parentId, value)
}
