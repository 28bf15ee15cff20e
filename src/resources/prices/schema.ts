import Type from 'typebox'
import { MAX_LIMIT } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Nullable, Ref, StringEnum, Timestamp, Uuid } from '../../http/schemas.ts'
import { bracketKeys, GROUPS, partial } from '../products/schema.ts'

// The price object of Qwoty's docs (§3.8), keys in their order; what Quoin adds comes last.

export const PRICING_MODELS = ['flat', 'volume', 'graduated', 'percentage', 'cost_plus'] as const
export type PricingModel = (typeof PRICING_MODELS)[number]
export const ENGAGEMENT_TYPES = ['indefinite', 'fixed'] as const

/** One of `values` or null (an enum that lists null, as validators and the OpenAPI document need). */
const NullableEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number] | null>({ type: ['string', 'null'], enum: [...values, null], ...options })

const money = (description: string, examples?: number[]) =>
  Nullable(Type.Number({ description, ...(examples ? { examples } : {}) }))

export const TierOut = Type.Object({
  up_to: Nullable(Type.Number({ description: 'The last unit of the tier; null for the last tier' })),
  unit_amount: Nullable(Type.Number({ description: 'Price of each unit in the tier' })),
  flat_amount: Nullable(Type.Number({ description: 'Fixed amount added once when the tier is reached' })),
})

export const Price = Type.Object(
  {
    id: Uuid('UUID'),
    product_variant_id: Uuid('The product (variant) priced'),
    product_variant_name: Type.String({ examples: ['Premium Widget'] }),
    product_id: Uuid('Its product parent'),
    pricebook_id: Uuid('The pricebook'),
    pricebook_name: Type.String({ examples: ['Standard Pricebook'] }),
    pricebook_type: StringEnum(['fixed', 'dynamic'] as const),
    currency_id: Uuid("The pricebook's currency"),
    currency_name: Type.String({ examples: ['Euro'] }),
    currency_api_name: Type.String({ examples: ['EUR'] }),
    pricing_model: NullableEnum(PRICING_MODELS, { description: 'null until the price is filled in' }),
    amount: money('Unit price (flat)', [99.99]),
    volume_tiers: Nullable(Type.Array(TierOut, { description: 'The tiers of a volume price' })),
    is_volume_grid_displayed: Type.Boolean(),
    graduated_tiers: Nullable(Type.Array(TierOut, { description: 'The tiers of a graduated price' })),
    is_graduated_grid_displayed: Type.Boolean(),
    percent: money('Percentage of the other lines (percentage model)'),
    price_percentage_type: Nullable(
      Type.String({ description: '`all` (of every other line) or `products` (of percentage_product_ids)' }),
    ),
    cost_multiplier: money('Multiplier of the cost (cost_plus model)'),
    cost: money('Unit cost', [50]),
    floor_price: money('Lowest unit price a quote may use without approval', [80]),
    is_setup: Type.Boolean({ description: 'A setup fee' }),
    is_pay_as_you_go: Type.Boolean({ description: 'Billed on usage' }),
    default_tax_id: Nullable(Uuid('The tax applied by default')),
    default_tax_name: Nullable(Type.String({ examples: ['VAT 20%'] })),
    default_tax_rate: money('Its rate, for a percentage tax', [20]),
    default_tax_amount: money('Its amount, for an amount tax'),
    default_tax_is_percentage: Nullable(Type.Boolean()),
    billing_frequency_id: Nullable(Uuid('For a recurring product: how often it is billed')),
    billing_frequency_period: Nullable(Type.Integer({ examples: [1] })),
    billing_frequency_unit: Nullable(Type.String({ examples: ['month'] })),
    engagement_type: NullableEnum(ENGAGEMENT_TYPES),
    period_duration: Nullable(Type.Integer({ description: 'Commitment in months', examples: [12] })),
    parent_price_id: Nullable(Uuid("In a dynamic pricebook: the base pricebook's price it follows")),
    identifiers: Type.Object({
      crm: Nullable(Type.String()),
      erp: Nullable(Type.String()),
      accounting: Nullable(Type.String()),
    }),
    workspace_id: Uuid('Workspace UUID'),
    created_at: Timestamp(),
    updated_at: Timestamp(),
    is_active: Type.Boolean({
      description:
        'false once its product, catalog membership or billing frequency has gone: kept, never deleted',
    }),
    percentage_product_ids: Nullable(
      Type.Array(Uuid(), { description: 'The products a `products` percentage price is a percentage of' }),
    ),
  },
  { title: 'Price' },
)
export type Price = Type.Static<typeof Price>
export type Tier = Type.Static<typeof TierOut>

// Writes. Prices are filled in, never created: PATCH takes every pricing field; the fields of the GET that it
// cannot change may be sent back unchanged (a GET sent back as it is changes nothing).

export const PERCENTAGE_TYPES = ['all', 'products'] as const

/** The fields of a price that are its pricing: a dynamic price takes them from its base price. */
export const PRICING_FIELDS = [
  'pricing_model',
  'amount',
  'volume_tiers',
  'is_volume_grid_displayed',
  'graduated_tiers',
  'is_graduated_grid_displayed',
  'percent',
  'price_percentage_type',
  'percentage_product_ids',
  'cost',
  'cost_multiplier',
  'floor_price',
  'is_setup',
  'is_pay_as_you_go',
  'default_tax_id',
  'engagement_type',
  'period_duration',
] as const
export type PricingField = (typeof PRICING_FIELDS)[number]

export const PRICE_READ_ONLY = [
  'id',
  'product_variant_id',
  'product_variant_name',
  'product_id',
  'pricebook_id',
  'pricebook_name',
  'pricebook_type',
  'currency_id',
  'currency_name',
  'currency_api_name',
  'default_tax_name',
  'default_tax_rate',
  'default_tax_amount',
  'default_tax_is_percentage',
  'billing_frequency_id',
  'billing_frequency_period',
  'billing_frequency_unit',
  'parent_price_id',
  'workspace_id',
  'created_at',
  'updated_at',
  'is_active',
] as const

/** The largest amount a price holds. */
export const MAX_AMOUNT = 1_000_000_000

const amountIn = (description: string, examples?: number[]) =>
  Type.Optional(
    Nullable(
      Type.Number({ minimum: 0, maximum: MAX_AMOUNT, description, ...(examples ? { examples } : {}) }),
    ),
  )

export const TierIn = Type.Object(
  {
    up_to: Nullable(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: MAX_AMOUNT,
        description:
          "The last unit of the tier, above the previous tier's; null for the last tier, and only it",
      }),
    ),
    unit_amount: Nullable(
      Type.Number({
        minimum: 0,
        maximum: MAX_AMOUNT,
        description: 'Price of each unit in the tier: up to 6 decimals',
      }),
    ),
    flat_amount: Nullable(
      Type.Number({
        minimum: 0,
        maximum: MAX_AMOUNT,
        description: "Fixed amount added once when the tier is reached: the currency's decimals at most",
      }),
    ),
  },
  { additionalProperties: false },
)
export type TierIn = Type.Static<typeof TierIn>

const tiersIn = (description: string) =>
  Type.Optional(Nullable(Type.Array(TierIn, { minItems: 1, maxItems: 50, description })))

const IDENTIFIERS_IN = { identifiers: GROUPS.identifiers }

export const PricePatch = Type.Object(
  {
    pricing_model: Type.Optional(
      NullableEnum(PRICING_MODELS, {
        description:
          'flat (amount × quantity), volume (the whole quantity at the tier it reaches), graduated (each ' +
          'tier its units), percentage (percent of the other lines of a quote), cost_plus (cost × ' +
          'cost_multiplier); null: not filled in (it cannot be quoted). The fields of another model stay stored',
      }),
    ),
    amount: amountIn("Unit price of a flat price: the currency's decimals at most", [129.99]),
    volume_tiers: tiersIn('The tiers of a volume price, ascending, the last up_to null'),
    is_volume_grid_displayed: Type.Optional(Type.Boolean()),
    graduated_tiers: tiersIn('The tiers of a graduated price, ascending, the last up_to null'),
    is_graduated_grid_displayed: Type.Optional(Type.Boolean()),
    percent: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 0,
          maximum: 1000,
          description: 'Of a percentage price: 20 for 20 % of the lines it applies to; 4 decimals at most',
        }),
      ),
    ),
    price_percentage_type: Type.Optional(
      NullableEnum(PERCENTAGE_TYPES, {
        description: 'all (every other line of the quote) or products (the lines of percentage_product_ids)',
      }),
    ),
    percentage_product_ids: Type.Optional(
      Nullable(
        Type.Array(Ref('A product (variant) of the workspace'), {
          maxItems: 100,
          uniqueItems: true,
          description: 'The products a `products` percentage price is a percentage of',
        }),
      ),
    ),
    cost: amountIn("Unit cost (cost_plus): the currency's decimals at most", [50]),
    cost_multiplier: Type.Optional(
      Nullable(
        Type.Number({
          exclusiveMinimum: 0,
          maximum: 1000,
          description: 'The unit price of a cost_plus price is cost × cost_multiplier; up to 6 decimals',
        }),
      ),
    ),
    floor_price: amountIn("Lowest unit price a quote may use: the currency's decimals at most", [99.99]),
    is_setup: Type.Optional(Type.Boolean({ description: 'A setup fee' })),
    is_pay_as_you_go: Type.Optional(Type.Boolean({ description: 'Billed on usage' })),
    default_tax_id: Type.Optional(Nullable(Ref('A tax of the workspace; null clears'))),
    engagement_type: Type.Optional(
      NullableEnum(ENGAGEMENT_TYPES, { description: 'Recurring prices only: indefinite or fixed' }),
    ),
    period_duration: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 1200,
          description: 'Recurring prices only: commitment in months',
        }),
      ),
    ),
    identifiers: partial(GROUPS.identifiers, 'identifiers[…] keys are the same fields'),
    ...bracketKeys(IDENTIFIERS_IN),
    ...ReadOnly(...PRICE_READ_ONLY),
  },
  { additionalProperties: false },
)
export type PricePatch = Omit<
  Type.Static<typeof PricePatch>,
  (typeof PRICE_READ_ONLY)[number] | 'identifiers' | 'volume_tiers' | 'graduated_tiers'
> & {
  identifiers?: { crm?: string | null; erp?: string | null; accounting?: string | null }
  volume_tiers?: TierIn[] | null
  graduated_tiers?: TierIn[] | null
}

// The list, as Qwoty documents it: limit and offset, the answer {success, data, total, limit, offset}.

export const DEFAULT_PRICE_LIMIT = 100

export const PriceListQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LIMIT,
        description: `Page size, 1 to ${MAX_LIMIT}; ${DEFAULT_PRICE_LIMIT} by default`,
      }),
    ),
    offset: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Prices skipped; 0 by default' }),
    ),
    pricebook_id: Type.Optional(Ref('Only the prices of this pricebook')),
    product_variant_id: Type.Optional(Ref('Only the prices of this product (variant)')),
    product_id: Type.Optional(Ref('Only the prices of the variants of this product parent')),
    currency: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Only the prices in this currency: its ISO code (EUR) or its api_name',
      }),
    ),
    pricing_model: Type.Optional(
      StringEnum([...PRICING_MODELS, 'none'] as const, {
        description: 'Only the prices of this model; `none`: those not filled in yet',
      }),
    ),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active (true) or inactive (false) ones' }),
    ),
  },
  { additionalProperties: false },
)
export type PriceListQuery = Type.Static<typeof PriceListQuery>

export const PricePage = Type.Object({
  success: Type.Literal(true),
  data: Type.Array(Price),
  total: Type.Integer({ minimum: 0, description: 'How many prices match, on every page' }),
  limit: Type.Integer({ description: 'The page size used' }),
  offset: Type.Integer({ description: 'The prices skipped' }),
})

// The quote of one price (Quoin's): what a quantity costs, priced by the engine (domain/pricing.ts).

export const QuoteRequest = Type.Object(
  {
    quantity: Type.Number({
      minimum: 0,
      maximum: MAX_AMOUNT,
      description: 'How many units; up to 6 decimals',
    }),
    discount: Type.Optional(
      Type.Object(
        {
          type: StringEnum(['percent', 'amount'] as const, {
            description: 'percent (of the line, 0 to 100) or amount (off the whole line)',
          }),
          value: Type.Number({ minimum: 0, maximum: MAX_AMOUNT }),
        },
        { additionalProperties: false, description: 'A discount off the line' },
      ),
    ),
    tax_id: Type.Optional(
      Nullable(Ref("A tax of the workspace; the price's default tax when omitted, none when null")),
    ),
    base: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_AMOUNT,
        description:
          'Percentage prices only, and required for them: the amount they are a percentage of (in a quote, ' +
          'the other lines)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type QuoteRequest = Type.Static<typeof QuoteRequest>

const quoted = (description: string) => Type.Number({ description })

export const PriceQuote = Type.Object(
  {
    price_id: Uuid('The price quoted'),
    currency: Type.String({ description: "The pricebook's currency, ISO 4217", examples: ['EUR'] }),
    pricing_model: StringEnum(PRICING_MODELS),
    quantity: Type.Number(),
    unit_price: quoted('List price of one unit (a tiered price: the line over the quantity), unrounded'),
    list_amount: quoted('What the quantity costs at list price, rounded to the currency'),
    discount_amount: quoted('The discount, rounded'),
    net_amount: quoted('list_amount − discount_amount'),
    tax_amount: quoted('The tax on net_amount, rounded'),
    total_amount: quoted('net_amount + tax_amount'),
    tiers: Type.Array(
      Type.Object({
        up_to: Nullable(Type.Number()),
        quantity: Type.Number({ description: 'The units priced in this tier' }),
        unit_amount: Type.Number(),
        flat_amount: Type.Number(),
        amount: Type.Number({ description: 'Exact, before the line is rounded' }),
      }),
      { description: 'Volume and graduated prices: the tiers used; empty for the other models' },
    ),
    below_floor: Type.Boolean({ description: 'The unit price after the discount is below floor_price' }),
    tax_id: Nullable(Uuid('The tax applied, or null')),
  },
  { title: 'PriceQuote' },
)
export type PriceQuote = Type.Static<typeof PriceQuote>
