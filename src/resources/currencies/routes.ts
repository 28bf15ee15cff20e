import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { currencies } from './resource.ts'
import { CURRENCY_READ_ONLY, Currency, CurrencyCreate, CurrencyListQuery, CurrencyPatch } from './schema.ts'
import { createCurrency, findCurrency, listCurrencies, updateCurrency } from './store.ts'

export const currencyRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, currencies, {
    path: '/api/currencies',
    tag: 'Currencies',
    item: Currency,
    find: findCurrency,
    list: {
      summary: 'List currencies',
      description:
        "The currencies the workspace has enabled, oldest first (the euro, every workspace's first default, " +
        'leads), a page at a time; `is_active` keeps the active or the inactive ones. Qwoty documents no ' +
        "currency endpoints; these are Quoin's.",
      query: CurrencyListQuery,
      fetch: listCurrencies,
    },
    get: {
      summary: 'Get a currency',
      description: 'Retrieve a specific currency by ID',
    },
    create: {
      summary: 'Enable a currency',
      description:
        'Enables an ISO 4217 currency in the workspace (an unknown code, or one that is not money such as ' +
        'XXX, is a 400; a code already enabled is a 409 naming its currency). `minor_units` comes from ' +
        'ISO 4217. `api_name` defaults to the code and `name` to the ISO English name ("Euro"); an ' +
        '`api_name` another currency holds is a 409 naming it. `is_default` true makes it the default ' +
        'currency in place of the previous one, which gets an updated event.',
      errors: ['conflict'],
      body: CurrencyCreate,
      write: createCurrency,
    },
    update: {
      summary: 'Update a currency',
      description:
        'Changes the fields given and leaves the others as they are; `code` and `minor_units` are ' +
        'read-only (accepted when sent back unchanged). The workspace has exactly one default currency, ' +
        'always active: `is_default` true moves the default here, in the same write (the previous default ' +
        'gets an updated event); `is_default` false on the default, or `is_active` false on it, is a 409: ' +
        'make another currency the default instead. Currencies are never deleted: deactivate one instead.',
      errors: ['conflict'],
      body: CurrencyPatch,
      readOnly: CURRENCY_READ_ONLY,
      write: updateCurrency,
    },
  })
}
