import type { Kysely, Selectable } from 'kysely'
import { decimalNumber, idEquals, isSet, toStoredTime, toWireTime } from '../../db/dialect.ts'
import type {
  Database,
  QuoteLineTable,
  QuotePhaseTable,
  QuoteSectionTable,
  QuoteTable,
} from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import type { TierPart } from '../../domain/pricing.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, versioned } from '../../kernel/store.ts'
import type { ProductCopy, StoredScheduleItem, StoredSummary, TaxCopy } from './pricing-table.ts'
import type { LineItem, Quote, QuoteListItem, QuoteListQuery, QuoteStatus } from './schema.ts'
import type { Snapshot } from './snapshot.ts'

// Reading quotes: the whole document (GET /api/quote/{id}), and lists of their summaries.

/** The statuses in which a quote can be edited (header, pricing table, reprice). */
export const EDITABLE_STATUSES: readonly QuoteStatus[] = ['draft', 'changes_requested']

/** Throws the 409 of a write to a quote that is no longer editable. */
export function assertEditable(row: { status: string }): void {
  if ((EDITABLE_STATUSES as readonly string[]).includes(row.status)) return
  throw new ApiError(
    'conflict',
    `This quote is ${row.status}: only draft and changes_requested quotes can be edited`,
  )
}

export type QuoteRow = Selectable<QuoteTable>

/** One quote row of the workspace, or undefined. */
export function quoteRow(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<QuoteRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined)
  return db
    .selectFrom('quotes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst()
}

const money = (value: string) => Number(value)

function tiersOut(text: string) {
  return (JSON.parse(text) as TierPart[]).map((t) => ({
    up_to: t.up_to === null ? null : Number(t.up_to),
    quantity: Number(t.quantity),
    unit_amount: Number(t.unit_amount),
    flat_amount: Number(t.flat_amount),
    amount: Number(t.amount),
  }))
}

function toLine(row: Selectable<QuoteLineTable>, currency: string): LineItem {
  const product = JSON.parse(row.product) as ProductCopy
  const tax = row.tax === null ? null : (JSON.parse(row.tax) as TaxCopy)
  return {
    id: row.id,
    rank: row.rank,
    product: { product_id: product.product_id, name: product.name, unit_of_measure: product.unit_of_measure },
    quantity: Number(row.quantity),
    pricing: {
      model: (row.pricing_model === 'flat' ? 'per_unit' : row.pricing_model) as LineItem['pricing']['model'],
      list_price: Number(row.list_price ?? row.unit_price),
      currency,
      unit_price: Number(row.unit_price),
      unit_price_override: decimalNumber(row.unit_price_override),
      price_id: row.price_id,
      tiers: tiersOut(row.tiers),
    },
    discount:
      row.discount_type === null || row.discount_value === null
        ? null
        : { type: row.discount_type, value: Number(row.discount_value) },
    tax:
      tax === null
        ? null
        : {
            id: tax.id,
            name: tax.name,
            method: tax.method,
            rate: decimalNumber(tax.rate),
            amount: decimalNumber(tax.amount),
          },
    recurrence:
      row.interval === null || row.billing_frequency_id === null
        ? null
        : {
            interval: row.interval as 'day' | 'week' | 'month' | 'year',
            interval_count: row.interval_count ?? 1,
            billing_frequency_id: row.billing_frequency_id,
          },
    list_amount: money(row.list_amount),
    discount_amount: money(row.discount_amount),
    subtotal_amount: money(row.subtotal_amount),
    quote_discount_amount: money(row.document_discount_amount),
    net_amount: money(row.net_amount),
    tax_amount: money(row.tax_amount),
    total_amount: money(row.total_amount),
    below_floor: isSet(row.below_floor),
  }
}

function summaryOut(text: string): Quote['summary'] {
  const s = JSON.parse(text) as StoredSummary
  const amounts = <T extends Record<string, string>>(group: T) => ({
    net_amount: money(group.net_amount!),
    tax_amount: money(group.tax_amount!),
    total_amount: money(group.total_amount!),
    list_amount: money(group.list_amount!),
    discount_amount: money(group.discount_amount!),
  })
  return {
    one_off: amounts(s.one_off),
    recurring: s.recurring.map((r) => ({
      interval: r.interval,
      interval_count: r.interval_count,
      ...amounts(r as unknown as Record<string, string>),
    })),
  }
}

/** The quote as its read shows it, from its row and its pricing table's rows. */
export function toQuote(
  row: QuoteRow,
  sections: readonly Selectable<QuoteSectionTable>[],
  phases: readonly Selectable<QuotePhaseTable>[],
  lines: readonly Selectable<QuoteLineTable>[],
): Versioned<Quote> {
  const snapshot = JSON.parse(row.snapshot) as Snapshot
  const linesOf = new Map<string, LineItem[]>()
  for (const l of lines)
    linesOf.set(l.phase_id, [...(linesOf.get(l.phase_id) ?? []), toLine(l, row.currency)])
  const phasesOf = new Map<string, Quote['pricing_table']['sections'][number]['phases']>()
  for (const p of phases) {
    const phase = { id: p.id, name: p.name, rank: p.rank, line_items: linesOf.get(p.id) ?? [] }
    phasesOf.set(p.section_id, [...(phasesOf.get(p.section_id) ?? []), phase])
  }
  return versioned(
    {
      id: row.id,
      number: row.number,
      status: row.status,
      publish: row.published_at !== null,
      issue_date: toStoredTime(row.issue_date),
      owner: snapshot.owner,
      expiration_date: row.expiration_date === null ? null : toWireTime(row.expiration_date),
      currency: row.currency,
      language: row.language,
      title: row.title,
      opportunity_id: row.opportunity_id,
      pdf_link: null,
      dealroom_link: null,
      business_unit: snapshot.business_unit,
      customer: snapshot.customer,
      pricing_table: {
        settings: { is_prices_hidden: isSet(row.is_prices_hidden) },
        sections: sections.map((s) => ({
          id: s.id,
          type: 'standard' as const,
          rank: s.rank,
          name: s.name,
          phases: phasesOf.get(s.id) ?? [],
        })),
      },
      summary: summaryOut(row.summary),
      pricebook_id: row.pricebook_id,
      payment_term_id: row.payment_term_id,
      discount:
        row.discount_type === null || row.discount_value === null
          ? null
          : { type: row.discount_type, value: Number(row.discount_value) },
      custom_properties: JSON.parse(row.custom_properties) as Record<string, string | number>,
      payment_schedule: (JSON.parse(row.payment_schedule) as StoredScheduleItem[]).map((i) => ({
        ...i,
        percentage: Number(i.percentage),
        amount: Number(i.amount),
      })),
      external_ids: { crm: row.id_crm, erp: row.id_erp, accounting: row.id_accounting },
      created_by: row.created_by,
      updated_by: row.updated_by,
      ...stamps(row),
    },
    Number(row.version),
  )
}

/** One quote of the workspace, whole, or undefined. */
export async function findQuote(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Quote> | undefined> {
  const row = await quoteRow(db, workspaceId, id)
  if (!row) return undefined
  const [sections, phases, lines] = await Promise.all([
    db
      .selectFrom('quote_sections')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('quote_id', '=', row.id)
      .orderBy('rank')
      .execute(),
    db
      .selectFrom('quote_phases')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('quote_id', '=', row.id)
      .orderBy('rank')
      .execute(),
    db
      .selectFrom('quote_lines')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('quote_id', '=', row.id)
      .orderBy('rank')
      .execute(),
  ])
  return toQuote(row, sections, phases, lines)
}

/** A page of the workspace's quotes, oldest first, as summaries. */
export async function listQuotes(
  db: Kysely<Database>,
  workspaceId: string,
  filters: QuoteListQuery,
): Promise<PageResult<QuoteListItem>> {
  let query = db.selectFrom('quotes as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.status !== undefined) query = query.where('t.status', '=', filters.status)
  if (filters.customer_id !== undefined) query = query.where(idEquals('t.customer_id', filters.customer_id))
  if (filters.owner_id !== undefined) query = query.where(idEquals('t.owner_id', filters.owner_id))
  if (filters.number !== undefined) query = query.where('t.number', '=', filters.number)
  const instant = (value: string) => new Date(value).toISOString()
  if (filters.created_since !== undefined)
    query = query.where('t.created_at', '>=', instant(filters.created_since))
  if (filters.created_before !== undefined)
    query = query.where('t.created_at', '<', instant(filters.created_before))
  if (filters.issued_since !== undefined)
    query = query.where('t.issue_date', '>=', instant(filters.issued_since))
  if (filters.issued_before !== undefined)
    query = query.where('t.issue_date', '<', instant(filters.issued_before))
  const page = await paginate(query, filters, 'created_at', listBinding('quotes', filters))
  return { ...page, rows: page.rows.map(toListItem) }
}

function toListItem(row: QuoteRow): QuoteListItem {
  const { customer } = JSON.parse(row.snapshot) as Snapshot
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    customer: { id: customer.id, name: customer.name },
    owner_id: row.owner_id,
    currency: row.currency,
    title: row.title,
    net_amount: money(row.net_amount),
    tax_amount: money(row.tax_amount),
    total_amount: money(row.total_amount),
    issue_date: toStoredTime(row.issue_date),
    expiration_date: row.expiration_date === null ? null : toWireTime(row.expiration_date),
    ...stamps(row),
  }
}
