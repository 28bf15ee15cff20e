import Type from 'typebox'
import { TERMS } from '../../domain/installments.ts'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Nullable, Ref, StringEnum, Timestamp, Uuid } from '../../http/schemas.ts'

// The quote as Qwoty's GET /api/quote/{id} shows it (shared/reference/qwoty-get-quote-example.json): the
// documented keys in the documented order, then Quoin's own after them, in every object. The response
// serialiser writes keys in schema order, so this order is the wire's.

export const QUOTE_STATUSES = [
  'draft',
  'pending_approval',
  'changes_requested',
  'approved',
  'sent',
  'pending_signature',
  'accepted',
  'lost',
  'expired',
  'canceled',
] as const
export type QuoteStatus = (typeof QUOTE_STATUSES)[number]

export const DISCOUNT_TYPES = ['percent', 'amount'] as const
export const INTERVALS = ['day', 'week', 'month', 'year'] as const

/** ISO 8601 UTC with milliseconds, as Qwoty's example shows the issue date (other instants have seconds). */
const IssueDate = Type.String({
  pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$',
  description: 'When it was created: ISO 8601 UTC with milliseconds',
  examples: ['2026-03-10T09:15:00.000Z'],
})

const Money = (description: string) => Type.Number({ description, examples: [150] })
const Str = (description: string, example?: string) =>
  Type.String({ description, ...(example ? { examples: [example] } : {}) })
const NStr = (description: string, example?: string) => Nullable(Str(description, example))

const External = Type.Object(
  {
    crm: NStr('External CRM ID'),
    erp: NStr('External ERP ID'),
    accounting: NStr('External accounting ID'),
  },
  { description: 'Ids of the record in other systems' },
)

export const Discount = Type.Object(
  {
    type: StringEnum(DISCOUNT_TYPES, { description: 'percent: value percent off; amount: value off' }),
    value: Type.Number({ description: 'The percentage (0 to 100) or the amount', examples: [10] }),
  },
  { description: 'A discount: a percentage or an amount off' },
)

const Owner = Type.Object(
  {
    id: Uuid('The user'),
    first_name: Str('First name', 'Paul'),
    last_name: Str('Last name', 'Martin'),
    email: Str('Email', 'paul@acme.com'),
    external_ids: External,
  },
  { description: 'The quote owner, as copied when set' },
)

const Address = Type.Object({
  line1: NStr('First address line', '456 Customer Ave'),
  line2: NStr('Second address line'),
  city: NStr('City', 'Lyon'),
  postal_code: NStr('Postal code', '69001'),
  country: NStr('Country name in English', 'France'),
  country_code: NStr('ISO 3166-1 alpha-2 country code', 'FR'),
  state: NStr('State or region (Quoin)'),
})

const BusinessUnitAddress = Type.Object({
  line1: NStr('First address line', '123 Main Street'),
  city: NStr('City', 'Paris'),
  postal_code: NStr('Postal code', '75001'),
  country: NStr('Country name in English', 'France'),
  country_code: NStr('ISO 3166-1 alpha-2 country code', 'FR'),
  line2: NStr('Second address line (Quoin)'),
  state: NStr('State or region (Quoin)'),
})

const CodeValue = Type.Object({
  code: Str('Kind of identifier', 'VAT'),
  value: Str('The identifier', 'FR12345678901'),
})

const BusinessUnit = Type.Object(
  {
    id: Uuid('The business unit'),
    type: StringEnum(['company', 'individual'] as const),
    brand: NStr('Brand', 'Acme'),
    name: Str('Legal name', 'Acme Corporation'),
    logo: Type.Object({ url: NStr('Logo URL'), alt: NStr('Logo text') }),
    tax_ids: Type.Array(CodeValue),
    address: BusinessUnitAddress,
  },
  { description: 'The business unit the quote is issued by, as copied when set' },
)

const CustomProperties = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
  description: 'Custom field values by api_name',
})

const QuoteContact = Type.Object({
  id: Uuid('The contact'),
  first_name: Str('First name', 'John'),
  last_name: Str('Last name', 'Doe'),
  email: Str('Email', 'john.doe@customer.com'),
  role: NStr("The contact's first role", 'buyer'),
})

const QuoteCustomer = Type.Object(
  {
    id: Uuid('The customer'),
    type: StringEnum(['company', 'individual'] as const),
    name: Str('Name', 'Customer Inc.'),
    external_ids: External,
    contacts: Type.Array(QuoteContact),
    billing_address: Nullable(Address),
    shipping_address: Nullable(Address),
    custom_properties: CustomProperties,
    tax_ids: Type.Array(CodeValue, { description: "The customer's tax identifiers (Quoin)" }),
  },
  {
    description: 'The customer, its contacts and addresses, as copied when set: later edits do not change it',
  },
)

const TierPart = Type.Object({
  up_to: Nullable(Type.Number()),
  quantity: Type.Number(),
  unit_amount: Type.Number(),
  flat_amount: Type.Number(),
  amount: Type.Number(),
})

const Pricing = Type.Object({
  model: StringEnum(['per_unit', 'volume', 'graduated', 'percentage', 'cost_plus'] as const, {
    description: 'per_unit for a flat price; else the price model',
  }),
  list_price: Money('The list unit price (for tiered models, the unit price the tiers give)'),
  currency: Str('ISO 4217 code', 'EUR'),
  unit_price: Money('What is charged per unit: the override, else the list price (Quoin)'),
  unit_price_override: Nullable(Money('The unit price set on the line (Quoin)')),
  price_id: Nullable(Uuid('The price row it was priced from (Quoin)')),
  tiers: Type.Array(TierPart, { description: "The engine's breakdown of a tiered line (Quoin)" }),
})

const LineTax = Type.Object({
  id: Uuid('The tax'),
  name: Str('Tax name', 'VAT 20%'),
  method: StringEnum(['percentage', 'amount'] as const),
  rate: Nullable(Type.Number({ description: 'Percent, with method percentage' })),
  amount: Nullable(Type.Number({ description: 'Per unit, with method amount' })),
})

const Recurrence = Type.Object({
  interval: StringEnum(INTERVALS),
  interval_count: Type.Integer(),
  billing_frequency_id: Uuid('The billing frequency'),
})

export const LineItem = Type.Object({
  id: Uuid('The line item'),
  rank: Type.Integer({ description: 'Position in its phase, from 1' }),
  product: Type.Object({
    product_id: Uuid('The product variant'),
    name: Str('Product name as copied', 'Consulting Services'),
    unit_of_measure: NStr('Unit of measure', 'hour'),
  }),
  quantity: Type.Number({ examples: [100] }),
  pricing: Pricing,
  discount: Nullable(Discount),
  tax: Nullable(LineTax),
  recurrence: Nullable(Recurrence),
  list_amount: Money('Quantity at the list or override price'),
  discount_amount: Money('The line discount'),
  subtotal_amount: Money('list_amount − discount_amount'),
  quote_discount_amount: Money("This line's share of the quote discount"),
  net_amount: Money('subtotal_amount − quote_discount_amount'),
  tax_amount: Money('Tax on net_amount'),
  total_amount: Money('net_amount + tax_amount'),
  below_floor: Type.Boolean({ description: "The unit price after discount is under the price's floor" }),
})
export type LineItem = Type.Static<typeof LineItem>

const Phase = Type.Object({
  id: Uuid('The phase'),
  name: Str('Phase name', 'Year 1'),
  rank: Type.Integer(),
  line_items: Type.Array(LineItem),
})

const Section = Type.Object({
  id: Uuid('The section'),
  type: Type.Literal('standard'),
  rank: Type.Integer(),
  name: Str('Section name', 'Professional Services'),
  phases: Type.Array(Phase),
})

const Totals = {
  net_amount: Money('Net of discounts, before tax'),
  tax_amount: Money('Tax'),
  total_amount: Money('Net plus tax'),
}
const Breakdown = {
  list_amount: Money('Before discounts (Quoin)'),
  discount_amount: Money('Line and quote discounts (Quoin)'),
}

const Summary = Type.Object({
  one_off: Type.Object({ ...Totals, ...Breakdown }),
  recurring: Type.Array(
    Type.Object({ interval: StringEnum(INTERVALS), interval_count: Type.Integer(), ...Totals, ...Breakdown }),
    { description: 'By interval: day, week, month, year, then count' },
  ),
})

const ScheduleItem = Type.Object({
  order_number: Type.Integer(),
  name: NStr('Installment name', 'Full Payment'),
  percentage: Type.Number({ examples: [100] }),
  amount: Money('The share of the one-off total due; the last takes the rounding remainder'),
  term: StringEnum(TERMS),
  custom_text: NStr('The wording of a custom term'),
})

export const Quote = Type.Object(
  {
    id: Uuid('UUID'),
    number: Str('Number from the workspace pattern', 'Q-2026-0001'),
    status: StringEnum(QUOTE_STATUSES),
    publish: Type.Boolean({ description: 'Published (sent) at some point' }),
    issue_date: IssueDate,
    owner: Nullable(Owner),
    expiration_date: Nullable(Timestamp('ISO 8601 UTC, second precision')),
    currency: Str('ISO 4217 code of its pricebook', 'EUR'),
    language: Str('Language code', 'en'),
    title: NStr('Title', 'Q4 2024 Services Proposal'),
    opportunity_id: NStr('CRM opportunity id', 'opp_123456'),
    pdf_link: NStr('Always null: Quoin makes no PDF'),
    dealroom_link: NStr('Always null: Quoin has no dealroom'),
    business_unit: Nullable(BusinessUnit),
    customer: QuoteCustomer,
    pricing_table: Type.Object({
      settings: Type.Object({ is_prices_hidden: Type.Boolean() }),
      sections: Type.Array(Section),
    }),
    summary: Summary,
    pricebook_id: Uuid('Its pricebook'),
    payment_term_id: Nullable(Uuid('Its payment term')),
    discount: Nullable(Discount),
    custom_properties: CustomProperties,
    payment_schedule: Type.Array(ScheduleItem, {
      description:
        "The payment term's installments as amounts of the one-off total (recurring lines are billed by their own interval)",
    }),
    external_ids: External,
    created_by: NStr('The user, else the token, that created it'),
    updated_by: NStr('The user, else the token, that last changed it'),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Quote' },
)
export type Quote = Type.Static<typeof Quote>
export type QuoteCustomer = Type.Static<typeof QuoteCustomer>
export type QuoteOwner = Type.Static<typeof Owner>
export type QuoteBusinessUnit = Type.Static<typeof BusinessUnit>
export type QuoteAddress = Type.Static<typeof Address>
export type QuoteSummary = Type.Static<typeof Summary>
export type ScheduleItem = Type.Static<typeof ScheduleItem>

/** One quote of a list: what tells quotes apart, not the whole document. */
export const QuoteListItem = Type.Object(
  {
    id: Uuid('UUID'),
    number: Str('Number', 'Q-2026-0001'),
    status: StringEnum(QUOTE_STATUSES),
    customer: Type.Object({ id: Uuid('The customer'), name: Str('Its name as copied') }),
    owner_id: Nullable(Uuid('The owner')),
    currency: Str('ISO 4217 code', 'EUR'),
    title: NStr('Title'),
    net_amount: Money('Every line, one-off and recurring (one period of each), net of discounts'),
    tax_amount: Money('Tax of every line'),
    total_amount: Money('net_amount + tax_amount'),
    issue_date: IssueDate,
    expiration_date: Nullable(Timestamp()),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'QuoteListItem' },
)
export type QuoteListItem = Type.Static<typeof QuoteListItem>

// ---------------------------------------------------------------------------------------------------------
// Writes.

export const DiscountInput = Type.Object(
  {
    type: StringEnum(DISCOUNT_TYPES, {
      description: 'percent: value percent off; amount: value off the whole',
      'x-required-hint': '(percent | amount)',
    }),
    value: Type.Number({
      minimum: 0,
      maximum: 1_000_000_000_000,
      description: 'A percentage (at most 100, 4 decimals) or an amount (at the minor unit of the currency)',
      examples: [10],
    }),
  },
  { additionalProperties: false },
)
export type DiscountInput = Type.Static<typeof DiscountInput>

/** A line item as a write gives it: what the quote's create body holds, and what the line routes take. */
export const LineItemInput = Type.Object(
  {
    product_id: Ref('The product variant'),
    quantity: Type.Number({
      minimum: 0,
      maximum: 1_000_000_000,
      description: 'At least 0, at most 6 decimals',
      examples: [3],
    }),
    billing_frequency_id: Type.Optional(
      Ref(
        "A recurring variant's billing frequency: the price of the quote's pricebook for it is used. When " +
          'omitted, the shortest interval its active prices have (month 1 before month 3 before year 1)',
      ),
    ),
    price_id: Type.Optional(Ref("The price row of the quote's pricebook to use (of this variant)")),
    unit_price: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 0,
          maximum: 1_000_000_000_000,
          description: 'Overrides the list price: the line is unit_price × quantity (at most 6 decimals)',
        }),
      ),
    ),
    tax_id: Type.Optional(
      Nullable(Ref("A tax of the workspace; null: no tax. When omitted, the price's default tax")),
    ),
    discount: Type.Optional(Nullable(DiscountInput)),
  },
  { additionalProperties: false },
)
export type LineItemInput = Type.Static<typeof LineItemInput>

const name = (description: string, example: string) =>
  Type.String({ minLength: 1, maxLength: 255, pattern: '\\S', description, examples: [example] })

export const PhaseInput = Type.Object(
  {
    name: name('Phase name', 'Year 1'),
    line_items: Type.Optional(Type.Array(LineItemInput, { maxItems: 1000 })),
  },
  { additionalProperties: false },
)

export const SectionInput = Type.Object(
  {
    name: name('Section name', 'Software'),
    type: Type.Optional(StringEnum(['standard'] as const, { description: 'standard (the only type)' })),
    phases: Type.Optional(Type.Array(PhaseInput, { maxItems: 100 })),
  },
  { additionalProperties: false },
)

const Settings = Type.Object(
  { is_prices_hidden: Type.Optional(Type.Boolean({ description: 'Hide unit prices from the customer' })) },
  { additionalProperties: false },
)

const ExternalInput = Type.Object(
  {
    crm: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    erp: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    accounting: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  },
  { additionalProperties: false },
)

const headerFields = {
  contact_ids: Type.Optional(
    Type.Array(Ref('A contact of the customer'), {
      maxItems: 50,
      description: "The customer's contacts on the quote, in order; default: its first contact",
    }),
  ),
  billing_address_id: Type.Optional(
    Nullable(Ref('A billing address of the customer; default: its first one; null: none')),
  ),
  shipping_address_id: Type.Optional(
    Nullable(Ref('A shipping address of the customer; default: its first one; null: none')),
  ),
  owner_id: Type.Optional(
    Nullable(Ref('An active user of the workspace; default: the user the token acts as, else none')),
  ),
  business_unit_id: Type.Optional(Ref("A business unit of the workspace; default: the workspace's default")),
  pricebook_id: Type.Optional(
    Ref(
      "An active pricebook allowed for the customer's segment (a pricebook with segments allows only their " +
        "customers); default: the oldest active one of the customer's segment, else the oldest active one " +
        'without segments',
    ),
  ),
  payment_term_id: Type.Optional(
    Nullable(Ref("An active payment term; default: the workspace's oldest active one")),
  ),
  currency: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z]{3}$',
      'x-format-hint': 'must be an ISO 4217 code such as EUR',
      description: "The pricebook's currency: another one is refused",
    }),
  ),
  language: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$',
      'x-format-hint': 'must be a language code such as en or fr-CA',
      description: 'Language code; en when omitted',
    }),
  ),
  title: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'Title' }))),
  opportunity_id: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'CRM opportunity id' }))),
  // Checked as a date-time by the write, not the schema: a PATCH of another workspace's quote is a 404
  // whatever its body holds.
  expiration_date: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 64,
        description:
          'ISO 8601 date-time after the issue date, kept to the second; default: the issue date plus the ' +
          "workspace's quote_validity_days",
        examples: ['2026-12-31T23:59:59Z'],
      }),
    ),
  ),
  custom_properties: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: "Values of the workspace's custom fields on quotes, by api_name",
    }),
  ),
  discount: Type.Optional(
    Nullable(
      Type.Object(DiscountInput.properties, {
        additionalProperties: false,
        description:
          'Quote discount, after line discounts: a percent comes off every line; an amount is shared over the ' +
          'one-off lines only, in proportion to their subtotals (a quote without one-off lines cannot take one)',
      }),
    ),
  ),
  external_ids: Type.Optional(ExternalInput),
}

export const QuoteCreate = Type.Object(
  {
    customer_id: Ref('The customer (required)'),
    ...headerFields,
    pricing_table: Type.Optional(
      Type.Object(
        {
          settings: Type.Optional(Settings),
          sections: Type.Optional(Type.Array(SectionInput, { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type QuoteCreate = Type.Static<typeof QuoteCreate>

/** What a PATCH may send back unchanged from a GET. */
export const QUOTE_READ_ONLY = [
  'id',
  'number',
  'status',
  'publish',
  'issue_date',
  'owner',
  'pdf_link',
  'dealroom_link',
  'business_unit',
  'customer',
  'summary',
  'payment_schedule',
  'created_by',
  'updated_by',
  'created_at',
  'updated_at',
] as const

export const QuotePatch = Type.Object(
  {
    customer_id: Type.Optional(
      Ref(
        'Another customer: its snapshot, contacts and addresses are copied afresh (defaults as at creation)',
      ),
    ),
    ...headerFields,
    pricing_table: Type.Optional(
      Type.Object(
        {
          settings: Type.Optional(Settings),
          sections: Type.Optional(
            Type.Unknown({
              description:
                'Read-only here (accepted when it equals the stored one): sections, phases and lines have their own routes',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    ...ReadOnly(...QUOTE_READ_ONLY),
  },
  { additionalProperties: false },
)
export type QuotePatch = Omit<Type.Static<typeof QuotePatch>, (typeof QUOTE_READ_ONLY)[number]>

const Instant = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }))

export const QuoteListQuery = Type.Object(
  {
    ...PageParams,
    status: Type.Optional(StringEnum(QUOTE_STATUSES, { description: 'Only the quotes of this status' })),
    customer_id: Type.Optional(Ref('Only the quotes of this customer')),
    owner_id: Type.Optional(Ref('Only the quotes of this owner')),
    number: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Only the quote of this exact number' }),
    ),
    created_since: Instant('Only the quotes created at or after this instant'),
    created_before: Instant('Only the quotes created before this instant'),
    issued_since: Instant('Only the quotes issued at or after this instant'),
    issued_before: Instant('Only the quotes issued before this instant'),
  },
  { additionalProperties: false },
)
export type QuoteListQuery = Type.Static<typeof QuoteListQuery>
