import Type from 'typebox'
import { NUMBER_RESETS, PATTERN_MAX } from '../../domain/quote-numbers.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { StringEnum, Text, Uuid } from '../../http/schemas.ts'

const PATTERN =
  'Static text and variables, evaluated when the record is created: {0000} the counter (its zeros the ' +
  'padding; a larger counter just grows), {0000+30} the counter plus an offset (first number 0031), ' +
  `{YYYY}, {YY}, {MM}, {DD} the creation date in UTC. Exactly one counter, no spaces, at most ${PATTERN_MAX} ` +
  'characters. A number already held is skipped'
const RESET =
  'When quote numbers restart at quote_number_reset_start: never, or each day, month or year (UTC). A pattern ' +
  'that resets must show its period ({YYYY} or {YY}, then {MM}, then {DD})'
const RESET_START =
  'The counter of the first quote number of each period when quote_number_reset is not never (offsets come ' +
  'on top); with never, numbers start at 1'
const VALIDITY = 'Days from issue to expiration of a new quote, 1 to 3650'
const TAX_ID_VALIDATION =
  'lenient: invalid tax ids of customers are stored, with a warning; strict: they are refused (400)'
const COUNTRY = 'ISO 3166-1 alpha-2 country of national phone numbers (FR: 01 23 45 67 89 is +33123456789)'

export const Settings = Type.Object(
  {
    id: Uuid("The workspace's id"),
    name: Type.String({ description: "The workspace's name", examples: ['Acme'] }),
    quote_number_pattern: Type.String({ description: PATTERN, examples: ['Q-{YYYY}-{0000}'] }),
    quote_number_reset: StringEnum(NUMBER_RESETS, { description: RESET, examples: ['never'] }),
    quote_number_reset_start: Type.Integer({ description: RESET_START, examples: [1] }),
    quote_validity_days: Type.Integer({ description: VALIDITY, examples: [30] }),
    order_number_pattern: Type.String({
      description: `The pattern of order numbers, which never reset. ${PATTERN}`,
      examples: ['ORD-{YYYY}-{0000}'],
    }),
    tax_id_validation: StringEnum(['strict', 'lenient'] as const, {
      description: TAX_ID_VALIDATION,
      examples: ['lenient'],
    }),
    default_country: Type.String({ description: `${COUNTRY}, upper case`, examples: ['FR'] }),
    next_quote_number: Type.String({
      description:
        'Read-only: the number a quote created now would get, taken by no one (the ETag does not follow ' +
        'it: it moves with every quote created, the settings do not)',
      examples: ['Q-2026-0001'],
    }),
  },
  { title: 'WorkspaceSettings' },
)
export type Settings = Type.Static<typeof Settings>

/** What a PATCH may send back unchanged from a GET. */
export const SETTINGS_READ_ONLY = ['id'] as const

export const SettingsPatch = Type.Object(
  {
    name: Type.Optional(Text(255, "The workspace's name; stored trimmed", { examples: ['Acme'] })),
    quote_number_pattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: PATTERN_MAX,
        description: PATTERN,
        examples: ['Q-{YYYY}-{0000}'],
      }),
    ),
    quote_number_reset: Type.Optional(StringEnum(NUMBER_RESETS, { description: RESET })),
    quote_number_reset_start: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: RESET_START, examples: [1] }),
    ),
    quote_validity_days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3650, description: VALIDITY, examples: [30] }),
    ),
    order_number_pattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: PATTERN_MAX,
        description: `The pattern of order numbers, which never reset. ${PATTERN}`,
        examples: ['ORD-{YYYY}-{0000}'],
      }),
    ),
    tax_id_validation: Type.Optional(
      StringEnum(['strict', 'lenient'] as const, { description: TAX_ID_VALIDATION }),
    ),
    default_country: Type.Optional(
      Type.String({
        format: 'country',
        description: `${COUNTRY}, in any case; stored upper case`,
        examples: ['FR'],
      }),
    ),
    next_quote_number: Type.Optional(
      Type.Unknown({
        description:
          'Read-only, and accepted and ignored whatever it holds: it moves with every quote created',
      }),
    ),
    ...ReadOnly(...SETTINGS_READ_ONLY),
  },
  { additionalProperties: false },
)
export type SettingsPatch = Omit<Type.Static<typeof SettingsPatch>, (typeof SETTINGS_READ_ONLY)[number]>
