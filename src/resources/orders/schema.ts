import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { Nullable, Ref, Timestamp, Uuid } from '../../http/schemas.ts'
import { Quote } from '../quotes/schema.ts'

// The parts of the accepted quote an order shows are the quote read's own shapes.
const { customer, pricing_table, summary, payment_schedule } = Quote.properties

const money = (description: string) => Type.Number({ description, examples: [1200] })

export const Order = Type.Object(
  {
    id: Uuid('UUID'),
    number: Type.String({
      description: "The order's own number, from the workspace's order pattern",
      examples: ['ORD-2026-0001'],
    }),
    quote_id: Uuid('The quote accepted'),
    quote_number: Type.String({ description: 'Its number', examples: ['Q-2026-0001'] }),
    customer: { ...customer, description: "The quote's customer snapshot, as accepted" },
    currency: Type.String({ description: 'ISO 4217 code', examples: ['EUR'] }),
    pricing_table: { ...pricing_table, description: "The quote's pricing table, as accepted" },
    summary: { ...summary, description: "The quote's summary, as accepted" },
    payment_schedule: { ...payment_schedule, description: "The quote's payment schedule, as accepted" },
    net_amount: money('Total before tax'),
    tax_amount: money('Total tax'),
    total_amount: money('Total with tax'),
    created_by: Nullable(
      Type.String({ description: 'Who accepted the quote: the user the token acts as, else the token' }),
    ),
    created_at: Timestamp(),
  },
  { title: 'Order' },
)
export type Order = Type.Static<typeof Order>

export const OrderListQuery = Type.Object(
  {
    ...PageParams,
    customer_id: Type.Optional(Ref('Only the orders of this customer')),
    quote_id: Type.Optional(Ref('Only the order of this quote')),
  },
  { additionalProperties: false },
)
export type OrderListQuery = Type.Static<typeof OrderListQuery>
