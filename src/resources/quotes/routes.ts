import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { notFound } from '../../http/errors.ts'
import { Page, pageBody } from '../../http/pagination.ts'
import { errors, IdParams, Success } from '../../http/schemas.ts'
import { declareRoutes, recordSender, routeConfig, tagOf } from '../../kernel/routes.ts'
import { answerWrite } from '../../kernel/write.ts'
import { quoteActionRoutes } from './actions.ts'
import { quotes } from './resource.ts'
import { QUOTE_READ_ONLY, Quote, QuoteCreate, QuoteListItem, QuoteListQuery, QuotePatch } from './schema.ts'
import { createQuote, deleteQuote, repriceQuote, updateQuote } from './service.ts'
import { findQuote, listQuotes } from './store.ts'

const TAG = 'Quotes'

const READ =
  'The quote with the copies it keeps (owner, business unit, customer with its contacts and addresses, product ' +
  'names, prices and taxes: later edits of those do not change it), its pricing table (sections, phases, line ' +
  'items with their pricing, discount, tax, amounts and recurrence) and its summary (one-off totals, recurring ' +
  "totals by interval). Keys and nesting are those of Qwoty's documented example; Quoin's own fields follow " +
  'the documented ones in each object. Amounts are exact decimals rounded once per line amount at the minor ' +
  "unit of the quote's currency. `issue_date` keeps milliseconds."

const TOTALS =
  'Line discounts come first, then the quote `discount` on the discounted subtotal: a percent off every line, ' +
  'an amount shared over the one-off lines only, in proportion to their subtotals. Each line is taxed on what ' +
  "remains. `payment_schedule` splits the one-off total (tax included) by the payment term's installments, " +
  'each rounded at the minor unit, the remainder on the last.'

export const quoteRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  await quoteActionRoutes(app, { db })
  declareRoutes(app, db, quotes, {
    path: '/api/quotes',
    tag: TAG,
    item: Quote,
    find: findQuote,
    get: {
      summary: 'Get a quote',
      description: `${READ} The same document as GET /api/quote/{id}, Qwoty's documented path.`,
    },
    create: {
      summary: 'Create a quote',
      description:
        'Creates a draft quote for `customer_id`, with its whole pricing table when given ' +
        '(`pricing_table.sections[].phases[].line_items[]`, each line naming `product_id`, the variant, and ' +
        "`quantity`). Defaults: the customer's first contact, its first billing and shipping addresses, the " +
        "user the token acts as for owner, the workspace's default business unit, the oldest active pricebook " +
        "of the customer's segment (else the oldest active one without segments) and its currency, the " +
        "workspace's oldest active payment term, an expiration date quote_validity_days after issue, " +
        "language en. A line's price is the row of the quote's pricebook for its variant (and billing " +
        "frequency, the shortest one when omitted); its tax the price's default unless `tax_id` says " +
        `otherwise. ${TOTALS} Every id is checked in the workspace; a 400 names each field at fault by its path.`,
      body: QuoteCreate,
      write: createQuote,
    },
    update: {
      summary: 'Update a quote',
      description:
        'Changes the header fields given, on a draft or changes_requested quote (409 otherwise). Naming ' +
        'customer_id, contact_ids, an address, owner_id or business_unit_id again copies what they name afresh. ' +
        'The pricebook and currency cannot change once the quote has line items (409). Sections, phases and ' +
        'lines have their own routes; `pricing_table.settings.is_prices_hidden` is set here. The totals are ' +
        'computed again. Fields of the read that cannot change are accepted when sent back unchanged.',
      errors: ['conflict'],
      body: QuotePatch,
      readOnly: QUOTE_READ_ONLY,
      write: updateQuote,
    },
    remove: {
      summary: 'Delete a quote',
      description: 'Deletes a draft quote with its pricing table for good; any other status is a 409.',
      errors: ['conflict'],
      message: 'Quote deleted successfully',
      write: deleteQuote,
    },
  })

  // Qwoty's documented path: the same document, route and ETag as /api/quotes/{id}.
  const send = recordSender()
  app.get(
    '/api/quote/:id',
    {
      config: routeConfig(quotes, 'read', { etag: true, ifNoneMatch: true }),
      schema: {
        tags: [TAG],
        summary: 'Get a quote (documented path)',
        description: READ,
        params: IdParams,
        response: {
          200: Success(Quote),
          ...errors('invalid_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      const record = await findQuote(db, request.auth.workspaceId, id)
      if (!record) throw notFound(quotes.noun)
      return send(request, reply, record.value, tagOf(quotes, record))
    },
  )

  app.get(
    '/api/quotes',
    {
      config: routeConfig(quotes, 'read'),
      schema: {
        tags: [TAG],
        summary: 'List quotes',
        description:
          "The workspace's quotes, oldest first, a page at a time, as summaries (GET one for the whole " +
          'document). Filters: `status`, `customer_id`, `owner_id`, `number` (exact), and instants ' +
          '`created_since` / `issued_since` (at or after) and `created_before` / `issued_before` (before). ' +
          'The amounts sum every line: the one-off ones and one period of each recurring one.',
        querystring: QuoteListQuery,
        response: {
          200: Page(QuoteListItem),
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request) =>
      pageBody(await listQuotes(db, request.auth.workspaceId, request.query as QuoteListQuery)),
  )

  app.post(
    '/api/quotes/:id/reprice',
    {
      config: routeConfig(quotes, 'write', { etag: true }),
      schema: {
        tags: [TAG],
        summary: 'Reprice a quote',
        description:
          "Copies afresh, for every line, its price from the quote's pricebook as it now stands (model, list " +
          "price, floor, cost), its product's name and unit, and the price's default tax unless the line chose " +
          'its own; then computes the totals again. Draft and changes_requested quotes only (409 otherwise); ' +
          'a 409 names the lines whose price is gone, inactive or not filled in.',
        params: IdParams,
        response: {
          200: Success(Quote),
          ...errors('invalid_parameter', 'invalid_token', 'not_found', 'conflict', 'precondition_failed'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      return answerWrite(db, request, reply, { resource: quotes, id }, async (w, locked) => {
        if (!locked || !(await repriceQuote(w, id))) throw notFound(quotes.noun)
        const record = await findQuote(w.trx, w.workspaceId, id)
        if (!record) throw notFound(quotes.noun)
        w.emit(quotes, 'updated', id, record.value)
        return { body: { success: true, data: record.value }, version: record.version }
      })
    },
  )
}
