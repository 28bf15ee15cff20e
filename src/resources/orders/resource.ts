import { defineResource } from '../../kernel/resource.ts'

/**
 * Orders: what accepting a quote makes, in the same transaction (Qwoty §4.7: "an immutable record of what was
 * sold and at what price"). Read only: nobody writes one through the API, so it has `orders:read` only.
 */
export const orders = defineResource({
  name: 'orders',
  noun: 'Order',
  described: 'the orders accepted quotes become (read only)',
  writable: false,
  event: 'order',
  table: 'orders',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).orderRoutes,
  sample: {
    // Orders are made by accepting a quote: a quote of the owner's customer, published and accepted.
    create: async ({ call, ids }) => {
      const quote = (
        await call('POST', '/api/quotes', { customer_id: ids.customers, title: 'Owner-only order' })
      ).body.data.id
      await call('POST', `/api/quotes/${quote}/publish`, {})
      const accepted = await call('POST', `/api/quotes/${quote}/accept`, {})
      return (accepted.body as unknown as { order: { id: string } }).order.id
    },
  },
})
