import { defineResource, freshName } from '../../kernel/resource.ts'

export const paymentTerms = defineResource({
  name: 'payment_terms',
  described: 'payment terms',
  noun: 'Payment term',
  event: 'payment_term',
  table: 'payment_terms',
  versioned: true,
  softDeleted: false,
  usedBy: [{ table: 'quotes', column: 'payment_term_id', noun: ['quote', 'quotes'] }],
  routes: async () => (await import('./routes.ts')).paymentTermRoutes,
  sample: {
    create: async ({ call }) =>
      (await call('POST', '/api/payment-terms', { name: 'Owner-only term', api_name: 'owner_only_term' }))
        .body.data.id,
    // A fresh api_name each time: the suites send it more than once in a workspace.
    intrusion: { body: () => ({ name: 'Mine', api_name: freshName('mine') }), status: 201 },
    patch: { name: 'Renamed' },
  },
})
