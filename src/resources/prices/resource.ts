import { defineResource, freshName } from '../../kernel/resource.ts'

export const prices = defineResource({
  name: 'prices',
  scope: 'pricing',
  described: 'pricing: currencies, taxes, billing frequencies, pricebooks and prices',
  noun: 'Price',
  event: 'price',
  table: 'prices',
  versioned: true,
  softDeleted: false,
  parent: { table: 'pricebooks', column: 'pricebook_id' },
  routes: async () => (await import('./routes.ts')).priceRoutes,
  sample: {
    // Prices are never created by hand: a product brings its price in the Standard pricebook, filled in here.
    create: async ({ call }) => {
      const product = await call('POST', '/api/products', {
        api_name: freshName('owner_only_priced'),
        recurrence_type: 'one_off',
        name: 'Owner-only Priced',
      })
      const { prices } = product.body.data as unknown as { prices: { id: string }[] }
      const id = prices[0]!.id
      await call('PATCH', `/api/prices/${id}`, { pricing_model: 'flat', amount: 10 })
      return id
    },
    patch: { amount: 12.5 },
    actions: { '/api/prices/:id/quote': { quantity: 3 } },
    requests: {
      'GET /api/prices/export': { intrusion: 200 },
      // The sample's row as it stands: the owner's import changes nothing; another workspace's names no price.
      'POST /api/prices/import': {
        body: (ids) => `id,pricing_model\n${ids.prices},flat\n`,
        contentType: 'text/csv',
        intrusion: 400,
      },
    },
  },
})
