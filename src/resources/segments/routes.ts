import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { underPrecondition } from '../../http/conditional.ts'
import { ApiError, notFound, orNotFound } from '../../http/errors.ts'
import { Page, pageBody } from '../../http/pagination.ts'
import { acceptReadOnly } from '../../http/read-only.ts'
import { Deleted, errors, IdParams, Success } from '../../http/schemas.ts'
import { SEGMENT_READ_ONLY, Segment, SegmentCreate, SegmentListQuery, SegmentPatch } from './schema.ts'
import { createSegment, deleteSegment, findSegment, listSegments, updateSegment } from './store.ts'

const bodyErrors = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
] as const

function inUse(customers: number): ApiError {
  const message =
    customers === 1
      ? 'Segment is used by 1 customer: move it to another segment or clear its segment_id first'
      : `Segment is used by ${customers} customers: move them to another segment or clear their segment_id first`
  return new ApiError('conflict', message)
}

export const segmentRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/api/segments',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags: ['Segments'],
        summary: 'List segments',
        description:
          "The workspace's segments, oldest first, a page at a time, each with the number of live customers " +
          'in it. `q` keeps those whose name or reference contains it, ignoring case.',
        querystring: SegmentListQuery,
        response: {
          200: Page(Segment),
          ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token'),
        },
      },
    },
    async (request) => {
      const page = await listSegments(db, request.auth.workspaceId, request.query)
      return pageBody(page)
    },
  )

  app.post(
    '/api/segments',
    {
      config: { scope: 'segments:write' },
      schema: {
        tags: ['Segments'],
        summary: 'Create a segment',
        description:
          'Creates a group of customers, such as "Enterprise - France". Customers join it through their ' +
          "`segment_id`. Qwoty manages segments only in its interface; this endpoint is Quoin's.",
        body: SegmentCreate,
        response: { 201: Success(Segment), ...errors(...bodyErrors, 'invalid_token') },
      },
    },
    async (request, reply) => {
      const segment = await createSegment(db, request.auth.workspaceId, request.body)
      return reply.status(201).send({ success: true as const, data: segment })
    },
  )

  app.get(
    '/api/segments/:id',
    {
      config: { scope: 'segments:read', noun: 'Segment' },
      schema: {
        tags: ['Segments'],
        summary: 'Get a segment',
        description: 'Retrieve a specific segment by ID, with the number of live customers in it',
        params: IdParams,
        response: { 200: Success(Segment), ...errors('invalid_parameter', 'invalid_token', 'not_found') },
      },
    },
    async (request) => {
      const segment = await findSegment(db, request.auth.workspaceId, request.params.id)
      if (!segment) throw notFound('Segment')
      return { success: true as const, data: segment }
    },
  )

  app.patch(
    '/api/segments/:id',
    {
      config: { scope: 'segments:write', noun: 'Segment' },
      schema: {
        tags: ['Segments'],
        summary: 'Update a segment',
        description:
          'Changes the fields given and leaves the others as they are. `null` clears `reference` or ' +
          '`description`; `name` cannot be cleared.',
        params: IdParams,
        body: SegmentPatch,
        response: {
          200: Success(Segment),
          ...errors(...bodyErrors, 'invalid_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      const patch = await acceptReadOnly(request.body, SEGMENT_READ_ONLY, () =>
        orNotFound(findSegment(db, workspaceId, id), 'Segment'),
      )
      const segment = await underPrecondition(db, request, { table: 'segments', workspaceId, id }, (trx) =>
        updateSegment(trx, workspaceId, id, patch),
      )
      if (!segment) throw notFound('Segment')
      return { success: true as const, data: segment }
    },
  )

  app.delete(
    '/api/segments/:id',
    {
      config: { scope: 'segments:write', noun: 'Segment' },
      schema: {
        tags: ['Segments'],
        summary: 'Delete a segment',
        description:
          'Deletes the segment for good. Refused with 409 while live customers are in it: move them to ' +
          'another segment or clear their `segment_id` first. Deleted customers still in it lose their ' +
          '`segment_id`, and come back without one if restored.',
        params: IdParams,
        response: {
          200: Deleted,
          ...errors('invalid_parameter', 'invalid_token', 'not_found', 'conflict'),
        },
      },
    },
    async (request) => {
      const { workspaceId } = request.auth
      const { id } = request.params
      const result = await underPrecondition(db, request, { table: 'segments', workspaceId, id }, (trx) =>
        deleteSegment(trx, workspaceId, id),
      )
      if (result.outcome === 'not_found') throw notFound('Segment')
      if (result.outcome === 'in_use') throw inUse(result.customers)
      return { success: true as const, message: 'Segment deleted successfully' }
    },
  )
}
