import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { Database } from '../../db/types.ts'
import { requireScope } from '../../http/auth.ts'
import { ApiError, notFound, orNotFound } from '../../http/errors.ts'
import { errors, IdParams, Success, Warnings } from '../../http/schemas.ts'
import { declareRoutes, recordSender, routeConfig, sendDigested, tagOf } from '../../kernel/routes.ts'
import { answerWrite } from '../../kernel/write.ts'
import { Address } from '../addresses/schema.ts'
import { listAddressesOfCustomer } from '../addresses/store.ts'
import { Contact } from '../contacts/schema.ts'
import { listContactsOfCustomer } from '../contacts/store.ts'
import { customers } from './resource.ts'
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

/** The warnings of a customer write, beside its data when there are any. */
const warned = (warnings: string[]) => (warnings.length ? { warnings } : {})

export const customerRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, customers, {
    path: '/api/customers',
    tag: 'Customers',
    item: Customer,
    find: findCustomer,
    list: {
      summary: 'List customers',
      description:
        'Customers of the workspace, oldest first, by keyset pages. With `updated_since`, ordered by `updated_at` ' +
        'then id: keep the last page’s greatest `updated_at` to sync incrementally.',
      query: CustomerListQuery,
      fetch: listCustomers,
    },
    create: {
      summary: 'Create a customer',
      description:
        'Creates a customer with its tax identifiers. Contacts and addresses are created with their own endpoints.',
      body: CustomerCreate,
      response: CustomerWritten,
      extras: async (db, workspaceId, body) => warned(await checkCustomerWrite(db, workspaceId, body)),
      write: (w, body) => writingCustomer(() => createCustomer(w, body)),
    },
    update: {
      summary: 'Update a customer',
      description:
        'Partial update: omitted fields are unchanged, null clears a nullable field, `tax_ids` replaces the ' +
        'whole list (`[]` empties it). Answers the full customer.',
      body: CustomerPatch,
      response: CustomerWritten,
      readOnly: CUSTOMER_READ_ONLY,
      extras: async (db, workspaceId, patch, id) =>
        warned(await checkCustomerWrite(db, workspaceId, patch, id)),
      write: (w, id, patch) => writingCustomer(() => updateCustomer(w, id, patch)),
    },
    remove: {
      summary: 'Delete a customer',
      description:
        'Soft delete: the customer, its contacts and its addresses disappear from every read at once. ' +
        `POST /api/customers/{id}/restore brings them back for ${RESTORE_WINDOW_DAYS} days.`,
      message: 'Customer deleted successfully',
      write: deleteCustomer,
    },
  })

  // A customer served again from the read cache is sent as the bytes it was serialised to the first time.
  const sendCustomer = recordSender()
  const load = (workspaceId: string, id: string) => orNotFound(findCustomer(db, workspaceId, id), 'Customer')

  app.get(
    '/api/customers/:id',
    {
      config: routeConfig(customers, 'read', { etag: true, ifNoneMatch: true }),
      schema: {
        tags: ['Customers'],
        summary: 'Get a customer',
        description:
          'Retrieve a specific customer by ID, including their legal identifiers. `?expand=contacts,addresses` ' +
          'adds the full contacts and addresses (needs contacts:read and addresses:read); that answer carries ' +
          'a weak ETag of everything it shows.',
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
        const customer = await load(workspaceId, request.params.id)
        return sendCustomer(request, reply, customer.value, tagOf(customers, customer))
      }
      const expand = new Set(request.query.expand.split(','))
      if (expand.has('contacts')) requireScope(request, 'contacts:read')
      if (expand.has('addresses')) requireScope(request, 'addresses:read')
      const customer = (await load(workspaceId, request.params.id)).value
      const [contacts, addresses] = await Promise.all([
        expand.has('contacts') ? listContactsOfCustomer(db, workspaceId, customer.id) : undefined,
        expand.has('addresses') ? listAddressesOfCustomer(db, workspaceId, customer.id) : undefined,
      ])
      // Made of several records: its ETag is a digest of what it shows, so any change to one of them moves it.
      return sendDigested(request, reply, { ...customer, contacts, addresses })
    },
  )

  app.post(
    '/api/customers/:id/restore',
    {
      config: routeConfig(customers, 'write', { etag: true }),
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
    async (request, reply) => {
      const { id } = request.params
      return answerWrite(db, request, reply, { resource: customers }, async (w) => {
        const outcome = await restoreCustomer(w, id)
        if (outcome === 'not_found') throw notFound('Customer')
        if (outcome === 'expired') {
          throw new ApiError(
            'conflict',
            `Customer was deleted more than ${RESTORE_WINDOW_DAYS} days ago and can no longer be restored`,
          )
        }
        const restored = await orNotFound(findCustomer(w.trx, w.workspaceId, id), 'Customer')
        if (outcome === 'restored') w.emit(customers, 'restored', id, restored.value)
        return { body: { success: true, data: restored.value }, version: restored.version }
      })
    },
  )
}
