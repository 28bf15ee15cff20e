import Type from 'typebox'
import { Nullable, StringEnum, Timestamp, Uuid } from '../../http/schemas.ts'

// The price object of Qwoty's docs (§3.8), keys in their order; what Quoin adds comes last.

export const PRICING_MODELS = ['flat', 'volume', 'graduated', 'percentage', 'cost_plus'] as const
export type PricingModel = (typeof PRICING_MODELS)[number]
export const ENGAGEMENT_TYPES = ['indefinite', 'fixed'] as const

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
    pricing_model: Nullable(StringEnum(PRICING_MODELS, { description: 'null until the price is filled in' })),
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
    engagement_type: Nullable(StringEnum(ENGAGEMENT_TYPES)),
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
