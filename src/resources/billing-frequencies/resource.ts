import { defineResource } from '../../kernel/resource.ts'

/** A period no other sample has: the suites make samples more than once in a workspace, and (unit, period) is unique. */
let periods = 100
const freshPeriod = () => (periods = periods >= 1000 ? 101 : periods + 1)

export const billingFrequencies = defineResource({
  name: 'billing_frequencies',
  scope: 'pricing',
  noun: 'Billing frequency',
  event: 'billing_frequency',
  table: 'billing_frequencies',
  versioned: true,
  softDeleted: false,
  usedBy: [{ table: 'prices', column: 'billing_frequency_id', noun: ['price', 'prices'] }],
  routes: async () => (await import('./routes.ts')).billingFrequencyRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/billing-frequencies', {
          period: freshPeriod(),
          unit: 'day',
          name: 'Owner-only cycle',
        })
      ).body.data.id,
    intrusion: { body: () => ({ period: freshPeriod(), unit: 'day', name: 'Mine' }), status: 201 },
    patch: { name: 'Renamed' },
  },
})
