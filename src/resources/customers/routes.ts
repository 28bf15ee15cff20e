import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { Database } from '../../db/types.ts'
import { requireScope } from '../../http/auth.ts'
import { recordSender, underPrecondition } from '../../http/conditional.ts'
import { ApiError, notFound, orNotFound } from '../../http/errors.ts'
import { Page, pageBody } from '../../http/pagination.ts'
import { acceptReadOnly } from '../../http/read-only.ts'
import { Deleted, errors, IdParams, Success, Warnings } from '../../http/schemas.ts'
import { Address } from '../addresses/schema.ts'
import { listAddressesOfCustomer } from '../addresses/store.ts'
import { Contact } from '../contacts/schema.ts'
import { listContactsOfCustomer } from '../contacts/store.ts'
import {
  CUSTOMER_READ_ONLY,
  Customer,
  CustomerCreate,
  CustomerListQuery,
  CustomerPatch,
  CustomerQuery,
} from './schema.ts'
import { checkCustomerWrite, writingCustomer } from './service.ts'
import {
  createCustomer,
  deleteCustomer,
  findCustomer,
  listCustomers,
  RESTORE_WINDOW_DAYS,
  restoreCustomer,
  updateCustomer,
} from './store.ts'

const CustomerWritten = Type.Object({ success: Type.Literal(true), data: Customer, warnings: Warnings })

const CustomerExpanded = Type.Object(
  {
    ...Customer.properties,
    contacts: Type.Optional(
      Type.Array(Contact, { description: 'With ?expand=contacts: the contacts themselves' }),
    ),
    addresses: Type.Optional(
      Type.Array(Address, { description: 'With ?expand=addresses: the addresses themselves' }),
    ),
  },
  { title: 'Customer' },
)

export const customerRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  // A customer served again from the read cache is sent as the bytes it was serialised to the first time.
  const sendCustomer = recordSender()
  const load = (workspaceId: string, id: string) => orNotFound(findCustomer(db, workspaceId, id), 'Customer')

  app.get(
    '/api/customers',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags: ['Customers'],
        summary: 'List customers',
        description:
          'Customers of the workspace, oldest first, by keyset pages. With `updated_since`, ordered by `updated_at` ' +
          'then id: keep the last page’s greatest `updated_at` to sync incrementally.',
        querystring: CustomerListQuery,
        response: {
          200: Page(Customer),
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request) => {
      const page = await listCustomers(db, request.auth.workspaceId, request.query)
      return pageBody(page)
    },
  )

  app.post(
    '/api/customers',
    {
      config: { scope: 'customers:write' },
      schema: {
        tags: ['Customers'],
        summary: 'Create a customer',
        description:
          'Creates a customer with its tax identifiers. Contacts and addresses are created with their own endpoints.',
        body: CustomerCreate,
        response: { 201: CustomerWritten, ...errors('validation_failed', 'invalid_json', 'invalid_token') },
      },
    },
    async (request, reply) => {
      const { workspaceId } = request.auth
      const warnings = await checkCustomerWrite(db, workspaceId, request.body)
      const id = await writingCustomer(() => createCustomer(db, workspaceId, request.body))
      const data = await load(workspaceId, id)
      return reply
        .status(201)
        .send({ success: true as const, data, ...(warnings.length ? { warnings } : {}) })
    },
  )

  app.get(
    '/api/customers/:id',
    {
      config: { scope: 'customers:read', noun: 'Customer' },
      schema: {
        tags: ['Customers'],
        summary: 'Get a customer',
        description:
          'Retrieve a specific customer by ID, including their legal identifiers. `?expand=contacts,addresses` ' +
          'adds the full contacts and addresses (needs contacts:read and addresses:read).',
        params: IdParams,
        querystring: CustomerQuery,
        response: {
          200: Success(CustomerExpanded),
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const { workspaceId } = request.auth
      if (request.query.expand === undefined) {
        return sendCustomer(request, reply, await load(workspaceId, request.params.id))
      }
      const expand = new Set(request.query.expand.split(','))
      if (expand.has('contacts')) requireScope(request, 'contacts:read')
      if (expand.has('addresses')) requireScope(request, 'addresses:read')
      const customer = await load(workspaceId, request.params.id)
      const [contacts, addresses] = await Promise.all([
        expand.has('contacts') ? listContactsOfCustomer(db, workspaceId, customer.id) : undefined,
        expand.has('addresses') ? listAddressesOfCustomer(db, workspaceId, customer.id) : undefined,
      ])
      return { success: true as const, data: { ...customer, contacts, addresses } }
    },
  )

  app.patch(
    '/api/customers/:id',
    {
      config: { scope: 'customers:write', noun: 'Customer' },
      schema: {
        tags: ['Customers'],
        summary: 'Update a customer',
        description:
          'Partial update: omitted fields are unchanged, null clears a nullable field, `tax_ids` replaces the ' +
          'whole list (`[]` empties it). Answers the full customer.',
        params: IdParams,
        body: CustomerPatch,
        response: {
          200: CustomerWritten,
          ...errors('validation_failed', 'invalid_parameter', 'invalid_json', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      // Another workspace's customer is a 404 before any check of the body can say anything about it.
      const current = await load(workspaceId, id)
      const patch = await acceptReadOnly(request.body, CUSTOMER_READ_ONLY, async () => current)
      const warnings = await checkCustomerWrite(db, workspaceId, patch, id)
      const updated = await underPrecondition(db, request, { table: 'customers', workspaceId, id }, (trx) =>
        writingCustomer(() => updateCustomer(trx, workspaceId, id, patch)),
      )
      if (!updated) {
        throw notFound('Customer')
      }
      const data = await load(workspaceId, id)
      return { success: true as const, data, ...(warnings.length ? { warnings } : {}) }
    },
  )

  app.delete(
    '/api/customers/:id',
    {
      config: { scope: 'customers:write', noun: 'Customer' },
      schema: {
        tags: ['Customers'],
        summary: 'Delete a customer',
        description:
          'Soft delete: the customer, its contacts and its addresses disappear from every read at once. ' +
          `POST /api/customers/{id}/restore brings them back for ${RESTORE_WINDOW_DAYS} days.`,
        params: IdParams,
        response: { 200: Deleted, ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      const deleted = await underPrecondition(db, request, { table: 'customers', workspaceId, id }, (trx) =>
        deleteCustomer(trx, workspaceId, id),
      )
      if (!deleted) throw notFound('Customer')
      return { success: true as const, message: 'Customer deleted successfully' }
    },
  )

  app.post(
    '/api/customers/:id/restore',
    {
      config: { scope: 'customers:write', noun: 'Customer' },
      schema: {
        tags: ['Customers'],
        summary: 'Restore a deleted customer',
        description:
          `Within ${RESTORE_WINDOW_DAYS} days of its deletion, brings back the customer with exactly the contacts ` +
          'and addresses that its deletion removed. Restoring a customer that is not deleted changes nothing.',
        params: IdParams,
        response: {
          200: Success(Customer),
          ...errors('invalid_parameter', 'invalid_token', 'not_found', 'conflict'),
        },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const outcome = await restoreCustomer(db, workspaceId, request.params.id)
      if (outcome === 'not_found') throw notFound('Customer')
      if (outcome === 'expired') {
        throw new ApiError(
          'conflict',
          `Customer was deleted more than ${RESTORE_WINDOW_DAYS} days ago and can no longer be restored`,
        )
      }
      return { success: true as const, data: await load(workspaceId, request.params.id) }
    },
  )
}
