import { defineResource } from '../../kernel/resource.ts'

export const segments = defineResource({
  name: 'segments',
  noun: 'Segment',
  event: 'segment',
  table: 'segments',
  versioned: true,
  softDeleted: false,
  usedBy: [
    { table: 'customers', column: 'segment_id', noun: ['customer', 'customers'], softDeleted: true },
    {
      table: 'pricebook_segments',
      column: 'segment_id',
      noun: ['pricebook', 'pricebooks'],
      through: { table: 'pricebooks', column: 'pricebook_id', softDeleted: false },
    },
  ],
  routes: async () => (await import('./routes.ts')).segmentRoutes,
  sample: {
    create: async ({ call }) =>
      (await call('POST', '/api/segments', { name: 'Owner-only segment', reference: 'OWN-1' })).body.data.id,
    intrusion: { body: () => ({ name: 'Mine' }), status: 201 },
    patch: { name: 'Taken over' },
  },
})
