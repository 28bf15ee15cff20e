import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { customFields } from './resource.ts'
import {
  CUSTOM_FIELD_READ_ONLY,
  CustomField,
  CustomFieldCreate,
  CustomFieldListQuery,
  CustomFieldPatch,
} from './schema.ts'
import {
  createCustomField,
  deleteCustomField,
  findCustomField,
  listCustomFields,
  updateCustomField,
} from './store.ts'

const VALUES =
  'A record of its object (a customer, a quote) holds its value in `custom_properties` under its ' +
  '`api_name`: a string for text, a JSON number for number, `YYYY-MM-DD` for date.'

export const customFieldRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, customFields, {
    path: '/api/custom-fields',
    tag: 'Custom fields',
    item: CustomField,
    find: findCustomField,
    list: {
      summary: 'List custom fields',
      description:
        "The workspace's custom fields, oldest first, a page at a time; `object`, `type` and `is_active` " +
        `keep the matching ones. ${VALUES}`,
      query: CustomFieldListQuery,
      fetch: listCustomFields,
    },
    get: { summary: 'Get a custom field', description: 'Retrieve a specific custom field by ID' },
    create: {
      summary: 'Create a custom field',
      description:
        `Creates a custom field on customers or quotes. ${VALUES} \`api_name\`, unique among the fields of ` +
        'its object, is made from the name when omitted (Region → `region`, then `region_2` … while taken); ' +
        'one given that another field of the object holds is a 409 naming it. A required field must be given ' +
        'a value by every new record of its object.',
      errors: ['conflict'],
      body: CustomFieldCreate,
      write: createCustomField,
    },
    update: {
      summary: 'Update a custom field',
      description:
        'Changes the fields given. `object`, `type` and `api_name` never change: sent unchanged (a GET sent ' +
        'back) they are accepted, else a 400 says why. An inactive field takes no new value; the values ' +
        'stored under it are kept.',
      body: CustomFieldPatch,
      readOnly: CUSTOM_FIELD_READ_ONLY,
      write: updateCustomField,
    },
    remove: {
      summary: 'Delete a custom field',
      description:
        'Deletes the custom field for good. Refused with 409, saying how many, while customers or quotes ' +
        'hold a value of it: remove the values, or deactivate it instead (PATCH {"is_active": false}).',
      errors: ['conflict'],
      message: 'Custom field deleted successfully',
      write: deleteCustomField,
    },
  })
}
