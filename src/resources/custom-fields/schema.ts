import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { ApiName, Nullable, StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'
import { MAX_TEXT } from './check.ts'

export const FIELD_OBJECTS = ['customer', 'quote'] as const
export const FIELD_TYPES = ['text', 'number', 'date'] as const

const OBJECT = 'The records it is a property of: customer or quote. It cannot change once created'
const TYPE =
  `text (a string of at most ${MAX_TEXT} characters), number (a JSON number) or date (YYYY-MM-DD). ` +
  'It cannot change once created'

export const CustomField = Type.Object(
  {
    id: Uuid('UUID'),
    object: StringEnum(FIELD_OBJECTS, { description: OBJECT, examples: ['customer'] }),
    name: Type.String({ description: 'Field name', examples: ['Account manager region'] }),
    api_name: Type.String({
      description:
        'The key of its value in `custom_properties`: snake_case, unique per workspace and object, made ' +
        'from the name at creation; it never changes',
      examples: ['account_manager_region'],
    }),
    type: StringEnum(FIELD_TYPES, { description: TYPE, examples: ['text'] }),
    description: Nullable(Type.String({ description: 'What it is for' })),
    is_required: Type.Boolean({
      description: 'Whether a new record of its object must give it a value (a 400 names it otherwise)',
    }),
    is_active: Type.Boolean({
      description: 'Whether it takes values; values already stored under an inactive field are kept',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'CustomField' },
)
export type CustomField = Type.Static<typeof CustomField>

const fields = {
  object: StringEnum(FIELD_OBJECTS, { description: OBJECT, 'x-required-hint': '(customer | quote)' }),
  name: Text(255, 'Field name; stored trimmed'),
  type: StringEnum(FIELD_TYPES, { description: TYPE, 'x-required-hint': '(text | number | date)' }),
  description: Nullable(Type.String({ maxLength: 1000, description: 'What it is for; null clears it' })),
  is_required: Type.Boolean({ description: 'Whether a new record must give it a value; false when omitted' }),
  is_active: Type.Boolean({ description: 'Whether it takes values; true when omitted' }),
}

export const CustomFieldCreate = Type.Object(
  {
    object: fields.object,
    name: fields.name,
    api_name: Type.Optional(
      ApiName(
        'Unique snake_case key among the fields of its object. When omitted, made from the name ' +
          '(Account manager region → account_manager_region, then account_manager_region_2 … while taken)',
        'account_manager_region',
      ),
    ),
    type: fields.type,
    description: Type.Optional(fields.description),
    is_required: Type.Optional(fields.is_required),
    is_active: Type.Optional(fields.is_active),
  },
  { additionalProperties: false },
)
export type CustomFieldCreate = Type.Static<typeof CustomFieldCreate>

/** What a PATCH may send back unchanged from a GET. */
export const CUSTOM_FIELD_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const CustomFieldPatch = Type.Object(
  {
    // Accepted when they equal what is stored (a GET sent back); a change is a 400 saying why.
    object: Type.Optional(fields.object),
    type: Type.Optional(fields.type),
    api_name: Type.Optional(Type.String({ description: 'Accepted unchanged only: it never changes' })),
    name: Type.Optional(fields.name),
    description: Type.Optional(fields.description),
    is_required: Type.Optional(fields.is_required),
    is_active: Type.Optional(fields.is_active),
    ...ReadOnly(...CUSTOM_FIELD_READ_ONLY),
  },
  { additionalProperties: false },
)
export type CustomFieldPatch = Omit<
  Type.Static<typeof CustomFieldPatch>,
  (typeof CUSTOM_FIELD_READ_ONLY)[number]
>

export const CustomFieldListQuery = Type.Object(
  {
    ...PageParams,
    object: Type.Optional(StringEnum(FIELD_OBJECTS, { description: 'Only the fields of this object' })),
    type: Type.Optional(StringEnum(FIELD_TYPES, { description: 'Only the fields of this type' })),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active fields (true) or the inactive ones (false)' }),
    ),
  },
  { additionalProperties: false },
)
export type CustomFieldListQuery = Type.Static<typeof CustomFieldListQuery>
