import { defineResource } from '../../kernel/resource.ts'

export const customers = defineResource({
  name: 'customers',
  noun: 'Customer',
  event: 'customer',
  table: 'customers',
  versioned: true,
  softDeleted: true,
  routes: async () => (await import('./routes.ts')).customerRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/customers', {
          name: 'Owner-only Corp',
          type: 'company',
        })
      ).body.data.id,
    intrusion: { body: (ids) => ({ name: 'X', type: 'company', segment_id: ids.segments }), status: 400 },
    patch: { name: 'Taken over' },
  },
})
