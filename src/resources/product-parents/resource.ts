import { defineResource } from '../../kernel/resource.ts'

let made = 0
/** A fresh api_name each call: api_names are unique per workspace. */
const fresh = (base: string) => `${base}_${++made}`

/**
 * A body whose api_name is fresh each time it is serialised: the derived suites send one intrusion body
 * several times in a workspace (once per scope that grants the route), and each must create.
 */
function freshEachTime(body: object, base: string): object {
  return Object.defineProperty({ ...body }, 'api_name', { enumerable: true, get: () => fresh(base) })
}

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
          api_name: fresh('owner_only_widget'),
          recurrence_type: 'one_off',
          name: 'Owner-only Widget',
          ...(ids.catalogs ? { catalog_ids: [ids.catalogs] } : {}),
        })
      ).body.data.id,
    intrusion: {
      body: () => freshEachTime({ recurrence_type: 'recurring', name: 'Mine' }, 'intruder_widget'),
      status: 201,
    },
    patch: { name: 'Renamed' },
  },
})
