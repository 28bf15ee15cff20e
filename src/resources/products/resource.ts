import { defineResource, freshName } from '../../kernel/resource.ts'

export const products = defineResource({
  name: 'products',
  scope: 'catalog',
  noun: 'Product',
  event: 'product',
  table: 'products',
  versioned: true,
  softDeleted: true,
  // A variant's writes lock its parent first; purge removes variants before parents.
  parent: { table: 'product_parents', column: 'product_parent_id' },
  routes: async () => (await import('./routes.ts')).productRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/products', {
          api_name: freshName('owner_only_service'),
          recurrence_type: 'recurring',
          name: 'Owner-only Service',
          'inventory[sku]': freshName('OWN'),
        })
      ).body.data.id,
    intrusion: {
      // Made for each request that sends it (see routeCase): api_names are unique per workspace.
      body: () => ({ recurrence_type: 'one_off', name: 'Mine', api_name: freshName('intruder_service') }),
      status: 201,
    },
    patch: { name: 'Renamed' },
  },
})
