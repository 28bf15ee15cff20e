import type { Kysely, Selectable } from 'kysely'
import { decimalNumber, flag, idEquals, isSet } from '../../db/dialect.ts'
import { prepared } from '../../db/prepared.ts'
import { versionedCache } from '../../db/read-cache.ts'
import type { Database, PriceTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import type { PriceSpec } from '../../domain/pricing.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, versioned } from '../../kernel/store.ts'
import { DEFAULT_PRICE_LIMIT, type Price, type PriceListQuery, type Tier } from './schema.ts'

/** Prices with what their object shows of their variant, pricebook, currency, tax and billing frequency. */
export function selectPrices(db: Kysely<Database>) {
  return db
    .selectFrom('prices as t')
    .innerJoin('products as v', 'v.id', 't.product_id')
    .innerJoin('pricebooks as pb', 'pb.id', 't.pricebook_id')
    .innerJoin('currencies as c', 'c.id', 'pb.currency_id')
    .leftJoin('taxes as tx', 'tx.id', 't.default_tax_id')
    .leftJoin('billing_frequencies as bf', 'bf.id', 't.billing_frequency_id')
    .selectAll('t')
    .select([
      'v.name as variant_name',
      'v.product_parent_id as product_parent_id',
      'v.api_name as variant_api_name',
      'pb.name as pricebook_name',
      'pb.api_name as pricebook_api_name',
      'pb.type as pricebook_type',
      'pb.currency_id as currency_id',
      'c.name as currency_name',
      'c.api_name as currency_api_name',
      'c.code as currency_code',
      'tx.name as tax_name',
      'tx.api_name as tax_api_name',
      'tx.method as tax_method',
      'tx.rate as tax_rate',
      'tx.amount as tax_amount',
      'bf.period as bf_period',
      'bf.unit as bf_unit',
    ])
}

export type PriceRow = Awaited<ReturnType<ReturnType<typeof selectPrices>['execute']>>[number]

/** Stored tiers (JSON text of decimal strings) as the wire shows them, numbers. */
export function tiersOut(text: string | null): Tier[] | null {
  if (text === null) return null
  const tiers = JSON.parse(text) as {
    up_to: string | null
    unit_amount: string | null
    flat_amount: string | null
  }[]
  return tiers.map((t) => ({
    up_to: decimalNumber(t.up_to),
    unit_amount: decimalNumber(t.unit_amount),
    flat_amount: decimalNumber(t.flat_amount),
  }))
}

/** The wire object, keys in the order of Qwoty's docs. */
export function toPrice(row: PriceRow): Versioned<Price> {
  const tax = row.default_tax_id !== null
  return versioned(
    {
      id: row.id,
      product_variant_id: row.product_id,
      product_variant_name: row.variant_name,
      product_id: row.product_parent_id,
      pricebook_id: row.pricebook_id,
      pricebook_name: row.pricebook_name,
      pricebook_type: row.pricebook_type,
      currency_id: row.currency_id,
      currency_name: row.currency_name,
      currency_api_name: row.currency_api_name,
      pricing_model: row.pricing_model,
      amount: decimalNumber(row.amount),
      volume_tiers: tiersOut(row.volume_tiers),
      is_volume_grid_displayed: isSet(row.is_volume_grid_displayed),
      graduated_tiers: tiersOut(row.graduated_tiers),
      is_graduated_grid_displayed: isSet(row.is_graduated_grid_displayed),
      percent: decimalNumber(row.percent),
      price_percentage_type: row.price_percentage_type,
      cost_multiplier: decimalNumber(row.cost_multiplier),
      cost: decimalNumber(row.cost),
      floor_price: decimalNumber(row.floor_price),
      is_setup: isSet(row.is_setup),
      is_pay_as_you_go: isSet(row.is_pay_as_you_go),
      default_tax_id: row.default_tax_id,
      default_tax_name: tax ? row.tax_name : null,
      default_tax_rate: tax ? decimalNumber(row.tax_rate) : null,
      default_tax_amount: tax ? decimalNumber(row.tax_amount) : null,
      default_tax_is_percentage: tax ? row.tax_method === 'percentage' : null,
      billing_frequency_id: row.billing_frequency_id,
      billing_frequency_period: row.bf_period ?? null,
      billing_frequency_unit: row.bf_unit ?? null,
      engagement_type: row.engagement_type,
      period_duration: row.period_duration,
      parent_price_id: row.parent_price_id,
      identifiers: { crm: row.id_crm, erp: row.id_erp, accounting: row.id_accounting },
      workspace_id: row.workspace_id,
      ...stamps(row),
      is_active: isSet(row.is_active),
      percentage_product_ids:
        row.percentage_product_ids === null ? null : (JSON.parse(row.percentage_product_ids) as string[]),
    },
    row.version,
  )
}

/** One price of the workspace, or undefined. */
export async function findPrice(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Price> | undefined> {
  if (!isUuid(id)) return undefined
  // On SQLite, served from memory until anything commits (the object joins six tables; see read-cache.ts);
  // on PostgreSQL, a named statement, planned once per connection (planning the join costs more than
  // running it).
  return cache(db, `${workspaceId}:${id}`, async () => {
    const [row] = await priceById(db, { workspaceId, id: id.toLowerCase() })
    return row && toPrice(row)
  })
}

const priceById = prepared((db, p: { workspaceId: string; id: string }) =>
  selectPrices(db).where('t.workspace_id', '=', p.workspaceId).where('t.id', '=', p.id),
)

const cache = versionedCache<Versioned<Price>>()

/** The prices of `ids` in the workspace, by id (those absent left out), read in batches. */
export async function findPrices(
  db: Kysely<Database>,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, Price>> {
  const found = new Map<string, Price>()
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await selectPrices(db)
      .where('t.workspace_id', '=', workspaceId)
      .where('t.id', 'in', ids.slice(i, i + 500))
      .execute()
    for (const row of rows) found.set(row.id, toPrice(row).value)
  }
  return found
}

/** A page of the workspace's prices, oldest first, with how many match: Qwoty's list (limit and offset). */
export async function listPrices(
  db: Kysely<Database>,
  workspaceId: string,
  query: PriceListQuery,
): Promise<{ total: number; rows: Price[]; limit: number; offset: number }> {
  const limit = query.limit ?? DEFAULT_PRICE_LIMIT
  const offset = query.offset ?? 0
  const base = selectFiltered(db, workspaceId, query)
  const { n } = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  const rows = await base.orderBy('t.created_at').orderBy('t.id').limit(limit).offset(offset).execute()
  return { total: Number(n), rows: rows.map((row) => toPrice(row).value), limit, offset }
}

/** The list's filters: every query parameter of the list but its page. */
export type PriceFilters = Omit<PriceListQuery, 'limit' | 'offset'>

/** The workspace's prices the filters keep (the list's, the CSV export's). */
export function selectFiltered(db: Kysely<Database>, workspaceId: string, query: PriceFilters) {
  let base = selectPrices(db).where('t.workspace_id', '=', workspaceId)
  if (query.pricebook_id !== undefined) base = base.where(idEquals('t.pricebook_id', query.pricebook_id))
  if (query.product_variant_id !== undefined)
    base = base.where(idEquals('t.product_id', query.product_variant_id))
  if (query.product_id !== undefined) base = base.where(idEquals('v.product_parent_id', query.product_id))
  if (query.currency !== undefined) {
    const currency = query.currency
    base = base.where((eb) =>
      eb.or([eb('c.code', '=', currency.toUpperCase()), eb('c.api_name', '=', currency)]),
    )
  }
  if (query.pricing_model === 'none') base = base.where('t.pricing_model', 'is', null)
  else if (query.pricing_model !== undefined) base = base.where('t.pricing_model', '=', query.pricing_model)
  if (query.is_active !== undefined) base = base.where('t.is_active', '=', flag(query.is_active))
  return base
}

type StoredTier = { up_to: string | null; unit_amount: string | null; flat_amount: string | null }

/** Stored tiers (JSON text of decimal strings) as the engine takes them. */
export function storedTiers(text: string | null): StoredTier[] | null {
  return text === null ? null : (JSON.parse(text) as StoredTier[])
}

/** The columns a price is priced from. */
export type PricingColumns = Pick<
  Selectable<PriceTable>,
  | 'pricing_model'
  | 'amount'
  | 'volume_tiers'
  | 'graduated_tiers'
  | 'percent'
  | 'price_percentage_type'
  | 'percentage_product_ids'
  | 'cost'
  | 'cost_multiplier'
>

/**
 * What the engine (domain/pricing.ts) prices a row with; undefined while the price is not filled in. A
 * `products` percentage price is a percentage of the lines of its percentage_product_ids (variants).
 */
export function priceSpecOf(row: PricingColumns): PriceSpec | undefined {
  const need = (value: string | null) => {
    if (value === null) throw new Error(`price of model ${row.pricing_model} lacks a field it needs`)
    return value
  }
  switch (row.pricing_model) {
    case null:
      return undefined
    case 'flat':
      return { model: 'flat', amount: need(row.amount) }
    case 'volume':
    case 'graduated': {
      const tiers = storedTiers(row.pricing_model === 'volume' ? row.volume_tiers : row.graduated_tiers)
      if (tiers === null) throw new Error(`${row.pricing_model} price without tiers`)
      return { model: row.pricing_model, tiers }
    }
    case 'percentage':
      return row.price_percentage_type === 'products'
        ? {
            model: 'percentage',
            percent: need(row.percent),
            of: JSON.parse(need(row.percentage_product_ids)) as string[],
          }
        : { model: 'percentage', percent: need(row.percent) }
    case 'cost_plus':
      return { model: 'cost_plus', cost: need(row.cost), cost_multiplier: need(row.cost_multiplier) }
  }
}
