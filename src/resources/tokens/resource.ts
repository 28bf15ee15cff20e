import { defineResource } from '../../kernel/resource.ts'

export const tokens = defineResource({
  name: 'tokens',
  noun: 'API token',
  described: 'API tokens (list, create, delete)',
  event: 'token',
  table: 'api_tokens',
  versioned: false,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).tokenRoutes,
  sample: {
    create: async ({ call }) =>
      (await call('POST', '/api/tokens', { name: 'Owner-only token' })).body.data.id,
    intrusion: { body: () => ({ name: 'Mine' }), status: 201 },
  },
})
