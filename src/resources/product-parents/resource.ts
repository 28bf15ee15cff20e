import { defineResource, freshName } from '../../kernel/resource.ts'

export const productParents = defineResource({
  name: 'product_parents',
  scope: 'catalog',
  noun: 'Product parent',
  event: 'product_parent',
  table: 'product_parents',
  versioned: true,
  softDeleted: true,
  routes: async () => (await import('./routes.ts')).productParentRoutes,
  sample: {
    create: async ({ call, ids }) =>
      (
        await call('POST', '/api/product-parents', {
          api_name: freshName('owner_only_widget'),
          recurrence_type: 'one_off',
          name: 'Owner-only Widget',
          ...(ids.catalogs ? { catalog_ids: [ids.catalogs] } : {}),
        })
      ).body.data.id,
    intrusion: {
      // Made for each request that sends it (see routeCase): api_names are unique per workspace.
      body: () => ({ recurrence_type: 'recurring', name: 'Mine', api_name: freshName('intruder_widget') }),
      status: 201,
    },
    patch: { name: 'Renamed' },
  },
})
