import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { underPrecondition } from '../../http/conditional.ts'
import { notFound, orNotFound } from '../../http/errors.ts'
import { answerWholeList, Page } from '../../http/pagination.ts'
import { acceptReadOnly } from '../../http/read-only.ts'
import { Deleted, errors, IdParams, Success } from '../../http/schemas.ts'
import {
  ADDRESS_READ_ONLY,
  Address,
  AddressListQuery,
  CreateAddressBody,
  UpdateAddressBody,
} from './schema.ts'
import { createAddress, deleteAddress, findAddress, listAddresses, updateAddress } from './store.ts'

const BODY_ERRORS = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
] as const

export const addressRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/api/addresses',
    {
      config: { scope: 'addresses:read' },
      schema: {
        tags: ['Addresses'],
        summary: 'List addresses',
        description:
          "The workspace's addresses, oldest first; filter by customer, type or country. As in Qwoty's docs, " +
          'the answer holds every address that matches, unless `limit` or `cursor` asks for a page.',
        querystring: AddressListQuery,
        response: {
          200: Page(Address),
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query
      return answerWholeList(reply, { limit, cursor }, (page) =>
        listAddresses(db, request.auth.workspaceId, filters, page),
      )
    },
  )

  app.get(
    '/api/addresses/:id',
    {
      config: { scope: 'addresses:read', noun: 'Address' },
      schema: {
        tags: ['Addresses'],
        summary: 'Get an address',
        description: 'Retrieve a specific address by ID',
        params: IdParams,
        response: { 200: Success(Address), ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const address = await findAddress(db, request.auth.workspaceId, request.params.id)
      if (!address) throw notFound('Address')
      return { success: true as const, data: address }
    },
  )

  app.post(
    '/api/addresses',
    {
      config: { scope: 'addresses:write' },
      schema: {
        tags: ['Addresses'],
        summary: 'Create an address',
        description:
          'Create an address for a customer of the workspace, optionally linked to one of its contacts. Its customer cannot change afterwards.',
        body: CreateAddressBody,
        response: { 201: Success(Address), ...errors(...BODY_ERRORS, 'invalid_token') },
      },
    },
    async (request, reply) => {
      const address = await createAddress(db, request.auth.workspaceId, request.body)
      return reply.status(201).send({ success: true as const, data: address })
    },
  )

  app.patch(
    '/api/addresses/:id',
    {
      config: { scope: 'addresses:write', noun: 'Address' },
      schema: {
        tags: ['Addresses'],
        summary: 'Update an address',
        description:
          'All fields are optional; only the fields provided are updated. null clears name, address_line2, state, contact_id, comment and the external IDs. customer_id cannot change. Read-only fields (id, customer_id, timestamps…) may be sent back as a GET gave them: they are ignored while they equal the stored values.',
        params: IdParams,
        body: UpdateAddressBody,
        response: {
          200: Success(Address),
          ...errors(...BODY_ERRORS, 'invalid_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      const patch = await acceptReadOnly(request.body, ADDRESS_READ_ONLY, () =>
        orNotFound(findAddress(db, workspaceId, id), 'Address'),
      )
      const address = await underPrecondition(db, request, { table: 'addresses', workspaceId, id }, (trx) =>
        updateAddress(trx, workspaceId, id, patch),
      )
      return { success: true as const, data: address }
    },
  )

  app.delete(
    '/api/addresses/:id',
    {
      config: { scope: 'addresses:write', noun: 'Address' },
      schema: {
        tags: ['Addresses'],
        summary: 'Delete an address',
        description: 'Delete an address: it disappears from reads, lists, its customer and its contact.',
        params: IdParams,
        response: { 200: Deleted, ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      await underPrecondition(db, request, { table: 'addresses', workspaceId, id }, (trx) =>
        deleteAddress(trx, workspaceId, id),
      )
      return { success: true as const, message: 'Address deleted successfully' }
    },
  )
}
