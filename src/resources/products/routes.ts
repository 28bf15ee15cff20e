import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'
import { errors } from '../../http/schemas.ts'
import { declareRoutes, routeConfig } from '../../kernel/routes.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { syncPrices } from '../prices/sync.ts'
import { emitParentChange, parentVersion } from './events.ts'
import { products } from './resource.ts'
import {
  DEFAULT_PAGE_SIZE,
  type NestedWrite,
  PRODUCT_READ_ONLY,
  Product,
  ProductCreate,
  ProductListQuery,
  ProductPage,
  ProductPatch,
} from './schema.ts'
import { createProduct, findProduct, folded, listProducts, updateProduct } from './store.ts'

const BRACKETS =
  'Nested fields may also be sent as the bracket keys of Qwoty\'s docs: `"inventory[sku]": "X"` is ' +
  '`"inventory": {"sku": "X"}`, likewise `settings[…]`, `shipping[…]`, `identifiers[…]` and ' +
  '`accounting[ledger_account]`; a field sent both ways is a 400. Reads are always nested.'

/** A body's settings.recurrence_type, checked against the parent's (`expected`) and dropped. */
function parentsRecurrence<B extends NestedWrite>(body: B, expected: string | undefined): B {
  const sent = body.settings?.recurrence_type
  if (sent === undefined) return body
  if (sent !== expected) {
    throw new ApiError('validation_failed', 'Validation error', [
      `Field 'settings.recurrence_type' is the product parent's (${expected}): send recurrence_type to POST /api/products, or PATCH /api/product-parents/{id}`,
    ])
  }
  const { recurrence_type: _, ...settings } = body.settings!
  return { ...body, settings }
}

const CATALOGS_REFUSED =
  "Field 'catalog_ids' cannot be set on a product: catalogs belong to its product parent (PATCH /api/product-parents/{id})"

/** The product parent of a live product, or undefined. */
async function parentOf(w: WriteContext, id: string): Promise<string | undefined> {
  const row = await w.trx
    .selectFrom('products')
    .select('product_parent_id')
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row?.product_parent_id
}

/** The URL of the page after this one, as the request reached us, its other parameters kept. */
function nextPage(request: FastifyRequest, page: number): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`)
  url.searchParams.set('page', String(page + 1))
  return url.toString()
}

export const productRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/api/products',
    {
      config: routeConfig(products, 'read'),
      schema: {
        tags: ['Products'],
        summary: 'List products',
        description:
          "The workspace's products (variants), oldest first, a page at a time as Qwoty documents: `limit` " +
          `(${DEFAULT_PAGE_SIZE} by default, at most 1000) and \`page\` (from 1); \`total\` counts every match ` +
          'and `next` is the URL of the next page (null on the last). Filters: `product_parent_id`, ' +
          "`catalog_id` (its parent's), `category_id`, `is_active`, `reference`, `api_name`, and `q` (a text " +
          'in the name, api_name, reference or SKU, ignoring case and accents). The `success` key and the ' +
          'filter names are beyond the docs, which show none.',
        querystring: ProductListQuery,
        response: {
          200: ProductPage,
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request) => {
      const query = request.query as ProductListQuery
      const { total, rows, more } = await listProducts(db, request.auth.workspaceId, query)
      return {
        success: true as const,
        total,
        next: more ? nextPage(request, query.page ?? 1) : null,
        data: rows,
      }
    },
  )

  declareRoutes(app, db, products, {
    path: '/api/products',
    tag: 'Products',
    item: Product,
    find: findProduct,
    get: {
      summary: 'Get a product',
      description:
        'One product (a variant of a product parent), with its settings, shipping, inventory, identifiers, ' +
        "accounting, option values, and its parent's catalogs and recurrence type. `prices` is empty until " +
        "pricebooks exist. `description` is its own, or its parent's when it has none and " +
        '`description_inherit_from_product` is true.',
    },
    create: {
      summary: 'Create a product',
      description:
        'Creates a product parent and its default variant, and answers the variant. `api_name` is unique ' +
        'among the live parents (409). `description` and `id_crm`/`id_erp`/`id_accounting` are the ' +
        "parent's (the id_* also fill the variant's `identifiers` not sent); `catalog_ids` the parent's " +
        '(the `standard` catalog when omitted). `reference` and `inventory.sku` are unique among the ' +
        `active products of the workspace (409 naming the holder). ${BRACKETS}`,
      errors: ['conflict'],
      body: ProductCreate,
      prepare: async (_db, _workspaceId, body) => {
        const flat = folded(body)
        return parentsRecurrence(flat, flat.recurrence_type)
      },
      write: async (w, body) => {
        const id = await createProduct(w, body)
        const parentId = await parentOf(w, id)
        if (parentId !== undefined) {
          const recordPrices = await syncPrices(w, { productParentIds: [parentId] }, { productEvents: false })
          await emitParentChange(w, parentId, undefined)
          await recordPrices()
        }
        return id
      },
    },
    update: {
      summary: 'Update a product',
      description:
        'Changes the fields given of one variant; nested objects are partial. `catalog_ids` belong to the ' +
        'parent: a different list is a 400 (PATCH /api/product-parents/{id}). `reference` and ' +
        '`inventory.sku` are unique among the active products of the workspace (409 naming the holder); ' +
        `deactivating a product frees them. ${BRACKETS}`,
      errors: ['conflict'],
      body: ProductPatch,
      readOnly: PRODUCT_READ_ONLY,
      prepare: async (db, workspaceId, patch, id) => {
        let body = folded(patch)
        const current =
          body.catalog_ids !== undefined || body.settings?.recurrence_type !== undefined
            ? await findProduct(db, workspaceId, id)
            : undefined
        body = parentsRecurrence(body, current?.value.settings.recurrence_type)
        if (body.catalog_ids !== undefined) {
          const sent = Array.isArray(body.catalog_ids) ? body.catalog_ids.map(String) : undefined
          const stored = current?.value.catalog_ids ?? []
          const same =
            sent !== undefined &&
            sent.length === stored.length &&
            sent.every((s) => stored.includes(s.toLowerCase()))
          if (!same) throw new ApiError('validation_failed', 'Validation error', [CATALOGS_REFUSED])
          delete body.catalog_ids
        }
        return body
      },
      write: async (w, id, patch) => {
        const parentId = await parentOf(w, id)
        const before = parentId === undefined ? undefined : await parentVersion(w, parentId)
        if (!(await updateProduct(w, id, patch))) return false
        // The parent shows its default variant's reference.
        if (parentId !== undefined) await emitParentChange(w, parentId, before)
        return true
      },
    },
  })
}
