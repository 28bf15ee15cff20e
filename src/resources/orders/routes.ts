import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { orders } from './resource.ts'
import { Order, OrderListQuery } from './schema.ts'
import { findOrder, listOrders } from './store.ts'

export const orderRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, orders, {
    path: '/api/orders',
    tag: 'Orders',
    item: Order,
    find: findOrder,
    list: {
      summary: 'List orders',
      description:
        "The workspace's orders, oldest first, a page at a time; `customer_id` and `quote_id` keep those of " +
        'a customer or of a quote. An order is made when its quote is accepted (POST ' +
        '/api/quotes/{id}/accept) and never changes: there is no create, update or delete. Qwoty has no ' +
        "order endpoints; these are Quoin's. Needs `orders:read`.",
      query: OrderListQuery,
      fetch: listOrders,
    },
    get: {
      summary: 'Get an order',
      description:
        'Retrieve a specific order by ID: its number, the quote it comes from, and what the quote showed ' +
        'when it was accepted (customer snapshot, pricing table, summary, payment schedule, totals). An ' +
        'order never changes: PATCH, PUT, DELETE and POST on it answer 405.',
    },
  })
}
