import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { segments } from './resource.ts'
import { SEGMENT_READ_ONLY, Segment, SegmentCreate, SegmentListQuery, SegmentPatch } from './schema.ts'
import { createSegment, deleteSegment, findSegment, listSegments, updateSegment } from './store.ts'

export const segmentRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, segments, {
    path: '/api/segments',
    tag: 'Segments',
    item: Segment,
    find: findSegment,
    list: {
      summary: 'List segments',
      description:
        "The workspace's segments, oldest first, a page at a time, each with the number of live customers " +
        'in it. `q` keeps those whose name or reference contains it, ignoring case and accents.',
      query: SegmentListQuery,
      fetch: listSegments,
    },
    get: {
      summary: 'Get a segment',
      description: 'Retrieve a specific segment by ID, with the number of live customers in it',
    },
    create: {
      summary: 'Create a segment',
      description:
        'Creates a group of customers, such as "Enterprise - France". Customers join it through their ' +
        "`segment_id`. Qwoty manages segments only in its interface; this endpoint is Quoin's.",
      body: SegmentCreate,
      write: createSegment,
    },
    update: {
      summary: 'Update a segment',
      description:
        'Changes the fields given and leaves the others as they are. `null` clears `reference` or ' +
        '`description`; `name` cannot be cleared.',
      body: SegmentPatch,
      readOnly: SEGMENT_READ_ONLY,
      write: updateSegment,
    },
    remove: {
      summary: 'Delete a segment',
      description:
        'Deletes the segment for good. Refused with 409 while live customers are in it (move them to ' +
        'another segment or clear their `segment_id` first) or pricebooks name it in their `segment_ids`. ' +
        'Deleted customers still in it lose their ' +
        '`segment_id`, and come back without one if restored.',
      errors: ['conflict'],
      message: 'Segment deleted successfully',
      write: deleteSegment,
    },
  })
}
