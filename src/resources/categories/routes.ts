import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { emitVariantChanges, variantVersions } from '../products/events.ts'
import { categories } from './resource.ts'
import { CATEGORY_READ_ONLY, Category, CategoryCreate, CategoryListQuery, CategoryPatch } from './schema.ts'
import { createCategory, deleteCategory, findCategory, listCategories, updateCategory } from './store.ts'

// Categories are Quoin's: Qwoty's API documents none.
export const categoryRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, categories, {
    path: '/api/categories',
    tag: 'Categories',
    item: Category,
    find: findCategory,
    list: {
      summary: 'List categories',
      description:
        "The workspace's categories, oldest first: a tree, each naming the category it is under in " +
        '`parent_id` (null at the top). `parent_id` keeps those directly under one category, `is_active` ' +
        "the active or the inactive ones. Beyond Qwoty's API, which has no categories.",
      query: CategoryListQuery,
      whole: true,
      fetch: listCategories,
    },
    get: {
      summary: 'Get a category',
      description: "Retrieve a specific category by ID. Beyond Qwoty's API.",
    },
    create: {
      summary: 'Create a category',
      description:
        'Creates a category, top-level or under another category of the workspace (`parent_id`; 400 when ' +
        "it names none). Products carry categories. Beyond Qwoty's API.",
      body: CategoryCreate,
      write: createCategory,
    },
    update: {
      summary: 'Update a category',
      description:
        'Changes the fields given and leaves the others as they are. `null` clears `description`, and ' +
        '`parent_id` (the category becomes top-level); `name` cannot be cleared. A new `parent_id` moves ' +
        'the category with its subcategories; it cannot be the category itself or one of its ' +
        "subcategories (400: the tree would have a cycle). Beyond Qwoty's API.",
      body: CategoryPatch,
      readOnly: CATEGORY_READ_ONLY,
      write: updateCategory,
    },
    remove: {
      summary: 'Delete a category',
      description:
        'Deletes the category for good. Refused with 409 while categories are under it: delete them or ' +
        'move them first. Products that carry it lose it (their version moves; no product event is ' +
        "recorded). Beyond Qwoty's API.",
      errors: ['conflict'],
      message: 'Category deleted successfully',
      write: async (w, id) => {
        // The products that carried it change (their category_ids): each gets its product.updated.
        const carriers = await w.trx
          .selectFrom('product_categories')
          .select('product_id')
          .where('workspace_id', '=', w.workspaceId)
          .where('category_id', '=', id)
          .execute()
        const ids = carriers.map((c) => c.product_id)
        const before = await variantVersions(w.trx, w.workspaceId, { ids })
        if (!(await deleteCategory(w, id))) return false
        await emitVariantChanges(w, { ids }, before)
        return true
      },
    },
  })
}
