import { defineResource } from '../../kernel/resource.ts'

export const pricebooks = defineResource({
  name: 'pricebooks',
  scope: 'pricing',
  noun: 'Pricebook',
  described: 'pricing: currencies, taxes, billing frequencies, pricebooks and prices',
  event: 'pricebook',
  table: 'pricebooks',
  versioned: true,
  softDeleted: false,
  usedBy: [
    { table: 'pricebooks', column: 'base_pricebook_id', noun: ['pricebook', 'pricebooks'] },
    { table: 'quotes', column: 'pricebook_id', noun: ['quote', 'quotes'] },
  ],
  routes: async () => (await import('./routes.ts')).pricebookRoutes,
  sample: {
    create: async ({ call, ids }) =>
      (
        await call('POST', '/api/pricebooks', {
          name: 'Owner-only pricebook',
          reference: 'OWN-PB',
          ...(ids.catalogs ? { catalog_id: ids.catalogs } : {}),
          ...(ids.segments ? { segment_ids: [ids.segments] } : {}),
        })
      ).body.data.id,
    // Names the owner's catalog, unknown to another workspace.
    intrusion: { body: (ids) => ({ name: 'Mine', catalog_id: ids.catalogs }), status: 400 },
    patch: { name: 'Renamed' },
  },
})
