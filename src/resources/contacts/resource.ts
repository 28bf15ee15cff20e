import { defineResource } from '../../kernel/resource.ts'

const contact = (customer: string) => ({
  customer_id: customer,
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
})

export const contacts = defineResource({
  name: 'contacts',
  noun: 'Contact',
  event: 'contact',
  table: 'contacts',
  versioned: true,
  softDeleted: true,
  parent: { table: 'customers', column: 'customer_id' },
  routes: async () => (await import('./routes.ts')).contactRoutes,
  sample: {
    create: async ({ call, ids }) =>
      (await call('POST', '/api/contacts', contact(ids.customers!))).body.data.id,
    intrusion: { body: (ids) => contact(ids.customers!), status: 400 },
    patch: { first_name: 'Eve' },
  },
})
