import { defineResource } from '../../kernel/resource.ts'

export const settings = defineResource({
  name: 'settings',
  noun: 'Workspace',
  described: 'settings: the workspace settings, business units and custom fields',
  event: 'settings',
  table: 'workspaces',
  versioned: true,
  softDeleted: false,
  singleton: true,
  routes: async () => (await import('./routes.ts')).settingsRoutes,
  sample: {
    // Every workspace has its settings: the sample is the owner's, and its id the workspace's.
    create: async ({ call }) =>
      (await call('PATCH', '/api/workspace/settings', { quote_validity_days: 30 })).body.data.id,
    requests: {
      'GET /api/workspace/settings': { intrusion: 200 },
      // Another workspace's token reads and changes its own settings, never the owner's.
      'PATCH /api/workspace/settings': { body: () => ({ quote_validity_days: 45 }), intrusion: 200 },
    },
  },
})
