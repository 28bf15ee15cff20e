import type { IncomingMessage } from 'node:http'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'
import { errors, Success } from '../../http/schemas.ts'
import { validatorCompiler } from '../../http/validation.ts'
import { routeConfig } from '../../kernel/routes.ts'
import { answerWrite } from '../../kernel/write.ts'
import { CsvUpload, EXPORTED_TIERS, exportPrices, importPrices, spoolCsv } from './csv.ts'
import { prices } from './resource.ts'
import { PriceListQuery } from './schema.ts'
import type { PriceFilters } from './store.ts'

// GET /api/prices/export and POST /api/prices/import: the price file of Qwoty's docs (see csv.ts). A plugin
// of its own, so that its text/csv body parser serves these routes only.

/** The largest file an import takes. */
export const IMPORT_LIMIT = 200 * 1024 * 1024

const { limit: _limit, offset: _offset, ...filters } = PriceListQuery.properties
const PriceExportQuery = Type.Object(filters, { additionalProperties: false })

const COLUMNS =
  'Columns, in this order: the read-only keys `id`, `product_api_name` (the variant), `pricebook_api_name`, ' +
  '`currency_code`, `type` (`one_off` | `recurring`), `period_unit` and `period` (the billing frequency, ' +
  'empty for one-off prices); the editable `pricing_model`, `amount`, `percent`, `cost`, `floor_price`, ' +
  '`vat_code` (the default tax, by its api_name), `engagement_type`, `period_duration_month`, ' +
  '`pay_as_you_go` (true/false), `identifiers[crm]`, `identifiers[erp]`, `identifiers[accounting]`; the ' +
  `tiers of the volume or graduated model, whichever pricing_model says, as \`tier_1_up_to\`, ` +
  `\`tier_1_unit_amount\`, \`tier_1_flat_amount\` … (${EXPORTED_TIERS} tiers, more when a price has more); ` +
  "then Quoin's `cost_multiplier`, `price_percentage_type` and `is_setup`. An empty cell is null; decimals " +
  'are written as stored.'

const ImportResult = Type.Object({
  rows: Type.Integer({ description: 'The rows of the file, its header aside' }),
  updated: Type.Integer({ description: 'The prices the import changed' }),
  unchanged: Type.Integer({ description: 'The rows that left their price as it was' }),
})

const CsvBody = Type.String({
  description: `The price file: CSV, UTF-8, at most ${IMPORT_LIMIT} bytes, its header first`,
})

export const priceCsvRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  // The file goes to disk as it arrives, never whole in memory; its digest is what an Idempotency-Key's
  // fingerprint holds of it, so a retry of the same file replays the first answer.
  app.addContentTypeParser('text/csv', async (request: FastifyRequest, payload: IncomingMessage) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1]
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      throw new ApiError(
        'unsupported_media_type',
        `Unsupported charset '${charset}': send the file as UTF-8 (Content-Type: text/csv; charset=utf-8)`,
      )
    }
    if (Number(request.headers['content-length']) > IMPORT_LIMIT) {
      throw new ApiError('payload_too_large', `The file is larger than ${IMPORT_LIMIT} bytes`)
    }
    return spoolCsv(payload, IMPORT_LIMIT)
  })
  // The file lasts as long as its request: removed once the import is done, or when the request ends
  // without it (refused before, or the client gone).
  app.addHook('preValidation', (request, reply, done) => {
    const upload = request.body
    if (upload instanceof CsvUpload) reply.raw.once('close', () => void upload.remove())
    done()
  })

  app.get(
    '/api/prices/export',
    {
      config: routeConfig(prices, 'read'),
      schema: {
        tags: ['Prices'],
        summary: 'Export prices as CSV',
        description:
          "The workspace's prices as the CSV file of Qwoty's price import, oldest first, with the filters of " +
          'the list (`pricebook_id`, `product_variant_id`, `product_id`, `currency`, `pricing_model`, ' +
          '`is_active`): edit it and send it back to POST /api/prices/import. Streamed, however many ' +
          `prices there are. ${COLUMNS}`,
        querystring: PriceExportQuery,
        response: {
          200: {
            description: 'The CSV file (attachment prices.csv)',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request, reply) => {
      const csv = await exportPrices(db, request.auth.workspaceId, request.query as PriceFilters)
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="prices.csv"')
        .send(csv)
    },
  )

  app.post(
    '/api/prices/import',
    {
      config: routeConfig(prices, 'write'),
      // The body is the file on disk (see the parser above), which no JSON schema describes.
      validatorCompiler: ({ schema, httpPart }) =>
        httpPart === 'body' ? () => true : validatorCompiler({ schema, httpPart }),
      schema: {
        tags: ['Prices'],
        summary: 'Import prices from CSV',
        description:
          "Fills in prices from a CSV file, as Qwoty's price import does: `id` is the only match key (an id " +
          'that names no price of the workspace is a bad row); the read-only key columns may be there and ' +
          'are ignored; a column the file lacks leaves its field as it is, an empty cell clears it; an unknown ' +
          'column is a 400 naming it. Each price a row changes is changed by the rules of PATCH ' +
          '/api/prices/{id}, with its `price.updated` event; a row that changes nothing writes nothing (a ' +
          'price of a dynamic pricebook may be sent back as exported). All or nothing: a file with any bad ' +
          "row changes nothing, and the 400 names every bad row, in `details` ('line 3 (id …): …', the header " +
          'being line 1) and in `rows`. Booleans are true/false, 1/0 or yes/no; decimals use a dot. A row ' +
          'naming a price an earlier row named applies over it. With an Idempotency-Key, the same file sent ' +
          `again gets the first answer. ${COLUMNS}`,
        body: { content: { 'text/csv': { schema: CsvBody } } },
        response: {
          200: Success(ImportResult),
          ...errors(
            'validation_failed',
            'invalid_json',
            'payload_too_large',
            'unsupported_media_type',
            'invalid_token',
          ),
        },
      },
    },
    async (request, reply) => {
      const upload = request.body
      if (!(upload instanceof CsvUpload)) {
        throw new ApiError(
          'unsupported_media_type',
          'Send the price file as the body, with Content-Type: text/csv',
        )
      }
      try {
        return await answerWrite(db, request, reply, { resource: prices }, async (w) => ({
          body: { success: true, data: await importPrices(w, () => upload.open()) },
        }))
      } finally {
        await upload.remove()
      }
    },
  )
}
