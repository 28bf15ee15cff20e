import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { contacts } from './resource.ts'
import {
  CONTACT_READ_ONLY,
  Contact,
  ContactListQuery,
  CreateContactBody,
  UpdateContactBody,
} from './schema.ts'
import { withInternationalPhone } from './service.ts'
import { createContact, deleteContact, findContact, listContacts, updateContact } from './store.ts'

export const contactRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, contacts, {
    path: '/api/contacts',
    tag: 'Contacts',
    item: Contact,
    find: findContact,
    list: {
      summary: 'List contacts',
      description:
        "The workspace's contacts, oldest first; filter by customer, email or a text search. As in Qwoty's " +
        'docs, the answer holds every contact that matches, unless `limit` or `cursor` asks for a page.',
      query: ContactListQuery,
      whole: true,
      fetch: (db, workspaceId, { limit, cursor, ...filters }) =>
        listContacts(db, workspaceId, filters, { limit, cursor }),
    },
    get: {
      summary: 'Get a contact',
      description: 'Retrieve a specific contact by ID, with the IDs of the addresses linked to it',
    },
    create: {
      summary: 'Create a contact',
      description: 'Create a contact for a customer of the workspace. Its customer cannot change afterwards.',
      body: CreateContactBody,
      prepare: withInternationalPhone,
      write: createContact,
    },
    update: {
      summary: 'Update a contact',
      description:
        'All fields are optional; only the fields provided are updated. null clears phone and the external IDs; role replaces the whole list. customer_id cannot change. Read-only fields (id, customer_id, address_ids, timestamps…) may be sent back as a GET gave them: they are ignored while they equal the stored values.',
      body: UpdateContactBody,
      readOnly: CONTACT_READ_ONLY,
      prepare: withInternationalPhone,
      write: updateContact,
    },
    remove: {
      summary: 'Delete a contact',
      description:
        'Delete a contact: it disappears from reads, lists and its customer, and the addresses linked to it are unlinked (their contact_id becomes null).',
      message: 'Contact deleted successfully',
      write: deleteContact,
    },
  })
}
