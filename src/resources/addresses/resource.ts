import { defineResource } from '../../kernel/resource.ts'

const address = (customer: string) => ({
  customer_id: customer,
  type: 'billing',
  address_line1: '1 rue de Rivoli',
  city: 'Paris',
  postal_code: '75001',
  country: 'FR',
})

export const addresses = defineResource({
  name: 'addresses',
  noun: 'Address',
  event: 'address',
  table: 'addresses',
  versioned: true,
  softDeleted: true,
  parent: { table: 'customers', column: 'customer_id' },
  routes: async () => (await import('./routes.ts')).addressRoutes,
  sample: {
    create: async ({ call, ids }) =>
      (await call('POST', '/api/addresses', address(ids.customers!))).body.data.id,
    intrusion: { body: (ids) => address(ids.customers!), status: 400 },
    patch: { city: 'Nowhere' },
  },
})
