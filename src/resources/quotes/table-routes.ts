import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { TSchema } from 'typebox'
import type { Database } from '../../db/types.ts'
import { type ErrorCode, notFound } from '../../http/errors.ts'
import { errors, IdParams, Success } from '../../http/schemas.ts'
import { routeConfig } from '../../kernel/routes.ts'
import { answerWrite, type WriteContext } from '../../kernel/write.ts'
import { recomputeQuote } from './pricing-table.ts'
import { quotes } from './resource.ts'
import { Quote as QuoteDocument } from './schema.ts'
import { assertEditable, findQuote, type QuoteRow, quoteRow } from './store.ts'
import { insertLine, updateLine } from './table-lines.ts'
import {
  DEFAULT_TAX,
  LineCreate,
  LineParams,
  LinePatch,
  PhaseCreate,
  PhaseParams,
  PhasePatch,
  SectionCreate,
  SectionParams,
  SectionPatch,
} from './table-schema.ts'
import {
  createPhase,
  createSection,
  deleteLine,
  deletePhase,
  deleteSection,
  findLine,
  findPhase,
  findSection,
  type LineRow,
  updatePhase,
  updateSection,
} from './table-store.ts'

// The routes of a quote's pricing table. Each writes the QUOTE: it locks the quote's row and checks If-Match
// against the quote's ETag (sections, phases and lines have no version of their own), refuses a quote that
// is no longer editable, reprices the quote in the same transaction, records `quote.updated`, and answers
// the whole quote as GET /api/quotes/{id} does, with its new ETag.

const TAG = 'Quotes'

const WRITE_ERRORS: ErrorCode[] = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_token',
  'not_found',
  'conflict',
  // A path segment over maxParamLength (1000 bytes, escaped): refused before routing.
  'uri_too_long',
]

const EDITS =
  "The write is one of the quote: it needs `quotes:write`, takes If-Match with the quote's ETag (412 " +
  'when it has moved), is refused with 409 unless the quote is `draft` or `changes_requested`, reprices ' +
  "the quote's lines and totals, records `quote.updated`, and answers the whole quote (as GET " +
  '/api/quotes/{id}) with its new ETag. An id of another quote is a 404.'

type Quote = QuoteRow

/** What every route answers: the quote as GET /api/quotes/{id} shows it. */
const QuoteResponse = Success(QuoteDocument)

export const quoteTableRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  /**
   * Runs one edit of the quote the path names: `edit` finds what it changes (404), then the quote must be
   * editable, then it writes and says whether anything changed. An edit that changed nothing answers the
   * quote as it stands, with no new version or event.
   */
  const write = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: 200 | 201,
    edit: (w: WriteContext, quote: Quote, editable: () => void) => Promise<boolean>,
  ) => {
    const { id } = request.params as { id: string }
    return answerWrite(db, request, reply, { resource: quotes, id }, async (w) => {
      const quote = await quoteRow(w.trx, w.workspaceId, id)
      if (!quote) throw notFound(quotes.noun)
      const changed = await edit(w, quote, () => assertEditable(quote))
      if (changed) await recomputeQuote(w, id)
      const found = await findQuote(w.trx, w.workspaceId, id)
      if (!found) throw notFound(quotes.noun)
      if (changed) w.emit(quotes, 'updated', id, found.value)
      return { status, body: { success: true, data: found.value }, version: found.version }
    })
  }

  const route = (
    method: 'POST' | 'PATCH' | 'DELETE',
    url: string,
    doc: { summary: string; description: string; params: TSchema; body?: TSchema },
    status: 200 | 201,
  ) => ({
    method,
    url,
    config: routeConfig(quotes, 'write', { etag: true, ifMatch: true }),
    schema: {
      tags: [TAG],
      summary: doc.summary,
      description: `${doc.description} ${EDITS}`,
      params: doc.params,
      ...(doc.body ? { body: doc.body } : {}),
      response: { [status]: QuoteResponse, ...errors('invalid_parameter', ...WRITE_ERRORS) },
    },
  })

  const section = async (trx: Kysely<Database>, quote: Quote, id: string) => {
    const found = await findSection(trx, quote.id, id)
    if (!found) throw notFound('Section')
    return found
  }
  const phase = async (trx: Kysely<Database>, quote: Quote, id: string) => {
    const found = await findPhase(trx, quote.id, id)
    if (!found) throw notFound('Phase')
    return found
  }
  const line = async (trx: Kysely<Database>, quote: Quote, id: string): Promise<LineRow> => {
    const found = await findLine(trx, quote.id, id)
    if (!found) throw notFound('Line item')
    return found
  }

  app.route({
    ...route(
      'POST',
      '/api/quotes/:id/sections',
      {
        summary: 'Add a section to a quote',
        description:
          'Adds a section at `rank` (last when omitted or beyond the end); the sections from there on move ' +
          'down by one.',
        params: IdParams,
        body: SectionCreate,
      },
      201,
    ),
    handler: (request, reply) =>
      write(request, reply, 201, async (w, quote, editable) => {
        editable()
        await createSection(w, quote.id, request.body as SectionCreate)
        return true
      }),
  })

  app.route({
    ...route(
      'PATCH',
      '/api/quotes/:id/sections/:section_id',
      {
        summary: "Rename or move a quote's section",
        description:
          'Renames the section, or moves it to `rank` (the last place when beyond the end): the sections ' +
          'between its old and new place shift by one.',
        params: SectionParams,
        body: SectionPatch,
      },
      200,
    ),
    handler: (request, reply) =>
      write(request, reply, 200, async (w, quote, editable) => {
        const found = await section(w.trx, quote, (request.params as { section_id: string }).section_id)
        editable()
        return updateSection(w, found, request.body as SectionPatch)
      }),
  })

  app.route({
    ...route(
      'POST',
      '/api/quotes/:id/sections/:section_id/phases',
      {
        summary: 'Add a phase to a section',
        description:
          'Adds a phase ("Year 1", "Year 2" for a ramp deal) to the section at `rank` (last when omitted or ' +
          'beyond the end); the phases from there on move down by one.',
        params: SectionParams,
        body: PhaseCreate,
      },
      201,
    ),
    handler: (request, reply) =>
      write(request, reply, 201, async (w, quote, editable) => {
        const found = await section(w.trx, quote, (request.params as { section_id: string }).section_id)
        editable()
        await createPhase(w, found, request.body as PhaseCreate)
        return true
      }),
  })

  app.route({
    ...route(
      'PATCH',
      '/api/quotes/:id/phases/:phase_id',
      {
        summary: 'Rename or move a phase',
        description:
          'Renames the phase, moves it to `rank` in its section, or with `section_id` to another section of ' +
          'the quote (at `rank` there, else last), its line items with it; a `section_id` that names no ' +
          'section of this quote is a 400.',
        params: PhaseParams,
        body: PhasePatch,
      },
      200,
    ),
    handler: (request, reply) =>
      write(request, reply, 200, async (w, quote, editable) => {
        const found = await phase(w.trx, quote, (request.params as { phase_id: string }).phase_id)
        editable()
        return updatePhase(w, found, request.body as PhasePatch)
      }),
  })

  app.route({
    ...route(
      'POST',
      '/api/quotes/:id/phases/:phase_id/line-items',
      {
        summary: 'Add a line item to a phase',
        description:
          "Adds a line item, given as a line of the quote's create body (`product_id`, the variant, and " +
          '`quantity`; `billing_frequency_id`, `price_id`, `unit_price`, `tax_id`, `discount`), at `rank` in ' +
          "the phase (last when omitted or beyond the end). Its price is the row of the quote's pricebook for " +
          "the variant (and billing frequency: the shortest when omitted), its tax the price's default unless " +
          '`tax_id` says otherwise; the line copies them now.',
        params: PhaseParams,
        body: LineCreate,
      },
      201,
    ),
    handler: (request, reply) =>
      write(request, reply, 201, async (w, quote, editable) => {
        const found = await phase(w.trx, quote, (request.params as { phase_id: string }).phase_id)
        editable()
        await insertLine(w, quote, found, request.body as LineCreate)
        return true
      }),
  })

  app.route({
    ...route(
      'PATCH',
      '/api/quotes/:id/line-items/:line_id',
      {
        summary: 'Change a line item',
        description:
          'Changes what is set on the line: `quantity`, `unit_price` (an override of the list price; null ' +
          `removes it), \`tax_id\` (null: no tax; \`${DEFAULT_TAX}\`: the price's default tax again), \`discount\` ` +
          '(null removes it), and its place: `rank` in its phase, or with `phase_id` another phase of the ' +
          'quote. The line keeps the copies of its variant and price (POST /api/quotes/{id}/reprice ' +
          'refreshes them).',
        params: LineParams,
        body: LinePatch,
      },
      200,
    ),
    handler: (request, reply) =>
      write(request, reply, 200, async (w, quote, editable) => {
        const found = await line(w.trx, quote, (request.params as { line_id: string }).line_id)
        editable()
        return updateLine(w, quote, found, request.body as LinePatch)
      }),
  })

  app.route({
    ...route(
      'DELETE',
      '/api/quotes/:id/line-items/:line_id',
      {
        summary: 'Delete a line item',
        description: 'Deletes the line item; the lines after it in its phase move up by one.',
        params: LineParams,
      },
      200,
    ),
    handler: (request, reply) =>
      write(request, reply, 200, async (w, quote, editable) => {
        const found = await line(w.trx, quote, (request.params as { line_id: string }).line_id)
        editable()
        await deleteLine(w, found)
        return true
      }),
  })

  app.route({
    ...route(
      'DELETE',
      '/api/quotes/:id/phases/:phase_id',
      {
        summary: 'Delete a phase',
        description:
          'Deletes the phase with its line items; the phases after it in its section move up by one.',
        params: PhaseParams,
      },
      200,
    ),
    handler: (request, reply) =>
      write(request, reply, 200, async (w, quote, editable) => {
        const found = await phase(w.trx, quote, (request.params as { phase_id: string }).phase_id)
        editable()
        await deletePhase(w, found)
        return true
      }),
  })

  app.route({
    ...route(
      'DELETE',
      '/api/quotes/:id/sections/:section_id',
      {
        summary: "Delete a quote's section",
        description:
          'Deletes the section with its phases and their line items; the sections after it move up by one.',
        params: SectionParams,
      },
      200,
    ),
    handler: (request, reply) =>
      write(request, reply, 200, async (w, quote, editable) => {
        const found = await section(w.trx, quote, (request.params as { section_id: string }).section_id)
        editable()
        await deleteSection(w, found)
        return true
      }),
  })
}
