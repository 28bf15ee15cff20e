import Type from 'typebox'
import { WholeListParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import {
  ApiName,
  ExternalIds,
  ExternalIdsInput,
  Nullable,
  Ref,
  StringEnum,
  Text,
  Timestamp,
  Uuid,
} from '../../http/schemas.ts'
import { parentApiName, RECURRENCE_TYPES, RecurrenceType } from '../products/schema.ts'

// A product parent (§3.6): the master product whose variants Qwoty's API calls products. Beyond the docs,
// it declares options (Seniority: Junior, Senior) and has a variant for every combination of their values.

const Named = {
  id: Uuid(),
  name: Type.String(),
  api_name: Type.String(),
}

export const ProductParent = Type.Object(
  {
    id: Uuid('UUID'),
    catalog_ids: Type.Array(Uuid(), { description: 'The catalogs it belongs to' }),
    product_ids: Type.Array(Uuid(), {
      description: 'Its variants (products), by position; the first is the default',
    }),
    name: Type.String({ examples: ['Premium Widget'] }),
    api_name: Type.String({ examples: ['premium_widget'] }),
    recurrence_type: StringEnum(RECURRENCE_TYPES),
    reference: Nullable(
      Type.String({ description: "Its default variant's reference", examples: ['PROD-001'] }),
    ),
    description: Nullable(Type.String()),
    is_active: Type.Boolean(),
    ...ExternalIds,
    created_at: Timestamp(),
    updated_at: Timestamp(),
    options: Type.Array(Type.Object({ ...Named, values: Type.Array(Type.Object(Named)) }), {
      description: 'Beyond the docs: its options and their values (those in use), in order',
    }),
  },
  { title: 'ProductParent' },
)
export type ProductParent = Type.Static<typeof ProductParent>

const optionApiName = (description: string) => Type.Optional(ApiName(description, 'seniority'))

export const MAX_VARIANTS = 500

export const OptionsInput = Type.Array(
  Type.Object(
    {
      name: Text(255, 'Option name', { examples: ['Seniority'] }),
      api_name: optionApiName('Unique within the parent; generated from the name when omitted'),
      values: Type.Array(
        Type.Object(
          {
            name: Text(255, 'Value name', { examples: ['Senior'] }),
            api_name: optionApiName('Unique within the option; generated from the name when omitted'),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 100 },
      ),
    },
    { additionalProperties: false },
  ),
  {
    maxItems: 5,
    description:
      'Beyond the docs: the options of its variants, replacing those declared before (matched by api_name). ' +
      `A variant is generated for every combination of values (at most ${MAX_VARIANTS}), named after the ` +
      'parent and its values; a value no longer declared deactivates its variants (never deletes them), ' +
      'declaring it again reactivates them.',
  },
)
export type OptionsInput = Type.Static<typeof OptionsInput>

const description = Nullable(Type.String({ maxLength: 10000 }))
const catalogIds = (description: string) =>
  Type.Array(Ref('A catalog of the workspace'), { maxItems: 100, uniqueItems: true, description })

export const ProductParentCreate = Type.Object(
  {
    api_name: parentApiName('Unique among the live product parents of the workspace; snake_case'),
    recurrence_type: RecurrenceType,
    name: Text(255, 'Name; its default variant takes it too', { examples: ['Premium Widget'] }),
    reference: Type.Optional(
      Nullable(Type.String({ maxLength: 255, description: 'Stored on its default variant' })),
    ),
    description: Type.Optional(description),
    is_active: Type.Optional(Type.Boolean({ description: 'true by default' })),
    ...ExternalIdsInput,
    catalog_ids: Type.Optional(
      catalogIds("Beyond the docs; the workspace's `standard` catalog when omitted, if there is one"),
    ),
    options: Type.Optional(OptionsInput),
  },
  { additionalProperties: false },
)
export type ProductParentCreate = Type.Static<typeof ProductParentCreate>

export const PARENT_READ_ONLY = ['id', 'product_ids', 'created_at', 'updated_at'] as const

export const ProductParentPatch = Type.Object(
  {
    recurrence_type: Type.Optional(RecurrenceType),
    name: Type.Optional(Text(255, 'Name; its api_name stays, as integrators key on it')),
    api_name: Type.Optional(parentApiName('Beyond the docs: a new api_name, unique among the live parents')),
    description: Type.Optional(description),
    is_active: Type.Optional(Type.Boolean()),
    ...ExternalIdsInput,
    catalog_ids: Type.Optional(catalogIds('Beyond the docs: replaces its catalogs')),
    options: Type.Optional(OptionsInput),
    reference: Type.Optional(
      Type.Unknown({
        description:
          'Refused (400): reference belongs to the default variant (PATCH /api/products/{id}), as Qwoty documents',
      }),
    ),
    ...ReadOnly(...PARENT_READ_ONLY),
  },
  { additionalProperties: false },
)
export type ProductParentPatch = Omit<
  Type.Static<typeof ProductParentPatch>,
  (typeof PARENT_READ_ONLY)[number]
>

export const ProductParentListQuery = Type.Object(
  {
    catalog_id: Type.Optional(Ref('Only the parents in this catalog')),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active (true) or inactive (false) ones' }),
    ),
    api_name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Only the one with this api_name' }),
    ),
    ...WholeListParams,
  },
  { additionalProperties: false },
)
export type ProductParentListQuery = Type.Static<typeof ProductParentListQuery>
