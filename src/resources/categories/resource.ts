import { defineResource } from '../../kernel/resource.ts'

export const categories = defineResource({
  name: 'categories',
  scope: 'catalog',
  noun: 'Category',
  event: 'category',
  table: 'categories',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).categoryRoutes,
})
