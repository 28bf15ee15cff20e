import { defineResource } from '../../kernel/resource.ts'

export const catalogs = defineResource({
  name: 'catalogs',
  scope: 'catalog',
  noun: 'Catalog',
  described: 'the catalog: catalogs, categories, product parents and products',
  event: 'catalog',
  table: 'catalogs',
  versioned: true,
  softDeleted: false,
  usedBy: [
    {
      table: 'product_parent_catalogs',
      column: 'catalog_id',
      noun: ['product', 'products'],
      through: { table: 'product_parents', column: 'product_parent_id' },
    },
    { table: 'pricebooks', column: 'catalog_id', noun: ['pricebook', 'pricebooks'] },
  ],
  routes: async () => (await import('./routes.ts')).catalogRoutes,
  sample: {
    create: async ({ call }) =>
      (await call('POST', '/api/catalogs', { name: 'Owner-only catalog', reference: 'OWN-CAT' })).body.data
        .id,
    intrusion: { body: () => ({ name: 'Mine' }), status: 201 },
    patch: { name: 'Renamed' },
  },
})
