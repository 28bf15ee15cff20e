import Type from 'typebox'
import { BILLING_UNITS, MAX_PERIOD } from '../../domain/billing-frequencies.ts'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const BillingFrequency = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Billing frequency name', examples: ['Quarterly'] }),
    period: Type.Integer({ description: 'How many units between two bills', examples: [3] }),
    unit: StringEnum(BILLING_UNITS, { description: 'The unit of the period', examples: ['month'] }),
    is_active: Type.Boolean({
      description: 'Whether recurring products get prices for it; inactive, their prices are deactivated',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'BillingFrequency' },
)
export type BillingFrequency = Type.Static<typeof BillingFrequency>

export const BillingFrequencyCreate = Type.Object(
  {
    period: Type.Integer({
      minimum: 1,
      maximum: MAX_PERIOD,
      description: `How many units between two bills, 1 to ${MAX_PERIOD}`,
      examples: [3],
    }),
    unit: StringEnum(BILLING_UNITS, {
      description: 'The unit of the period',
      examples: ['month'],
      'x-required-hint': '(day | week | month | year)',
    }),
    name: Type.Optional(
      Text(
        255,
        'Name, stored trimmed. When omitted, made from the period: Monthly, Quarterly, Yearly, Weekly, ' +
          'Daily, otherwise "Every 2 weeks"',
        { examples: ['Quarterly'] },
      ),
    ),
    is_active: Type.Optional(Type.Boolean({ description: 'true when omitted' })),
  },
  { additionalProperties: false },
)
export type BillingFrequencyCreate = Type.Static<typeof BillingFrequencyCreate>

/** What a PATCH may send back unchanged from a GET: the period and unit are the prices' own. */
export const BILLING_FREQUENCY_READ_ONLY = ['id', 'period', 'unit', 'created_at', 'updated_at'] as const

export const BillingFrequencyPatch = Type.Object(
  {
    name: Type.Optional(Text(255, 'Name, stored trimmed; cannot be null')),
    is_active: Type.Optional(
      Type.Boolean({
        description:
          'false deactivates the prices of recurring products for it; true makes (or reactivates) them',
      }),
    ),
    ...ReadOnly(...BILLING_FREQUENCY_READ_ONLY),
  },
  { additionalProperties: false },
)
export type BillingFrequencyPatch = Omit<
  Type.Static<typeof BillingFrequencyPatch>,
  (typeof BILLING_FREQUENCY_READ_ONLY)[number]
>

export const BillingFrequencyListQuery = Type.Object(
  {
    ...PageParams,
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active frequencies (true) or the inactive ones (false)' }),
    ),
  },
  { additionalProperties: false },
)
export type BillingFrequencyListQuery = Type.Static<typeof BillingFrequencyListQuery>
