import { Decimal } from 'decimal.js'
import type { Kysely } from 'kysely'
import { flag, idEquals, isSet } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { minorUnitsOf } from '../../domain/currencies.ts'
import { isUuid } from '../../domain/ids.ts'
import {
  type Discount,
  type PricedLine,
  priceLine,
  type TaxSpec,
  validateTiers,
} from '../../domain/pricing.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { updateLive } from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import {
  PRICING_FIELDS,
  type PricePatch,
  type PriceQuote,
  type PricingField,
  type QuoteRequest,
  type TierIn,
} from './schema.ts'
import { priceSpecOf, selectPrices, storedTiers } from './store.ts'
import { refreshDerived } from './sync.ts'

// Filling a price in (PATCH) and quoting one. A price's pricing is checked as it will stand once the patch is
// merged into it, model by model, each problem naming its field. The fields of another model stay stored when
// the model changes (switching back finds them), and are neither checked nor used while another model rules.

/** Decimals a unit amount of a tier, a cost multiplier or a quantity may have, whatever the currency. */
const FINE_DECIMALS = 6
const PERCENT_DECIMALS = 4

/** A JSON number as an exact decimal: its shortest form (0.1 is 0.1, not 0.1000000000000000055…). */
const exact = (n: number) => new Decimal(String(n))
const stored = (n: number | null | undefined) => (n === null || n === undefined ? n : exact(n).toFixed())

function tiersText(tiers: TierIn[] | null): string | null {
  if (tiers === null) return null
  return JSON.stringify(
    tiers.map((t) => ({
      up_to: stored(t.up_to),
      unit_amount: stored(t.unit_amount),
      flat_amount: stored(t.flat_amount),
    })),
  )
}

type Columns = Partial<Record<PricingField, unknown>>

/** The pricing fields a patch sends, as the columns store them. */
function pricingColumns(patch: PricePatch): Columns {
  const out: Columns = {}
  for (const field of PRICING_FIELDS) {
    const value = patch[field]
    if (value === undefined) continue
    if (field === 'volume_tiers' || field === 'graduated_tiers')
      out[field] = tiersText(value as TierIn[] | null)
    else if (typeof value === 'number' && field !== 'period_duration') out[field] = exact(value).toFixed()
    else if (typeof value === 'boolean') out[field] = flag(value)
    else if (field === 'default_tax_id') out[field] = value === null ? null : (value as string).toLowerCase()
    else if (field === 'percentage_product_ids')
      out[field] = value === null ? null : JSON.stringify((value as string[]).map((id) => id.toLowerCase()))
    else out[field] = value
  }
  return out
}

const DECIMAL_COLUMNS = new Set<string>(['amount', 'percent', 'cost', 'cost_multiplier', 'floor_price'])

/** Whether a column holds the same value as another, as stored: decimals and tiers by value. */
function sameStored(column: PricingField, a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b
  if (DECIMAL_COLUMNS.has(column)) return new Decimal(a as string).equals(b as string)
  if (column === 'volume_tiers' || column === 'graduated_tiers') {
    const [x, y] = [storedTiers(a as string)!, storedTiers(b as string)!]
    const eq = (p: string | null, q: string | null) =>
      p === null || q === null ? p === q : new Decimal(p).equals(q)
    return (
      x.length === y.length &&
      x.every(
        (t, i) =>
          eq(t.up_to, y[i]!.up_to) &&
          eq(t.unit_amount, y[i]!.unit_amount) &&
          eq(t.flat_amount, y[i]!.flat_amount),
      )
    )
  }
  if (typeof a === 'boolean' || typeof b === 'boolean' || typeof a === 'number' || typeof b === 'number') {
    return column === 'period_duration' ? Number(a) === Number(b) : isSet(a as number) === isSet(b as number)
  }
  return a === b
}

/** "Field 'x' has at most n decimals", when a number sent has more. */
function decimalsProblem(field: string, value: number | null | undefined, most: number, what: string) {
  if (value === null || value === undefined || exact(value).decimalPlaces() <= most) return []
  return [`Field '${field}' has at most ${most} decimals (${what})`]
}

/** The decimals of what a patch sends: money at the currency's minor unit, unit amounts and multipliers finer. */
function decimalsProblems(patch: PricePatch, code: string): string[] {
  const minor = minorUnitsOf(code)
  const money = `the minor unit of ${code}`
  const problems = [
    ...decimalsProblem('amount', patch.amount, minor, money),
    ...decimalsProblem('cost', patch.cost, minor, money),
    ...decimalsProblem('floor_price', patch.floor_price, minor, money),
    ...decimalsProblem('cost_multiplier', patch.cost_multiplier, FINE_DECIMALS, 'a multiplier'),
    ...decimalsProblem('percent', patch.percent, PERCENT_DECIMALS, 'a percentage'),
  ]
  for (const field of ['volume_tiers', 'graduated_tiers'] as const) {
    for (const [i, tier] of (patch[field] ?? []).entries()) {
      const at = `${field}[${i}]`
      problems.push(
        ...decimalsProblem(`${at}.up_to`, tier.up_to, FINE_DECIMALS, 'a quantity'),
        ...decimalsProblem(`${at}.unit_amount`, tier.unit_amount, FINE_DECIMALS, 'a unit amount'),
        ...decimalsProblem(`${at}.flat_amount`, tier.flat_amount, minor, money),
      )
    }
  }
  return problems
}

/** A problem of validateTiers ("tiers[1].up_to must be …") naming the field it is about. */
function tierProblem(field: string, message: string): string {
  const [subject, ...rest] = message.replace(/\btiers\b/g, field).split(' ')
  return `Field '${subject}' ${rest.join(' ')}`
}

type Merged = Record<PricingField, unknown>

/** What the model of a price, as it will stand, lacks: each problem names its field. */
function modelProblems(price: Merged): string[] {
  const model = price.pricing_model as string | null
  const required = (field: PricingField, hint = '') =>
    price[field] === null ? [`Field '${field}' is required for pricing_model '${model}'${hint}`] : []
  switch (model) {
    case 'flat':
      return required('amount')
    case 'volume':
      return required('volume_tiers')
    case 'graduated':
      return required('graduated_tiers')
    case 'percentage': {
      const problems = [...required('percent'), ...required('price_percentage_type', ' (all | products)')]
      const ids = price.percentage_product_ids as string | null
      if (price.price_percentage_type === 'products' && (ids === null || JSON.parse(ids).length === 0)) {
        problems.push(
          "Field 'percentage_product_ids' must name at least one product when price_percentage_type is 'products'",
        )
      }
      return problems
    }
    case 'cost_plus':
      return [...required('cost'), ...required('cost_multiplier')]
    default:
      return []
  }
}

/** The price as a patch finds it, with what its checks need of its pricebook. */
function currentPrice(trx: Kysely<Database>, workspaceId: string, id: string) {
  return trx
    .selectFrom('prices as t')
    .innerJoin('pricebooks as pb', 'pb.id', 't.pricebook_id')
    .innerJoin('currencies as c', 'c.id', 'pb.currency_id')
    .selectAll('t')
    .select([
      'pb.type as pricebook_type',
      'pb.name as pricebook_name',
      'pb.currency_id',
      'c.code as currency_code',
    ])
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst()
}

/** The tax of the workspace `id` names, or undefined. */
function findTax(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('taxes as tx')
    .leftJoin('currencies as c', 'c.id', 'tx.currency_id')
    .select(['tx.id', 'tx.method', 'tx.rate', 'tx.amount', 'tx.currency_id', 'c.code as currency_code'])
    .where('tx.workspace_id', '=', workspaceId)
    .where(idEquals('tx.id', id))
    .executeTakeFirst()
}

/** An amount tax charges its currency: on a price in another one it means nothing. */
function taxCurrencyProblem(
  field: string,
  tax: { method: string; currency_id: string | null; currency_code: string | null },
  currencyId: string,
  code: string,
): string[] {
  if (tax.method !== 'amount' || tax.currency_id === currencyId) return []
  return [`Field '${field}' names an amount tax in ${tax.currency_code ?? 'no currency'}, not in ${code}`]
}

/** The variants of the workspace among `ids`. */
async function knownVariants(
  trx: Kysely<Database>,
  workspaceId: string,
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await trx
    .selectFrom('products')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('id', 'in', ids)
    .execute()
  return new Set(rows.map((r) => r.id))
}

/**
 * Applies a patch to a price: its identifiers always, its pricing only where it is its own (a price of a fixed
 * pricebook; a dynamic one follows its base price, 409). The dynamic prices that follow it then move with it.
 * False when there is no such price.
 */
export async function updatePrice(w: WriteContext, id: string, patch: PricePatch): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await currentPrice(trx, workspaceId, id)
  if (!current) return false
  const columns = pricingColumns(patch)
  const dynamic = current.pricebook_type === 'dynamic' || current.parent_price_id !== null
  if (dynamic) {
    // A GET sent back holds them unchanged: only a change is refused.
    const changed = PRICING_FIELDS.filter((f) => f in columns && !sameStored(f, current[f], columns[f]))
    if (changed.length > 0) {
      const base = current.parent_price_id
        ? `its base price (parent_price_id ${current.parent_price_id})`
        : 'its base price'
      throw new ApiError(
        'conflict',
        `This price follows ${base} through the rule of its dynamic pricebook '${current.pricebook_name}': ` +
          `${changed.map((f) => `'${f}'`).join(', ')} cannot be set on it; change the base price or the pricebook's ` +
          'rule. Only its identifiers are its own',
      )
    }
    for (const f of PRICING_FIELDS) delete columns[f]
  } else {
    const problems = decimalsProblems(patch, current.currency_code)
    for (const field of ['volume_tiers', 'graduated_tiers'] as const) {
      const tiers = patch[field]
      if (tiers) problems.push(...validateTiers(tiers).map((m) => tierProblem(field, m)))
    }
    const merged = { ...current, ...columns } as unknown as Merged
    problems.push(...modelProblems(merged))
    if (current.billing_frequency_id === null) {
      for (const field of ['engagement_type', 'period_duration'] as const) {
        if (patch[field] !== undefined && patch[field] !== null) {
          problems.push(`Field '${field}' is for recurring prices only: this price has no billing frequency`)
        }
      }
    }
    if (typeof columns.default_tax_id === 'string') {
      const tax = await findTax(trx, workspaceId, columns.default_tax_id)
      if (!tax) problems.push("Field 'default_tax_id' does not name a tax of this workspace")
      else
        problems.push(
          ...taxCurrencyProblem('default_tax_id', tax, current.currency_id, current.currency_code),
        )
    }
    if (typeof columns.percentage_product_ids === 'string') {
      const ids = JSON.parse(columns.percentage_product_ids) as string[]
      const known = await knownVariants(trx, workspaceId, ids.filter(isUuid))
      const unknown = ids.filter((i) => !known.has(i))
      if (unknown.length > 0) {
        problems.push(
          `Field 'percentage_product_ids' does not name a product of this workspace: ${unknown.join(', ')}`,
        )
      }
    }
    if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  }
  const identifiers: Record<string, unknown> = {}
  const sent = patch.identifiers ?? {}
  if (sent.crm !== undefined) identifiers.id_crm = sent.crm
  if (sent.erp !== undefined) identifiers.id_erp = sent.erp
  if (sent.accounting !== undefined) identifiers.id_accounting = sent.accounting
  // updateLive writes only what differs: a GET sent back unchanged keeps the version and records no event.
  await updateLive(trx, 'prices', workspaceId, id, { ...columns, ...identifiers }, { softDeleted: false })
  if (!dynamic) await refreshDerived(w, { parentPriceIds: [id] })
  return true
}

const money = (value: string) => Number(value)

/**
 * What `body.quantity` of a price costs, with its discount and tax: priced by the engine as a quote line of
 * its own. A price not filled in, or inactive, cannot be quoted (409); a percentage price is a percentage of
 * `base`, which stands for the other lines of a quote.
 */
export async function quotePrice(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  body: QuoteRequest,
): Promise<PriceQuote> {
  const row = await selectPrices(db)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('Price')
  const spec = priceSpecOf(row)
  if (!spec || row.pricing_model === null) {
    throw new ApiError(
      'conflict',
      'This price has no pricing yet: set its pricing_model and what the model needs (PATCH /api/prices/{id})',
    )
  }
  if (!isSet(row.is_active)) {
    throw new ApiError(
      'conflict',
      'This price is inactive (its product, catalog membership or billing frequency has gone): it cannot be quoted',
    )
  }
  const code = row.currency_code
  const minor = minorUnitsOf(code)
  const problems = decimalsProblem('quantity', body.quantity, FINE_DECIMALS, 'a quantity')
  const discount = body.discount
  if (discount?.type === 'percent') {
    if (discount.value > 100) problems.push("Field 'discount.value' is at most 100 for a percent discount")
    problems.push(...decimalsProblem('discount.value', discount.value, PERCENT_DECIMALS, 'a percentage'))
  } else if (discount) {
    problems.push(...decimalsProblem('discount.value', discount.value, minor, `the minor unit of ${code}`))
  }
  if (spec.model === 'percentage' && body.base === undefined) {
    problems.push(
      "Field 'base' is required to quote a percentage price: it is a percentage of the other lines of a quote, " +
        'which base stands for',
    )
  } else if (spec.model !== 'percentage' && body.base !== undefined) {
    problems.push(`Field 'base' is for percentage prices only: this one is ${spec.model}`)
  } else {
    problems.push(...decimalsProblem('base', body.base, minor, `the minor unit of ${code}`))
  }
  const taxId = body.tax_id === undefined ? row.default_tax_id : body.tax_id
  let tax: TaxSpec | undefined
  if (taxId !== null) {
    const found = await findTax(db, workspaceId, taxId)
    if (!found) problems.push("Field 'tax_id' does not name a tax of this workspace")
    else {
      problems.push(
        ...taxCurrencyProblem(
          body.tax_id === undefined ? 'default_tax_id' : 'tax_id',
          found,
          row.currency_id,
          code,
        ),
      )
      tax =
        found.method === 'percentage'
          ? { method: 'percentage', rate: found.rate ?? '0' }
          : { method: 'amount', amount: found.amount ?? '0' }
    }
  }
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  const line: PricedLine = priceLine(
    {
      key: row.id,
      product_id: row.product_id,
      price: spec,
      quantity: exact(body.quantity),
      ...(discount ? { discount: { type: discount.type, value: exact(discount.value) } as Discount } : {}),
      ...(tax ? { tax } : {}),
      floor_price: row.floor_price,
    },
    { minorUnits: minor, ...(body.base !== undefined ? { percentageBase: exact(body.base) } : {}) },
  )
  return {
    price_id: row.id,
    currency: code,
    pricing_model: row.pricing_model,
    quantity: body.quantity,
    unit_price: money(line.unit_price),
    list_amount: money(line.list_amount),
    discount_amount: money(line.discount_amount),
    net_amount: money(line.net_amount),
    tax_amount: money(line.tax_amount),
    total_amount: money(line.total_amount),
    tiers: line.tiers.map((t) => ({
      up_to: t.up_to === null ? null : Number(t.up_to),
      quantity: Number(t.quantity),
      unit_amount: Number(t.unit_amount),
      flat_amount: Number(t.flat_amount),
      amount: Number(t.amount),
    })),
    below_floor: line.below_floor,
    tax_id: taxId === null || !tax ? null : taxId.toLowerCase(),
  }
}
