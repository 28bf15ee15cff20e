import { defineResource } from '../../kernel/resource.ts'

export const businessUnits = defineResource({
  name: 'business_units',
  scope: 'settings',
  noun: 'Business unit',
  described: 'settings: the workspace settings, business units and custom fields',
  event: 'business_unit',
  table: 'business_units',
  versioned: true,
  softDeleted: false,
  usedBy: [{ table: 'quotes', column: 'business_unit_id', noun: ['quote', 'quotes'] }],
  routes: async () => (await import('./routes.ts')).businessUnitRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/business-units', {
          type: 'company',
          name: 'Owner-only unit',
          address: { city: 'Lyon', country: 'FR' },
        })
      ).body.data.id,
    // Names none of the owner's records: another workspace makes one of its own.
    intrusion: { body: () => ({ type: 'individual', name: 'Mine' }), status: 201 },
    patch: { brand: 'Renamed' },
  },
})
