import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'

// TODO(issue 9): routes to be written.
export const categoryRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async () => {}
