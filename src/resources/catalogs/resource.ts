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
  routes: async () => (await import('./routes.ts')).catalogRoutes,
})
