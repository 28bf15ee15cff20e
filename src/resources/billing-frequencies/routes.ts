import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { billingFrequencies } from './resource.ts'
import {
  BILLING_FREQUENCY_READ_ONLY,
  BillingFrequency,
  BillingFrequencyCreate,
  BillingFrequencyListQuery,
  BillingFrequencyPatch,
} from './schema.ts'
import {
  createBillingFrequency,
  deleteBillingFrequency,
  findBillingFrequency,
  listBillingFrequencies,
  updateBillingFrequency,
} from './store.ts'

export const billingFrequencyRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, billingFrequencies, {
    path: '/api/billing-frequencies',
    tag: 'Billing frequencies',
    item: BillingFrequency,
    find: findBillingFrequency,
    list: {
      summary: 'List billing frequencies',
      description:
        "The workspace's billing frequencies, oldest first (Monthly, Quarterly and Yearly, which every " +
        'workspace starts with, lead), a page at a time; `is_active` keeps the active or the inactive ones. ' +
        "Qwoty documents no billing-frequency endpoints; these are Quoin's.",
      query: BillingFrequencyListQuery,
      fetch: listBillingFrequencies,
    },
    get: {
      summary: 'Get a billing frequency',
      description: 'Retrieve a specific billing frequency by ID',
    },
    create: {
      summary: 'Create a billing frequency',
      description:
        'Creates a billing frequency: every `period` `unit`s (every 3 months). A period and unit another ' +
        'frequency has is a 409 naming it. `name` is made from them when omitted (Monthly, Quarterly, ' +
        'Yearly, Weekly, Daily, otherwise "Every 2 weeks"). An active frequency gets, in the same write, a ' +
        'price row for every recurring product in every pricebook.',
      errors: ['conflict'],
      body: BillingFrequencyCreate,
      write: createBillingFrequency,
    },
    update: {
      summary: 'Update a billing frequency',
      description:
        'Changes `name` and `is_active`; `period` and `unit` are read-only (accepted when sent back ' +
        'unchanged): prices are set for them. `is_active` false deactivates the prices of recurring ' +
        'products for the frequency; true makes or reactivates them, as they were.',
      errors: ['conflict'],
      body: BillingFrequencyPatch,
      readOnly: BILLING_FREQUENCY_READ_ONLY,
      write: updateBillingFrequency,
    },
    remove: {
      summary: 'Delete a billing frequency',
      description:
        'Deletes the frequency for good. Refused with 409 while prices name it (those of recurring ' +
        'products, active or not): deactivate it instead with PATCH {"is_active": false}.',
      errors: ['conflict'],
      message: 'Billing frequency deleted successfully',
      write: deleteBillingFrequency,
    },
  })
}
