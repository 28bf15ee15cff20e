import { defineResource, freshName } from '../../kernel/resource.ts'

export const users = defineResource({
  name: 'users',
  noun: 'User',
  described: 'users (quote owners and approvers)',
  event: 'user',
  table: 'users',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).userRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/users', {
          first_name: 'Olga',
          last_name: 'Owner',
          email: `${freshName('owner')}@example.com`,
          role: 'manager',
        })
      ).body.data.id,
    // Names none of the owner's records: another workspace makes one of its own (emails are per workspace).
    intrusion: {
      body: () => ({
        first_name: 'Ivan',
        last_name: 'Intruder',
        email: `${freshName('intruder')}@example.com`,
        role: 'viewer',
      }),
      status: 201,
    },
    patch: { last_name: 'Renamed' },
  },
})
