import { defineResource } from '../../kernel/resource.ts'

export const products = defineResource({
  name: 'products',
  scope: 'catalog',
  noun: 'Product',
  event: 'product',
  table: 'products',
  versioned: true,
  softDeleted: true,
  routes: async () => (await import('./routes.ts')).productRoutes,
})
