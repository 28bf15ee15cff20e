import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { decimalNumber, idEquals, toWireTime } from '../../db/dialect.ts'
import type { Database, OrderTable } from '../../db/types.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { versioned } from '../../kernel/store.ts'
import { author, type WriteContext } from '../../kernel/write.ts'
import type { Quote } from '../quotes/schema.ts'
import { allocateNumber } from '../settings/numbers.ts'
import { orders } from './resource.ts'
import type { Order, OrderListQuery } from './schema.ts'

type OrderRow = Selectable<OrderTable>

/** What an order keeps of its quote: the quote's read as accepted, of which it shows some parts. */
type AcceptedQuote = Quote

export function toOrder(row: OrderRow): Versioned<Order> {
  const quote = (typeof row.document === 'string' ? JSON.parse(row.document) : row.document) as AcceptedQuote
  return versioned(
    {
      id: row.id,
      number: row.number,
      quote_id: row.quote_id,
      quote_number: quote.number,
      customer: quote.customer,
      currency: row.currency,
      pricing_table: quote.pricing_table,
      summary: quote.summary,
      payment_schedule: quote.payment_schedule,
      net_amount: decimalNumber(row.net_amount)!,
      tax_amount: decimalNumber(row.tax_amount)!,
      total_amount: decimalNumber(row.total_amount)!,
      created_by: row.created_by,
      created_at: toWireTime(row.created_at),
    },
    row.version,
  )
}

/** One order of the workspace, or undefined. */
export async function findOrder(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Order> | undefined> {
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && toOrder(row)
}

/** A page of the workspace's orders, oldest first; by customer or by quote. */
export async function listOrders(
  db: Kysely<Database>,
  workspaceId: string,
  filters: OrderListQuery,
): Promise<PageResult<Order>> {
  let query = db.selectFrom('orders as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.customer_id !== undefined) query = query.where(idEquals('t.customer_id', filters.customer_id))
  if (filters.quote_id !== undefined) query = query.where(idEquals('t.quote_id', filters.quote_id))
  const page = await paginate(query, filters, 'created_at', listBinding('orders', filters))
  return { ...page, rows: page.rows.map((row) => toOrder(row).value) }
}

/** The stored totals of the quote an order copies (exact decimals, as stored). */
export interface QuoteTotals {
  id: string
  customer_id: string
  currency: string
  net_amount: string
  tax_amount: string
  total_amount: string
}

/**
 * Makes the order of a quote accepted in the write `w`: its own number, the quote's totals, and `document`,
 * the quote's read as accepted; records order.created. A quote has one order at most (orders_quote).
 */
export async function createOrder(
  w: WriteContext,
  quote: QuoteTotals,
  document: AcceptedQuote,
  at: Date,
): Promise<Versioned<Order>> {
  const number = await allocateNumber(w, 'order', at)
  const id = uuidv7()
  const stamp = at.toISOString()
  await w.trx
    .insertInto('orders')
    .values({
      id,
      workspace_id: w.workspaceId,
      number,
      quote_id: quote.id,
      customer_id: quote.customer_id,
      currency: quote.currency,
      net_amount: quote.net_amount,
      tax_amount: quote.tax_amount,
      total_amount: quote.total_amount,
      document: JSON.stringify(document),
      created_by: author(w),
      created_at: stamp,
      updated_at: stamp,
    })
    .execute()
  const order = (await findOrder(w.trx, w.workspaceId, id))!
  w.emit(orders, 'created', id, order.value)
  return order
}
