import { QUOTE_ACTIONS } from '../../domain/quote-lifecycle.ts'
import { defineResource } from '../../kernel/resource.ts'
import { makeTableSample, TABLE_REQUESTS } from './table-sample.ts'

export const quotes = defineResource({
  name: 'quotes',
  scope: 'quotes',
  noun: 'Quote',
  described: 'quotes',
  // quotes:approve: deciding approvals (POST /api/quotes/{id}/approve, /request-changes) is its own permission.
  extraScopes: ['approve'],
  event: 'quote',
  table: 'quotes',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).quoteRoutes,
  sample: {
    // An empty pricing table: the sample needs no priced product.
    create: async (ctx) => {
      const { call, ids } = ctx
      const id = (
        await call('POST', '/api/quotes', { customer_id: ids.customers, title: 'Owner-only quote' })
      ).body.data.id
      await makeTableSample(ctx)
      return id
    },
    // Names the owner's customer, unknown to another workspace.
    intrusion: { body: (ids) => ({ customer_id: ids.customers }), status: 400 },
    patch: { title: 'Renamed' },
    actions: { '/api/quotes/:id/reprice': {} },
    // The lifecycle actions (actions.ts) move the quote's status: they get a quote of their own, so that
    // this sample stays a draft for the routes that edit it.
    stateful: {
      routes: QUOTE_ACTIONS.map((action) => `/api/quotes/:id/${action}`),
      create: async ({ call, ids }) =>
        (await call('POST', '/api/quotes', { customer_id: ids.customers, title: 'Owner-only lifecycle' }))
          .body.data.id,
    },
    requests: TABLE_REQUESTS,
  },
})
