import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { catalogs } from './resource.ts'
import { CATALOG_READ_ONLY, Catalog, CatalogCreate, CatalogListQuery, CatalogPatch } from './schema.ts'
import { createCatalog, deleteCatalog, findCatalog, listCatalogs, updateCatalog } from './store.ts'

export const catalogRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, catalogs, {
    path: '/api/catalogs',
    tag: 'Catalogs',
    item: Catalog,
    find: findCatalog,
    list: {
      summary: 'List catalogs',
      description:
        'The workspace\'s catalogs, oldest first (the "Standard" catalog every workspace starts with ' +
        'first), a page at a time; `is_active` keeps the active or the inactive ones. Qwoty documents no ' +
        "list of catalogs; this endpoint is Quoin's.",
      query: CatalogListQuery,
      fetch: listCatalogs,
    },
    get: {
      summary: 'Get a catalog',
      description: 'Retrieve a specific catalog by ID',
    },
    create: {
      summary: 'Create a catalog',
      description:
        'Creates a catalog: a group of products, such as one per market. `api_name`, unique in the ' +
        'workspace, is made from the name when omitted ("Premium Products" → `premium_products`, then ' +
        '`premium_products_2` … while taken); an `api_name` given that another catalog holds is a 409 ' +
        'naming it.',
      errors: ['conflict'],
      body: CatalogCreate,
      write: createCatalog,
    },
    update: {
      summary: 'Update a catalog',
      description:
        'Changes the fields given and leaves the others as they are. `null` clears `reference`, ' +
        '`description` and the `id_*`; `name` and `api_name` cannot be cleared. A new `name` keeps the ' +
        "`api_name`: unlike the example of Qwoty's docs, which shows it made again from the new name, " +
        'Quoin never moves a key integrations may hold; send `api_name` to change it (409 when another ' +
        'catalog holds it).',
      errors: ['conflict'],
      body: CatalogPatch,
      readOnly: CATALOG_READ_ONLY,
      write: updateCatalog,
    },
    remove: {
      summary: 'Delete a catalog',
      description:
        'Deletes the catalog for good. Refused with 409 while live products (product parents) belong to ' +
        'it (take it out of their `catalog_ids` first) or fixed pricebooks use it (move them to another ' +
        'catalog first). Deleted product parents that still name it lose it, ' +
        "and come back without it if restored. Qwoty documents no delete of catalogs; this endpoint is Quoin's.",
      errors: ['conflict'],
      message: 'Catalog deleted successfully',
      write: deleteCatalog,
    },
  })
}
