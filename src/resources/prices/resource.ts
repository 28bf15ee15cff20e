import { defineResource } from '../../kernel/resource.ts'

export const prices = defineResource({
  name: 'prices',
  scope: 'pricing',
  noun: 'Price',
  event: 'price',
  table: 'prices',
  versioned: true,
  softDeleted: false,
  parent: { table: 'pricebooks', column: 'pricebook_id' },
  routes: async () => (await import('./routes.ts')).priceRoutes,
})
