import { defineResource } from '../../kernel/resource.ts'

export const taxes = defineResource({
  name: 'taxes',
  scope: 'pricing',
  noun: 'Tax',
  event: 'tax',
  table: 'taxes',
  versioned: true,
  softDeleted: false,
  usedBy: [{ table: 'prices', column: 'default_tax_id', noun: ['price', 'prices'] }],
  routes: async () => (await import('./routes.ts')).taxRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/taxes', {
          name: 'Owner-only levy',
          type: 'custom',
          country: 'FR',
          method: 'percentage',
          rate: 5.5,
        })
      ).body.data.id,
    // Names the owner's currency, which is unknown to another workspace: a 400.
    intrusion: {
      body: (ids) => ({
        name: 'Mine',
        type: 'custom',
        country: 'FR',
        method: 'amount',
        currency_id: ids.currencies,
        amount: 1,
      }),
      status: 400,
    },
    patch: { name: 'Renamed' },
  },
})
