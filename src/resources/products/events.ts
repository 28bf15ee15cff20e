import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { productParents } from '../product-parents/resource.ts'
import { findProductParent } from '../product-parents/store.ts'
import { products } from './resource.ts'
import { findProducts } from './store.ts'

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
  const changed = [...after].filter(([id, version]) => before.get(id) !== version).map(([id]) => id)
  const now = await findProducts(w.trx, w.workspaceId, changed)
  for (const id of changed) w.emit(products, before.has(id) ? 'updated' : 'created', id, now.get(id))
  for (const id of before.keys()) {
    if (!after.has(id)) w.emit(products, 'deleted', id, shown.get(id))
  }
}

/** How the live variants of a parent stand now, to record as deleted once the parent's deletion is done. */
export async function variantsShown(w: WriteContext, parentId: string): Promise<Map<string, unknown>> {
  const ids = [...(await variantVersions(w.trx, w.workspaceId, { parentId })).keys()]
  return findProducts(w.trx, w.workspaceId, ids)
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
