import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { syncPrices } from '../prices/sync.ts'
import { emitVariantChanges, variantsShown, variantVersions } from '../products/events.ts'
import { productParents } from './resource.ts'
import {
  PARENT_READ_ONLY,
  ProductParent,
  ProductParentCreate,
  ProductParentListQuery,
  ProductParentPatch,
} from './schema.ts'
import {
  createProductParent,
  deleteProductParent,
  findProductParent,
  listProductParents,
  updateProductParent,
} from './store.ts'

const REFERENCE_REFUSED =
  "Field 'reference' cannot be set on a product parent: it belongs to the default variant (PATCH /api/products/{id})"

export const productParentRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, productParents, {
    path: '/api/product-parents',
    tag: 'Product parents',
    item: ProductParent,
    find: findProductParent,
    list: {
      summary: 'List product parents',
      description:
        "The workspace's product parents, oldest first. As in Qwoty's docs, the answer holds every one " +
        'unless `limit` or `cursor` asks for a page. Beyond the docs: the `catalog_id`, `is_active` and ' +
        "`api_name` filters, and each parent's `options`.",
      query: ProductParentListQuery,
      whole: true,
      fetch: (db, workspaceId, { limit, cursor, ...filters }) =>
        listProductParents(db, workspaceId, filters, { limit, cursor }),
    },
    get: {
      summary: 'Get a product parent',
      description: "Beyond Qwoty's docs: one product parent, with its variants' ids and its options.",
    },
    create: {
      summary: 'Create a product parent',
      description:
        'Creates a master product and its default variant (a product, which holds `reference`). ' +
        '`api_name` is unique among the live parents of the workspace (409 naming the one that holds it). ' +
        'Beyond the docs: `catalog_ids` (the `standard` catalog when omitted) and `options`: a variant is ' +
        'generated for every combination of their values, named after the parent and the values ' +
        '("Consulting Services - Senior"), the first being the default.',
      errors: ['conflict'],
      body: ProductParentCreate,
      write: async (w, body) => {
        const id = await createProductParent(w, body)
        const recordPrices = await syncPrices(w, { productParentIds: [id] }, { productEvents: false })
        await emitVariantChanges(w, { parentId: id }, new Map())
        await recordPrices()
        return id
      },
    },
    update: {
      summary: 'Update a product parent',
      description:
        'Changes the fields given. `reference` is refused (400): it belongs to the default variant, ' +
        'PATCH /api/products/{id}. A new `name` keeps the `api_name` (integrators key on it; send `api_name` ' +
        'to change it, beyond the docs) and renames the variants whose names were generated from it. ' +
        'Beyond the docs: `catalog_ids` replaces the catalogs; `options` replaces the declaration, matched ' +
        'by api_name: a new value adds its variants, a value left out deactivates its variants (never ' +
        'deletes them), declaring it again reactivates them; a parent without options that gains some sees ' +
        'its default variant become the first combination (same id).',
      errors: ['conflict'],
      body: ProductParentPatch,
      readOnly: PARENT_READ_ONLY,
      prepare: async (_db, _workspaceId, patch) => {
        if ('reference' in patch)
          throw new ApiError('validation_failed', 'Validation error', [REFERENCE_REFUSED])
        return patch
      },
      write: async (w, id, patch) => {
        const before = await variantVersions(w.trx, w.workspaceId, { parentId: id })
        if (!(await updateProductParent(w, id, patch))) return false
        const recordPrices = await syncPrices(w, { productParentIds: [id] }, { productEvents: false })
        await emitVariantChanges(w, { parentId: id }, before)
        await recordPrices()
        return true
      },
    },
    remove: {
      summary: 'Delete a product parent',
      description:
        "Beyond Qwoty's docs: deletes the product parent and its variants (one deletion); they disappear " +
        'from reads and lists.',
      message: 'Product parent deleted successfully',
      write: async (w, id) => {
        const shown = await variantsShown(w, id)
        if (!(await deleteProductParent(w, id))) return false
        const recordPrices = await syncPrices(w, { productParentIds: [id] }, { productEvents: false })
        await emitVariantChanges(w, { parentId: id }, new Map([...shown.keys()].map((v) => [v, 0])), shown)
        await recordPrices()
        return true
      },
    },
  })
}
