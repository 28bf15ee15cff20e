import Type from 'typebox'
import { API_NAME_MAX } from '../../domain/api-names.ts'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const Currency = Type.Object(
  {
    id: Uuid('UUID'),
    code: Type.String({ description: 'ISO 4217 code, upper case', examples: ['EUR'] }),
    api_name: Type.String({
      description: 'Unique (per workspace) key of the currency: its code unless chosen otherwise',
      examples: ['EUR'],
    }),
    name: Type.String({ description: 'Currency name; ISO 4217 English name by default', examples: ['Euro'] }),
    minor_units: Type.Integer({
      description:
        'Decimals of the minor unit, from ISO 4217 (EUR 2, JPY 0, TND 3): where amounts are rounded',
      examples: [2],
    }),
    is_active: Type.Boolean({ description: 'Whether the currency can be used for new pricebooks and taxes' }),
    is_default: Type.Boolean({
      description: 'Whether it is the default currency: exactly one per workspace',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Currency' },
)
export type Currency = Type.Static<typeof Currency>

// Unlike other api_names, a currency's defaults to its code, upper case: letters of either case are allowed.
const apiName = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: API_NAME_MAX,
    pattern: '^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$',
    'x-format-hint':
      'must be letters and digits in words joined by single underscores, such as EUR or eur_invoicing',
    description,
    examples: ['EUR'],
  })
const name = (description: string) => Text(255, description, { examples: ['Euro'] })

export const CurrencyCreate = Type.Object(
  {
    code: Type.String({
      pattern: '^[A-Za-z]{3}$',
      'x-format-hint': 'must be a three-letter ISO 4217 currency code, such as EUR',
      description:
        'ISO 4217 code of a currency (any case; stored upper case). Codes that are not money (XXX, XTS, ' +
        'the bond-market units) are refused. Each code is enabled once per workspace',
      examples: ['USD'],
    }),
    api_name: Type.Optional(
      apiName('Unique key in the workspace; the code when omitted (409 naming the currency that holds it)'),
    ),
    name: Type.Optional(name('Currency name, stored trimmed; the ISO 4217 English name when omitted')),
    is_active: Type.Optional(Type.Boolean({ description: 'true when omitted' })),
    is_default: Type.Optional(
      Type.Boolean({
        description:
          'true makes it the default currency, and the one that was no longer is; false when omitted',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CurrencyCreate = Type.Static<typeof CurrencyCreate>

/** What a PATCH may send back unchanged from a GET. */
export const CURRENCY_READ_ONLY = ['id', 'code', 'minor_units', 'created_at', 'updated_at'] as const

export const CurrencyPatch = Type.Object(
  {
    api_name: Type.Optional(apiName('A new unique key; cannot be null')),
    name: Type.Optional(name('Currency name, stored trimmed; cannot be null')),
    is_active: Type.Optional(
      Type.Boolean({
        description: 'false hides it from new uses; the default currency cannot be deactivated',
      }),
    ),
    is_default: Type.Optional(
      Type.Boolean({
        description:
          'true makes it the default (the previous default stops being it, in the same write); false is ' +
          'refused on the default: make another currency the default instead',
      }),
    ),
    ...ReadOnly(...CURRENCY_READ_ONLY),
  },
  { additionalProperties: false },
)
export type CurrencyPatch = Omit<Type.Static<typeof CurrencyPatch>, (typeof CURRENCY_READ_ONLY)[number]>

export const CurrencyListQuery = Type.Object(
  {
    ...PageParams,
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active currencies (true) or the inactive ones (false)' }),
    ),
  },
  { additionalProperties: false },
)
export type CurrencyListQuery = Type.Static<typeof CurrencyListQuery>
