import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { underPrecondition } from '../../http/conditional.ts'
import { notFound, orNotFound } from '../../http/errors.ts'
import { answerWholeList, Page } from '../../http/pagination.ts'
import { acceptReadOnly } from '../../http/read-only.ts'
import { Deleted, errors, IdParams, Success } from '../../http/schemas.ts'
import {
  CONTACT_READ_ONLY,
  Contact,
  ContactListQuery,
  CreateContactBody,
  UpdateContactBody,
} from './schema.ts'
import { withInternationalPhone } from './service.ts'
import { createContact, deleteContact, findContact, listContacts, updateContact } from './store.ts'

const BODY_ERRORS = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
] as const

export const contactRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/api/contacts',
    {
      config: { scope: 'contacts:read' },
      schema: {
        tags: ['Contacts'],
        summary: 'List contacts',
        description:
          "The workspace's contacts, oldest first; filter by customer, email or a text search. As in Qwoty's " +
          'docs, the answer holds every contact that matches, unless `limit` or `cursor` asks for a page.',
        querystring: ContactListQuery,
        response: {
          200: Page(Contact),
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query
      return answerWholeList(reply, { limit, cursor }, (page) =>
        listContacts(db, request.auth.workspaceId, filters, page),
      )
    },
  )

  app.get(
    '/api/contacts/:id',
    {
      config: { scope: 'contacts:read', noun: 'Contact' },
      schema: {
        tags: ['Contacts'],
        summary: 'Get a contact',
        description: 'Retrieve a specific contact by ID, with the IDs of the addresses linked to it',
        params: IdParams,
        response: { 200: Success(Contact), ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const contact = await findContact(db, request.auth.workspaceId, request.params.id)
      if (!contact) throw notFound('Contact')
      return { success: true as const, data: contact }
    },
  )

  app.post(
    '/api/contacts',
    {
      config: { scope: 'contacts:write' },
      schema: {
        tags: ['Contacts'],
        summary: 'Create a contact',
        description:
          'Create a contact for a customer of the workspace. Its customer cannot change afterwards.',
        body: CreateContactBody,
        response: { 201: Success(Contact), ...errors(...BODY_ERRORS, 'invalid_token') },
      },
    },
    async (request, reply) => {
      const { workspaceId } = request.auth
      const input = await withInternationalPhone(db, workspaceId, request.body)
      const contact = await createContact(db, workspaceId, input)
      return reply.status(201).send({ success: true as const, data: contact })
    },
  )

  app.patch(
    '/api/contacts/:id',
    {
      config: { scope: 'contacts:write', noun: 'Contact' },
      schema: {
        tags: ['Contacts'],
        summary: 'Update a contact',
        description:
          'All fields are optional; only the fields provided are updated. null clears phone and the external IDs; role replaces the whole list. customer_id cannot change. Read-only fields (id, customer_id, address_ids, timestamps…) may be sent back as a GET gave them: they are ignored while they equal the stored values.',
        params: IdParams,
        body: UpdateContactBody,
        response: {
          200: Success(Contact),
          ...errors(...BODY_ERRORS, 'invalid_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      const patch = await acceptReadOnly(request.body, CONTACT_READ_ONLY, () =>
        orNotFound(findContact(db, workspaceId, id), 'Contact'),
      )
      const input = await withInternationalPhone(db, workspaceId, patch)
      const contact = await underPrecondition(db, request, { table: 'contacts', workspaceId, id }, (trx) =>
        updateContact(trx, workspaceId, id, input),
      )
      return { success: true as const, data: contact }
    },
  )

  app.delete(
    '/api/contacts/:id',
    {
      config: { scope: 'contacts:write', noun: 'Contact' },
      schema: {
        tags: ['Contacts'],
        summary: 'Delete a contact',
        description:
          'Delete a contact: it disappears from reads, lists and its customer, and the addresses linked to it are unlinked (their contact_id becomes null).',
        params: IdParams,
        response: { 200: Deleted, ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      await underPrecondition(db, request, { table: 'contacts', workspaceId, id }, (trx) =>
        deleteContact(trx, workspaceId, id),
      )
      return { success: true as const, message: 'Contact deleted successfully' }
    },
  )
}
