import { defineResource, freshName } from '../../kernel/resource.ts'

export const customFields = defineResource({
  name: 'custom_fields',
  scope: 'settings',
  noun: 'Custom field',
  event: 'custom_field',
  table: 'custom_fields',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).customFieldRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/custom-fields', {
          object: 'customer',
          name: freshName('Owner region'),
          type: 'text',
        })
      ).body.data.id,
    // Names none of the owner's records: another workspace makes one of its own.
    intrusion: {
      body: () => ({ object: 'quote', name: freshName('Mine'), type: 'number' }),
      status: 201,
    },
    patch: { description: 'Changed' },
  },
})
