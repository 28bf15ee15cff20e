import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { pricebooks } from './resource.ts'
import {
  PRICEBOOK_READ_ONLY,
  Pricebook,
  PricebookCreate,
  PricebookListQuery,
  PricebookPatch,
} from './schema.ts'
import { createPricebook, deletePricebook, findPricebook, listPricebooks, updatePricebook } from './store.ts'

const RULE =
  'A dynamic pricebook follows a fixed base pricebook: each base price moved by `adjustment_percent` ' +
  "(-10 is 10% off), then rounded by `rounding`: `minor_unit` (the currency's cents), `step` (the nearest " +
  'multiple of `rounding_value`, such as 0.05 or 5) or `ending` (the nearest amount ending in ' +
  '`rounding_value`, such as 0.99): base 100.00, -10, ending 0.99 → 89.99.'

export const pricebookRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, pricebooks, {
    path: '/api/pricebooks',
    tag: 'Pricebooks',
    item: Pricebook,
    find: findPricebook,
    list: {
      summary: 'List pricebooks',
      description:
        'The workspace\'s pricebooks, oldest first (the "Standard" pricebook every workspace starts with ' +
        'first), a page at a time; filters `status`, `type`, `catalog_id` (fixed pricebooks of that ' +
        "catalog), `currency_id` and `segment_id`. Qwoty documents no pricebook endpoints; these are Quoin's.",
      query: PricebookListQuery,
      fetch: listPricebooks,
    },
    get: {
      summary: 'Get a pricebook',
      description: 'Retrieve a specific pricebook by ID',
    },
    create: {
      summary: 'Create a pricebook',
      description:
        'Creates a pricebook, and a price for each variant of its catalog (and each billing frequency of a ' +
        'recurring product), with empty pricing fields for a fixed pricebook. A fixed pricebook (the ' +
        "default `type`) needs a `catalog_id`; its `currency_id` is the workspace's default currency when " +
        `omitted. ${RULE} A dynamic pricebook has no catalog_id and is in its base's currency. ` +
        '`segment_ids` names the customer segments it is for. `api_name` is made from the name when ' +
        'omitted; one given that another pricebook holds is a 409 naming it.',
      errors: ['conflict'],
      body: PricebookCreate,
      write: createPricebook,
    },
    update: {
      summary: 'Update a pricebook',
      description:
        'Changes the fields given and leaves the others as they are; `segment_ids` replaces the segments. ' +
        'A fixed pricebook may move to another `catalog_id` (its prices follow); a dynamic one may change ' +
        'its rule (`adjustment_percent`, `rounding`, `rounding_value`, checked whole; its prices are ' +
        'computed again). `type`, `currency_id` and `base_pricebook_id` are set at creation: sent back ' +
        'unchanged they pass, changed they are a 400 (create another pricebook). A new `name` keeps the ' +
        '`api_name`.',
      errors: ['conflict'],
      body: PricebookPatch,
      readOnly: PRICEBOOK_READ_ONLY,
      write: updatePricebook,
    },
    remove: {
      summary: 'Delete a pricebook',
      description:
        'Deletes the pricebook for good, with its prices. Refused with 409 while dynamic pricebooks are ' +
        'based on it.',
      errors: ['conflict'],
      message: 'Pricebook deleted successfully',
      write: deletePricebook,
    },
  })
}
