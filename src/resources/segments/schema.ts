import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Nullable, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const Segment = Type.Object(
  {
    id: Uuid('UUID'),
    workspace_id: Uuid('Workspace UUID'),
    name: Type.String({ description: 'Segment name', examples: ['Enterprise - France'] }),
    reference: Nullable(Type.String({ description: 'Internal reference', examples: ['ENT-FR'] })),
    description: Nullable(Type.String({ description: 'What the segment groups' })),
    customer_count: Type.Integer({
      minimum: 0,
      description: 'Live (not deleted) customers whose segment_id is this segment',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Segment' },
)
export type Segment = Type.Static<typeof Segment>

const reference = Nullable(
  Type.String({ maxLength: 100, description: 'Internal reference; stored trimmed, blank stores null' }),
)
const description = Nullable(Type.String({ maxLength: 2000, description: 'What the segment groups' }))

export const SegmentCreate = Type.Object(
  {
    name: Text(255, 'Segment name; stored trimmed', { examples: ['Enterprise - France'] }),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
  },
  { additionalProperties: false },
)
export type SegmentCreate = Type.Static<typeof SegmentCreate>

/** What a PATCH may send back unchanged from a GET. */
export const SEGMENT_READ_ONLY = ['id', 'workspace_id', 'customer_count', 'created_at', 'updated_at'] as const

export const SegmentPatch = Type.Object(
  {
    name: Type.Optional(Text(255, 'Segment name; stored trimmed; cannot be null')),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
    ...ReadOnly(...SEGMENT_READ_ONLY),
  },
  { additionalProperties: false },
)
export type SegmentPatch = Omit<Type.Static<typeof SegmentPatch>, (typeof SEGMENT_READ_ONLY)[number]>

export const SegmentListQuery = Type.Object(
  {
    ...PageParams,
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'A substring of the name or the reference, ignoring case and accents',
      }),
    ),
  },
  { additionalProperties: false },
)
export type SegmentListQuery = Type.Static<typeof SegmentListQuery>
