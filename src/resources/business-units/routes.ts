import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { businessUnits } from './resource.ts'
import {
  BUSINESS_UNIT_READ_ONLY,
  BusinessUnit,
  BusinessUnitCreate,
  BusinessUnitListQuery,
  BusinessUnitPatch,
  BusinessUnitWritten,
} from './schema.ts'
import {
  checkUnitTaxIds,
  createBusinessUnit,
  deleteBusinessUnit,
  findBusinessUnit,
  listBusinessUnits,
  updateBusinessUnit,
} from './store.ts'

/** The warnings of a write, beside its data when there are any. */
const warned = (warnings: string[]) => (warnings.length ? { warnings } : {})

const TAX_IDS =
  "`tax_ids` are checked as customers' are: under the workspace's `strict` tax id validation a failing " +
  'identifier is a 400 naming it; under `lenient` it is stored and reported in `warnings`.'

export const businessUnitRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, businessUnits, {
    path: '/api/business-units',
    tag: 'Business units',
    item: BusinessUnit,
    find: findBusinessUnit,
    list: {
      summary: 'List business units',
      description:
        'The legal entities of the workspace that issue quotes, oldest first, a page at a time; ' +
        '`is_default` and `type` keep the matching ones. Every workspace has one, its default, named after ' +
        "it. Qwoty shows a business unit inside its quote read only; these endpoints are Quoin's.",
      query: BusinessUnitListQuery,
      fetch: listBusinessUnits,
    },
    get: { summary: 'Get a business unit', description: 'Retrieve a specific business unit by ID' },
    create: {
      summary: 'Create a business unit',
      description: `Creates a business unit. ${TAX_IDS} \`is_default\` true makes it the default in place of the previous one.`,
      body: BusinessUnitCreate,
      response: BusinessUnitWritten,
      extras: async (db, workspaceId, body) => warned(await checkUnitTaxIds(db, workspaceId, body.tax_ids)),
      write: createBusinessUnit,
    },
    update: {
      summary: 'Update a business unit',
      description:
        'Changes the fields given: `address` the parts it gives, `logo` and `tax_ids` replace what is stored ' +
        `(null removes the logo, [] empties the list). ${TAX_IDS} \`is_default\` true moves the default here; ` +
        'false on the default is a 409, since a workspace always has one.',
      errors: ['conflict'],
      body: BusinessUnitPatch,
      response: BusinessUnitWritten,
      readOnly: BUSINESS_UNIT_READ_ONLY,
      extras: async (db, workspaceId, patch) => warned(await checkUnitTaxIds(db, workspaceId, patch.tax_ids)),
      write: updateBusinessUnit,
    },
    remove: {
      summary: 'Delete a business unit',
      description:
        'Deletes the business unit for good. Refused with 409 for the default (make another the default ' +
        'first) and while quotes name it, saying how many.',
      errors: ['conflict'],
      message: 'Business unit deleted successfully',
      write: deleteBusinessUnit,
    },
  })
}
