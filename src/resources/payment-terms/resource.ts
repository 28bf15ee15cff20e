import { defineResource } from '../../kernel/resource.ts'

export const paymentTerms = defineResource({
  name: 'payment_terms',
  described: 'payment terms',
  noun: 'Payment term',
  event: 'payment_term',
  table: 'payment_terms',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).paymentTermRoutes,
})
