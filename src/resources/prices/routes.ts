import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { errors, IdParams, Success } from '../../http/schemas.ts'
import { declareRoutes, routeConfig, sendDigested } from '../../kernel/routes.ts'
import { folded } from '../products/store.ts'
import { priceCsvRoutes } from './csv-routes.ts'
import { prices } from './resource.ts'
import {
  DEFAULT_PRICE_LIMIT,
  PRICE_READ_ONLY,
  Price,
  PriceListQuery,
  PricePage,
  PricePatch,
  PriceQuote,
  QuoteRequest,
} from './schema.ts'
import { quotePrice, updatePrice } from './service.ts'
import { findPrice, listPrices } from './store.ts'

const MODELS =
  'Models: `flat` (amount × quantity), `volume` (the whole quantity at the unit price of the tier it ' +
  'reaches), `graduated` (each tier prices its own units), `percentage` (percent of the other lines of a ' +
  'quote, or of the lines of percentage_product_ids), `cost_plus` (cost × cost_multiplier). Tiers are ' +
  '`{up_to, unit_amount, flat_amount}`, ascending, the last `up_to` null. Line totals are rounded half away ' +
  "from zero at the currency's minor unit."

export const priceRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/api/prices',
    {
      config: routeConfig(prices, 'read'),
      schema: {
        tags: ['Prices'],
        summary: 'List prices',
        description:
          "The workspace's prices, oldest first, as Qwoty documents the list: `limit` " +
          `(${DEFAULT_PRICE_LIMIT} by default, at most 1000) and \`offset\`, answered with \`total\` (every ` +
          'match), `limit` and `offset`. Filters (beyond the docs): `pricebook_id`, `product_variant_id`, ' +
          '`product_id` (the product parent), `currency` (ISO code or api_name), `pricing_model` (`none`: ' +
          'not filled in yet) and `is_active`.',
        querystring: PriceListQuery,
        response: {
          200: PricePage,
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request) => {
      const { total, rows, limit, offset } = await listPrices(
        db,
        request.auth.workspaceId,
        request.query as PriceListQuery,
      )
      return { success: true as const, data: rows, total, limit, offset }
    },
  )

  declareRoutes(app, db, prices, {
    path: '/api/prices',
    tag: 'Prices',
    item: Price,
    find: findPrice,
    get: {
      summary: 'Get a price',
      description:
        'Returns detailed information about a specific price, including all pricing configuration and ' +
        'enriched data: its pricebook, currency, default tax and billing frequency by name.',
    },
    update: {
      summary: 'Update a price',
      description:
        'Fills in or changes the pricing of a price; every field is optional. Prices are never created or ' +
        'deleted: a row exists for each pricebook, product and billing frequency. The whole price is checked ' +
        'as it will stand, for its model (a 400 names each field at fault); the fields of another model stay ' +
        "stored. Money has at most the decimals of the pricebook's currency (tier unit amounts and " +
        'cost_multiplier up to 6). `engagement_type` and `period_duration` are for recurring prices. A price ' +
        'of a dynamic pricebook follows its base price: only its identifiers can change (409 otherwise); ' +
        'the dynamic prices that follow a price move with it. `identifiers` may also be sent as the bracket ' +
        'keys of the docs (`"identifiers[crm]"`); a field sent both ways is a 400. ' +
        MODELS,
      errors: ['conflict'],
      body: PricePatch,
      readOnly: PRICE_READ_ONLY,
      prepare: async (_db, _workspaceId, patch) => folded(patch),
      write: updatePrice,
    },
  })

  app.post(
    '/api/prices/:id/quote',
    {
      // It writes nothing: a read, which POST carries because it has a body.
      config: routeConfig(prices, 'read', { etag: true }),
      schema: {
        tags: ['Prices'],
        summary: 'Quote a price',
        description:
          "What a quantity of a price costs, with a discount and a tax (the price's default tax unless " +
          '`tax_id` says otherwise; null: none), and the tier breakdown: the line a quote would get. Beyond ' +
          "Qwoty's API. A price not filled in, or inactive, is a 409. A percentage price needs `base`, the " +
          "amount it is a percentage of (the other lines of a quote). Money is rounded at the currency's " +
          'minor unit, half away from zero, on the line amounts; `unit_price` is unrounded. The ETag is a ' +
          'digest of the answer. ' +
          MODELS,
        params: IdParams,
        body: QuoteRequest,
        response: {
          200: Success(PriceQuote),
          ...errors('invalid_parameter', 'invalid_token', 'not_found', 'conflict'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      const quote = await quotePrice(db, request.auth.workspaceId, id, request.body as QuoteRequest)
      return sendDigested(request, reply, quote)
    },
  )

  await app.register(priceCsvRoutes, { db })
}
