import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { taxes } from './resource.ts'
import { TAX_READ_ONLY, Tax, TaxCreate, TaxListQuery, TaxPatch } from './schema.ts'
import { createTax, deleteTax, findTax, listTaxes, updateTax } from './store.ts'

const RULES =
  '`vat` taxes are percentages. Method `percentage` needs `rate` (0 to 100, at most 4 decimals) and ' +
  'refuses `currency_id` and `amount`; method `amount` needs `currency_id` (a currency of the workspace) ' +
  'and `amount` (at least 0, at most 6 decimals) and refuses `rate`. `region` (a state or province code, ' +
  'or ALL) is for taxes of the US and Canada only.'

export const taxRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, taxes, {
    path: '/api/taxes',
    tag: 'Taxes',
    item: Tax,
    find: findTax,
    list: {
      summary: 'List taxes',
      description:
        'The workspace\'s taxes, oldest first ("VAT 20%", which every workspace starts with, first), a page ' +
        'at a time; `is_active`, `type` and `country` keep the matching ones. Qwoty documents no tax ' +
        "endpoints; these are Quoin's.",
      query: TaxListQuery,
      fetch: listTaxes,
    },
    get: {
      summary: 'Get a tax',
      description: 'Retrieve a specific tax by ID',
    },
    create: {
      summary: 'Create a tax',
      description:
        `Creates a tax. ${RULES} \`api_name\`, unique in the workspace, is made from the name when omitted ` +
        '("VAT 20%" → `vat_20`, then `vat_20_2` … while taken); one given that another tax holds is a 409 ' +
        'naming it.',
      errors: ['conflict'],
      body: TaxCreate,
      write: createTax,
    },
    update: {
      summary: 'Update a tax',
      description:
        'Changes the fields given and leaves the others as they are, then checks the tax as it would ' +
        `stand. ${RULES} A change of \`method\` clears what the former method needed unless the same ` +
        'request sends it: to `amount` clears `rate`, to `percentage` clears `currency_id` and `amount`. ' +
        'A new `name` keeps the `api_name`; send `api_name` to change it (409 when another tax holds it).',
      errors: ['conflict'],
      body: TaxPatch,
      readOnly: TAX_READ_ONLY,
      write: updateTax,
    },
    remove: {
      summary: 'Delete a tax',
      description:
        'Deletes the tax for good. Refused with 409, saying how many, while prices name it as their ' +
        'default tax: deactivate it instead with PATCH {"is_active": false}.',
      errors: ['conflict'],
      message: 'Tax deleted successfully',
      write: deleteTax,
    },
  })
}
