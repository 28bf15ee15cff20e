import { defineResource } from '../../kernel/resource.ts'

/** The record of every write: read only, made by the kernel with each write (see kernel/write.ts). */
export const events = defineResource({
  name: 'events',
  noun: 'Event',
  described: 'the events of every write (read only)',
  writable: false,
  versioned: false,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).eventRoutes,
})
