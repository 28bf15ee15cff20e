import { defineResource } from '../../kernel/resource.ts'

export const quotes = defineResource({
  name: 'quotes',
  scope: 'quotes',
  noun: 'Quote',
  described: 'quotes',
  // quotes:approve: managers and admins decide the approvals a quote needs (see quotes/actions.ts).
  extraScopes: ['approve'],
  event: 'quote',
  table: 'quotes',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).quoteRoutes,
  sample: {
    // An empty pricing table: the sample needs no priced product.
    create: async ({ call, ids }) =>
      (await call('POST', '/api/quotes', { customer_id: ids.customers, title: 'Owner-only quote' })).body.data
        .id,
    // Names the owner's customer, unknown to another workspace.
    intrusion: { body: (ids) => ({ customer_id: ids.customers }), status: 400 },
    patch: { title: 'Renamed' },
    actions: { '/api/quotes/:id/reprice': {} },
  },
})
