import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { addresses } from './resource.ts'
import {
  ADDRESS_READ_ONLY,
  Address,
  AddressListQuery,
  CreateAddressBody,
  UpdateAddressBody,
} from './schema.ts'
import { createAddress, deleteAddress, findAddress, listAddresses, updateAddress } from './store.ts'

export const addressRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, addresses, {
    path: '/api/addresses',
    tag: 'Addresses',
    item: Address,
    find: findAddress,
    list: {
      summary: 'List addresses',
      description:
        "The workspace's addresses, oldest first; filter by customer, type or country. As in Qwoty's docs, " +
        'the answer holds every address that matches, unless `limit` or `cursor` asks for a page.',
      query: AddressListQuery,
      whole: true,
      fetch: (db, workspaceId, { limit, cursor, ...filters }) =>
        listAddresses(db, workspaceId, filters, { limit, cursor }),
    },
    get: { summary: 'Get an address', description: 'Retrieve a specific address by ID' },
    create: {
      summary: 'Create an address',
      description:
        'Create an address for a customer of the workspace, optionally linked to one of its contacts. Its customer cannot change afterwards.',
      body: CreateAddressBody,
      write: createAddress,
    },
    update: {
      summary: 'Update an address',
      description:
        'All fields are optional; only the fields provided are updated. null clears name, address_line2, state, contact_id, comment and the external IDs. customer_id cannot change. Read-only fields (id, customer_id, timestamps…) may be sent back as a GET gave them: they are ignored while they equal the stored values.',
      body: UpdateAddressBody,
      readOnly: ADDRESS_READ_ONLY,
      write: updateAddress,
    },
    remove: {
      summary: 'Delete an address',
      description: 'Delete an address: it disappears from reads, lists, its customer and its contact.',
      message: 'Address deleted successfully',
      write: deleteAddress,
    },
  })
}
