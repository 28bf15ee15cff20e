import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { prices } from './resource.ts'
import { Price } from './schema.ts'
import { findPrice } from './store.ts'

export const priceRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, prices, {
    path: '/api/prices',
    tag: 'Prices',
    item: Price,
    find: findPrice,
    get: {
      summary: 'Get a price',
      description:
        'Returns detailed information about a specific price, including all pricing configuration and ' +
        'enriched data: its pricebook, currency, default tax and billing frequency by name.',
    },
  })
}
