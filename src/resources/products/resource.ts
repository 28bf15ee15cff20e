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
          api_name: fresh('owner_only_service'),
          recurrence_type: 'recurring',
          name: 'Owner-only Service',
          'inventory[sku]': `OWN-${made}`,
        })
      ).body.data.id,
    intrusion: {
      body: () => freshEachTime({ recurrence_type: 'one_off', name: 'Mine' }, 'intruder_service'),
      status: 201,
    },
    patch: { name: 'Renamed' },
  },
})
