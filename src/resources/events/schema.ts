import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { Timestamp, Uuid } from '../../http/schemas.ts'

export const Event = Type.Object(
  {
    id: Uuid('UUIDv7: events sort by it in the order they were recorded'),
    type: Type.String({
      description: '`<group>.<event>`, as Qwoty names them: what happened to which kind of record',
      examples: ['customer.created', 'contact.deleted'],
    }),
    record_id: Uuid('The record the event is about'),
    data: Type.Unknown({
      description:
        'The record as the write left it, as its GET shows it (as it stood before, for a deletion)',
    }),
    created_at: Timestamp('When the write committed'),
  },
  { title: 'Event', description: 'One write: what webhooks deliver' },
)
export type Event = Type.Static<typeof Event>

export const EventListQuery = Type.Object(
  {
    ...PageParams,
    type: Type.Optional(
      Type.String({
        pattern: '^[a-z_]+\\.[a-z_]+$',
        maxLength: 100,
        description: 'Only events of this type, such as customer.created',
      }),
    ),
    record_id: Type.Optional(Type.String({ maxLength: 255, description: 'Only events about this record' })),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only events recorded at or after this instant' }),
    ),
  },
  { additionalProperties: false },
)
export type EventListQuery = Type.Static<typeof EventListQuery>
