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
  sample: {
    create: async ({ call }) =>
      (await call('POST', '/api/categories', { name: 'Owner-only category' })).body.data.id,
    intrusion: { body: (ids) => ({ name: 'Mine', parent_id: ids.categories }), status: 400 },
    patch: { name: 'Renamed' },
  },
})
