import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { notFound } from '../../http/errors.ts'
import { errors, IdParams, Success } from '../../http/schemas.ts'
import { Customer } from './schema.ts'
import { findCustomer } from './store.ts'

export const customerRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/api/customers/:id',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags: ['Customers'],
        summary: 'Get a customer',
        description: 'Retrieve a specific customer by ID, including their legal identifiers',
        params: IdParams,
        response: { 200: Success(Customer), ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const customer = await findCustomer(db, request.auth.workspaceId, request.params.id)
      if (!customer) throw notFound('Customer')
      return { success: true as const, data: customer }
    },
  )
}
