import Type from 'typebox'
import { ROUNDINGS, type Rounding } from '../../domain/pricebook-rules.ts'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { ApiName, Nullable, Ref, StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const PRICEBOOK_STATUSES = ['active', 'inactive'] as const
export const PRICEBOOK_TYPES = ['fixed', 'dynamic'] as const

/** At most this many segments per pricebook. */
export const MAX_SEGMENTS = 100

const ROUNDING_DESCRIPTION =
  "How a dynamic pricebook rounds the adjusted price: 'minor_unit' (to the currency's cents), 'step' (to " +
  "the nearest multiple of rounding_value, such as 0.05 or 5) or 'ending' (to the nearest amount ending in " +
  'rounding_value, such as .99); null for a fixed pricebook'

const nullableRounding = (description: string) =>
  Type.Unsafe<Rounding | null>({ type: ['string', 'null'], enum: [...ROUNDINGS, null], description })

export const Pricebook = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Pricebook name', examples: ['Partners'] }),
    api_name: Type.String({
      description: 'Unique (per workspace) snake_case key of the pricebook',
      examples: ['partners'],
    }),
    reference: Nullable(Type.String({ description: 'Internal reference', examples: ['PB-002'] })),
    description: Nullable(Type.String({ description: 'What the pricebook is for' })),
    status: StringEnum(PRICEBOOK_STATUSES, { description: 'active or inactive' }),
    type: StringEnum(PRICEBOOK_TYPES, {
      description:
        'fixed: prices entered on one catalog, in one currency; dynamic: prices computed from a base ' +
        'pricebook by a rule (adjustment_percent, then rounding)',
    }),
    catalog_id: Nullable(Uuid("A fixed pricebook's catalog; null for a dynamic one, which uses its base's")),
    currency_id: Uuid("The pricebook's currency; a dynamic pricebook's is its base's"),
    currency_code: Type.String({ description: 'ISO 4217 code of the currency', examples: ['EUR'] }),
    base_pricebook_id: Nullable(Uuid('The fixed pricebook a dynamic one follows; null for a fixed one')),
    adjustment_percent: Nullable(
      Type.Number({
        description: 'How far a dynamic pricebook moves its base prices, in percent: -10 is 10% off',
        examples: [-10],
      }),
    ),
    rounding: nullableRounding(ROUNDING_DESCRIPTION),
    rounding_value: Nullable(
      Type.Number({ description: "The step or the ending of the rounding; null for 'minor_unit'" }),
    ),
    segment_ids: Type.Array(Uuid(), {
      description: 'The customer segments the pricebook is for, in the order given; [] for everyone',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Pricebook' },
)
export type Pricebook = Type.Static<typeof Pricebook>

const apiName = (description: string) => ApiName(description, 'partners')
const reference = Nullable(
  Type.String({ maxLength: 100, description: 'Internal reference; stored trimmed, blank stores null' }),
)
const description = Nullable(Type.String({ maxLength: 2000, description: 'What the pricebook is for' }))
const status = StringEnum(PRICEBOOK_STATUSES, { description: 'active (when omitted) or inactive' })
const segmentIds = (description: string) =>
  Type.Array(Ref('A segment of the workspace'), { maxItems: MAX_SEGMENTS, description })
const catalogId = (description: string) => Nullable(Ref(description))
const adjustmentPercent = Nullable(
  Type.Number({
    exclusiveMinimum: -100,
    maximum: 1000,
    description:
      'Dynamic pricebooks only: the base price moved by this percentage, above -100 and at most 1000, at ' +
      'most 4 decimals (-10 for 10% off, 5 for 5% more)',
    examples: [-10],
  }),
)
const roundingValue = Nullable(
  Type.Number({
    minimum: 0,
    maximum: 1_000_000,
    description:
      "Dynamic pricebooks only: with rounding 'step' the step (above 0, such as 0.05 or 5), with 'ending' " +
      "the ending (from 0 to below 1, such as 0.99); none with 'minor_unit'",
    examples: [0.99],
  }),
)

export const PricebookCreate = Type.Object(
  {
    name: Text(255, 'Pricebook name; stored trimmed', { examples: ['Partners'] }),
    api_name: Type.Optional(
      apiName(
        'Unique snake_case key in the workspace. When omitted, made from the name (Partners → partners, ' +
          'then partners_2 … while taken)',
      ),
    ),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
    status: Type.Optional(status),
    type: Type.Optional(StringEnum(PRICEBOOK_TYPES, { description: 'fixed (when omitted) or dynamic' })),
    catalog_id: Type.Optional(
      catalogId('Fixed pricebooks: required, a catalog of the workspace. Dynamic ones: none'),
    ),
    currency_id: Type.Optional(
      Nullable(
        Ref(
          'Fixed pricebooks: an active currency of the workspace, its default currency when omitted. ' +
            "Dynamic ones: the base's currency, which they take when it is omitted",
        ),
      ),
    ),
    base_pricebook_id: Type.Optional(
      Nullable(Ref('Dynamic pricebooks: required, a fixed pricebook of the workspace. Fixed ones: none')),
    ),
    adjustment_percent: Type.Optional(adjustmentPercent),
    rounding: Type.Optional(
      nullableRounding(`Dynamic pricebooks only, 'minor_unit' when omitted. ${ROUNDING_DESCRIPTION}`),
    ),
    rounding_value: Type.Optional(roundingValue),
    segment_ids: Type.Optional(
      segmentIds('The segments it is for; duplicates count once; none when omitted'),
    ),
  },
  { additionalProperties: false },
)
export type PricebookCreate = Type.Static<typeof PricebookCreate>

/** What a PATCH may send back unchanged from a GET. */
export const PRICEBOOK_READ_ONLY = ['id', 'currency_code', 'created_at', 'updated_at'] as const

/** Fields set once, at creation: sent back unchanged they pass, changed they are a 400. */
export const PRICEBOOK_FIXED_AT_CREATION = ['type', 'currency_id', 'base_pricebook_id'] as const

const setAtCreation = (what: string) =>
  Type.Optional(
    Type.Unknown({
      description: `${what} cannot change (create another pricebook): accepted when equal to the stored value`,
    }),
  )

export const PricebookPatch = Type.Object(
  {
    name: Type.Optional(
      Text(255, 'Pricebook name; stored trimmed; cannot be null. A new name leaves api_name as it is'),
    ),
    api_name: Type.Optional(apiName('A new unique snake_case key; cannot be null')),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
    status: Type.Optional(status),
    catalog_id: Type.Optional(
      catalogId('Fixed pricebooks only: another catalog of the workspace; its prices follow'),
    ),
    adjustment_percent: Type.Optional(adjustmentPercent),
    rounding: Type.Optional(nullableRounding(`Dynamic pricebooks only; null is 'minor_unit'`)),
    rounding_value: Type.Optional(roundingValue),
    segment_ids: Type.Optional(segmentIds('Replaces its segments; duplicates count once')),
    type: setAtCreation('The type'),
    currency_id: setAtCreation('The currency'),
    base_pricebook_id: setAtCreation('The base pricebook'),
    ...ReadOnly(...PRICEBOOK_READ_ONLY),
  },
  { additionalProperties: false },
)
export type PricebookPatch = Omit<Type.Static<typeof PricebookPatch>, (typeof PRICEBOOK_READ_ONLY)[number]>

export const PricebookListQuery = Type.Object(
  {
    ...PageParams,
    status: Type.Optional(
      StringEnum(PRICEBOOK_STATUSES, { description: 'Only the active or inactive ones' }),
    ),
    type: Type.Optional(StringEnum(PRICEBOOK_TYPES, { description: 'Only the fixed or dynamic ones' })),
    catalog_id: Type.Optional(Ref('Only the fixed pricebooks of this catalog')),
    currency_id: Type.Optional(Ref('Only the pricebooks in this currency')),
    segment_id: Type.Optional(Ref('Only the pricebooks for this segment')),
  },
  { additionalProperties: false },
)
export type PricebookListQuery = Type.Static<typeof PricebookListQuery>
