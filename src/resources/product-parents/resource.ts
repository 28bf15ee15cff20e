import { defineResource } from '../../kernel/resource.ts'

export const productParents = defineResource({
  name: 'product_parents',
  scope: 'catalog',
  noun: 'Product parent',
  event: 'product_parent',
  table: 'product_parents',
  versioned: true,
  softDeleted: true,
  routes: async () => (await import('./routes.ts')).productParentRoutes,
})
