import Type from 'typebox'
import { AMOUNT_DECIMALS, RATE_DECIMALS, TAX_METHODS, TAX_TYPES } from '../../domain/taxes.ts'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { ApiName, Nullable, Ref, StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'

const TYPE =
  'vat (value-added tax: method percentage only), gst (goods and services tax), sales_tax or custom'
const METHOD =
  'percentage: `rate` percent of the amount; amount: a fixed `amount` in the currency `currency_id`'

export const Tax = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Tax name', examples: ['VAT 20%'] }),
    api_name: Type.String({
      description: 'Unique (per workspace) snake_case key of the tax',
      examples: ['vat_20'],
    }),
    type: StringEnum(TAX_TYPES, { description: TYPE, examples: ['vat'] }),
    country: Type.String({ description: 'ISO 3166-1 alpha-2 country code, upper case', examples: ['FR'] }),
    region: Nullable(
      Type.String({
        description: 'State or province (US and CA only), or ALL; null otherwise',
        examples: ['NY'],
      }),
    ),
    method: StringEnum(TAX_METHODS, { description: METHOD, examples: ['percentage'] }),
    rate: Nullable(
      Type.Number({ description: 'Percent, with method percentage; null otherwise', examples: [20] }),
    ),
    currency_id: Nullable(Uuid('The currency of the amount, with method amount; null otherwise')),
    amount: Nullable(
      Type.Number({ description: 'Fixed amount, with method amount; null otherwise', examples: [0.5] }),
    ),
    is_active: Type.Boolean({ description: 'Whether the tax can be used' }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Tax' },
)
export type Tax = Type.Static<typeof Tax>

const fields = {
  name: Text(255, 'Tax name; stored trimmed', { examples: ['VAT 20%'] }),
  type: StringEnum(TAX_TYPES, { description: TYPE, 'x-required-hint': '(vat | gst | sales_tax | custom)' }),
  country: Type.String({
    format: 'country',
    description: 'ISO 3166-1 alpha-2 country code, in any case; stored upper case',
    examples: ['FR'],
  }),
  region: Nullable(
    Type.String({
      pattern: '^[A-Za-z0-9]{1,3}$',
      'x-format-hint': 'must be a state or province code of 1 to 3 letters or digits, such as NY, or ALL',
      description:
        'Only with country US or CA: the state or province code (NY, QC), or ALL; stored upper case. A ' +
        'tax of any other country has none (400)',
      examples: ['NY'],
    }),
  ),
  method: StringEnum(TAX_METHODS, { description: METHOD, 'x-required-hint': '(percentage | amount)' }),
  rate: Nullable(
    Type.Number({
      minimum: 0,
      maximum: 100,
      description: `Percent, 0 to 100, at most ${RATE_DECIMALS} decimals: required with method percentage, refused with amount`,
      examples: [20],
    }),
  ),
  currency_id: Nullable(
    Ref('A currency of the workspace: required with method amount, refused with percentage'),
  ),
  amount: Nullable(
    Type.Number({
      minimum: 0,
      maximum: 1_000_000_000_000,
      description: `Fixed amount, at least 0, at most ${AMOUNT_DECIMALS} decimals: required with method amount, refused with percentage`,
      examples: [0.5],
    }),
  ),
  is_active: Type.Boolean({ description: 'Whether the tax can be used; true when omitted' }),
}

const apiName = (description: string) => ApiName(description, 'vat_20')

export const TaxCreate = Type.Object(
  {
    name: fields.name,
    api_name: Type.Optional(
      apiName(
        'Unique snake_case key in the workspace. When omitted, made from the name (VAT 20% → vat_20, then ' +
          'vat_20_2 … while taken)',
      ),
    ),
    type: fields.type,
    country: fields.country,
    region: Type.Optional(fields.region),
    method: fields.method,
    rate: Type.Optional(fields.rate),
    currency_id: Type.Optional(fields.currency_id),
    amount: Type.Optional(fields.amount),
    is_active: Type.Optional(fields.is_active),
  },
  { additionalProperties: false },
)
export type TaxCreate = Type.Static<typeof TaxCreate>

/** What a PATCH may send back unchanged from a GET. */
export const TAX_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const TaxPatch = Type.Object(
  {
    name: Type.Optional(fields.name),
    api_name: Type.Optional(apiName('A new unique snake_case key; cannot be null')),
    type: Type.Optional(fields.type),
    country: Type.Optional(fields.country),
    region: Type.Optional(fields.region),
    method: Type.Optional(fields.method),
    rate: Type.Optional(fields.rate),
    currency_id: Type.Optional(fields.currency_id),
    amount: Type.Optional(fields.amount),
    is_active: Type.Optional(fields.is_active),
    ...ReadOnly(...TAX_READ_ONLY),
  },
  { additionalProperties: false },
)
export type TaxPatch = Omit<Type.Static<typeof TaxPatch>, (typeof TAX_READ_ONLY)[number]>

export const TaxListQuery = Type.Object(
  {
    ...PageParams,
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active taxes (true) or the inactive ones (false)' }),
    ),
    type: Type.Optional(StringEnum(TAX_TYPES, { description: 'Only the taxes of this type' })),
    country: Type.Optional(
      Type.String({
        format: 'country',
        description: 'Only the taxes of this country (ISO alpha-2, any case)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type TaxListQuery = Type.Static<typeof TaxListQuery>
