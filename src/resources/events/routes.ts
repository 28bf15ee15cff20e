import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { events } from './resource.ts'
import { Event, EventListQuery } from './schema.ts'
import { listEvents } from './store.ts'

export const eventRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, events, {
    path: '/api/events',
    tag: 'Events',
    item: Event,
    find: async () => undefined,
    list: {
      summary: 'List events',
      description:
        'Every create, update, delete and restore of the workspace, in the order they were recorded, each ' +
        'with the record as the write left it: follow `next_cursor` to read what changed since. ' +
        'Filter by `type` (`customer.created`), `record_id` or `since`. Needs `events:read`.',
      query: EventListQuery,
      fetch: listEvents,
    },
  })
}
