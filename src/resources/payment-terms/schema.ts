import Type from 'typebox'
import { PERCENTAGE_DECIMALS, TERMS } from '../../domain/installments.ts'
import { WholeListParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import {
  ApiName,
  ExternalIds,
  ExternalIdsInput,
  Nullable,
  StringEnum,
  Text,
  Timestamp,
  Uuid,
} from '../../http/schemas.ts'

const TERM_DESCRIPTION =
  'When it is due: due_now (at quote acceptance), due_on_receipt (when the customer receives the invoice), ' +
  'netN (N days after the invoice date), eomN (N days after the end of the invoice month), po_received ' +
  '(when the purchase order is received) or custom (as custom_text says)'

export const Installment = Type.Object(
  {
    id: Uuid('UUID'),
    name: Nullable(Type.String({ description: 'Installment name', examples: ['Full Payment'] })),
    percentage: Type.Number({ description: 'Share of the total, in percent', examples: [100] }),
    term: StringEnum(TERMS, { description: TERM_DESCRIPTION, examples: ['net30'] }),
    custom_text: Nullable(Type.String({ description: 'The wording of a custom term; null otherwise' })),
    order_number: Type.Integer({ description: 'Rank of the installment; installments are listed by it' }),
  },
  { title: 'PaymentTermInstallment' },
)

export const PaymentTerm = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Payment term name', examples: ['Net 30 Days'] }),
    api_name: Type.String({
      description: 'Unique (per workspace) snake_case slug',
      examples: ['net_30_days'],
    }),
    reference: Nullable(Type.String({ description: 'Internal reference', examples: ['PT001'] })),
    is_active: Type.Boolean({
      description: 'Active terms can be used; inactive ones are hidden from new uses',
    }),
    ...ExternalIds,
    installments: Type.Array(Installment, {
      description: 'What is due when, by order_number; the percentages add up to exactly 100',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'PaymentTerm' },
)
export type PaymentTerm = Type.Static<typeof PaymentTerm>

const installmentFields = {
  name: Type.Optional(
    Nullable(Type.String({ maxLength: 100, description: 'Installment name, such as Deposit' })),
  ),
  percentage: Type.Number({
    exclusiveMinimum: 0,
    maximum: 100,
    description:
      `Share of the total, in percent: more than 0, at most 100, at most ${PERCENTAGE_DECIMALS} decimals. The ` +
      'percentages of all installments add up to exactly 100, computed in decimal (33.33 + 33.33 + 33.34 is 100)',
    examples: [100],
  }),
  term: StringEnum(TERMS, { description: TERM_DESCRIPTION, examples: ['net30'] }),
  custom_text: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 500,
        description:
          'The wording of the term: required with term custom, refused with any other (null is fine)',
      }),
    ),
  ),
  order_number: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Rank of the installment, unique within the term; its position (1, 2, …) when omitted',
    }),
  ),
}

const InstallmentCreate = Type.Object(installmentFields, { additionalProperties: false })
const InstallmentReplace = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'Beyond Qwoty: the id of one of the installments being replaced, as a GET gave it, keeps that id; ' +
          'without it the installment gets a new id',
      }),
    ),
    ...installmentFields,
  },
  { additionalProperties: false },
)

const Name = Text(50, 'Payment term name, at most 50 characters', { examples: ['Net 30 Days'] })
const apiName = ApiName('Unique (per workspace) snake_case slug', 'net_30_days')
const Reference = Nullable(
  Type.String({ maxLength: 50, description: 'Internal reference, at most 50 characters; blank stores null' }),
)

export const PaymentTermCreate = Type.Object(
  {
    name: Name,
    api_name: apiName,
    reference: Type.Optional(Reference),
    is_active: Type.Optional(Type.Boolean({ default: true, description: 'true when omitted' })),
    ...ExternalIdsInput,
    installments: Type.Optional(
      Type.Array(InstallmentCreate, {
        maxItems: 100,
        description:
          'Their percentages add up to exactly 100. When omitted, the term has one installment of 100 at ' +
          'due_on_receipt, named "Full Payment"',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PaymentTermCreate = Type.Static<typeof PaymentTermCreate>

/** What a PUT may send back unchanged from a GET. */
export const PAYMENT_TERM_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const PaymentTermUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    api_name: Type.Optional(apiName),
    reference: Type.Optional(Reference),
    is_active: Type.Optional(Type.Boolean({ description: 'false hides the term from new uses' })),
    ...ExternalIdsInput,
    installments: Type.Optional(
      Type.Array(InstallmentReplace, {
        maxItems: 100,
        description: 'Replaces every installment; their percentages add up to exactly 100',
      }),
    ),
    ...ReadOnly(...PAYMENT_TERM_READ_ONLY),
  },
  { additionalProperties: false },
)
export type PaymentTermUpdate = Omit<
  Type.Static<typeof PaymentTermUpdate>,
  (typeof PAYMENT_TERM_READ_ONLY)[number]
>

export const PaymentTermListQuery = Type.Object(
  {
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active terms (true) or the inactive ones (false)' }),
    ),
    ...WholeListParams,
  },
  { additionalProperties: false },
)
export type PaymentTermListQuery = Type.Static<typeof PaymentTermListQuery>
