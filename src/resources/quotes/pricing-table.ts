import { Decimal } from 'decimal.js'
import type { Kysely, Selectable } from 'kysely'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { Database, QuoteLineTable, QuoteTable } from '../../db/types.ts'
import { minorUnitsOf } from '../../domain/currencies.ts'
import { isUuid } from '../../domain/ids.ts'
import { exact } from '../../domain/installments.ts'
import {
  type Discount,
  type LineInput,
  type PricedLine,
  type PriceSpec,
  priceDocument,
  priceLine,
  roundMoney,
  type TaxSpec,
} from '../../domain/pricing.ts'
import { ApiError } from '../../http/errors.ts'
import { updateLive } from '../../kernel/store.ts'
import { author, type WriteContext } from '../../kernel/write.ts'
import { priceSpecOf, selectPrices } from '../prices/store.ts'
import { INTERVALS, type LineItemInput, type QuoteSummary, type ScheduleItem } from './schema.ts'

// A quote's pricing table: what a line copies when it is set (variant, price row, tax, recurrence), and the
// totals the pricing engine (domain/pricing.ts) makes of the lines, at the minor unit of the quote's currency.
//
// - Line discounts come first, then the quote discount: a percent comes off every line (one-off and
//   recurring alike); an amount is shared over the one-off lines only, in proportion to their subtotals
//   (Qwoty's "amount off order" is for one-off products only).
// - Each line amount is rounded once; the summary sums rounded lines, one-off apart and recurring lines by
//   (interval, interval_count); the quote's net/tax/total sum every line, one period of each recurring one.
// - The payment schedule splits the one-off total (tax included) by the payment term's installments: each
//   rounded at the minor unit, the remainder on the last. Recurring lines are billed at their own interval.

/** Decimals of a quantity and of a unit price override, whatever the currency. */
const FINE_DECIMALS = 6
const PERCENT_DECIMALS = 4

/** What a line is built and priced in: the quote's pricebook and currency. */
export interface QuoteRef {
  id: string
  workspace_id: string
  pricebook_id: string
  currency: string
}

/** A line as buildLine makes it: every copy and input, amounts to be set by the engine; no place yet. */
export type BuiltLine = Omit<
  Selectable<QuoteLineTable>,
  'id' | 'phase_id' | 'rank' | 'created_at' | 'updated_at'
>

/** The tax a line copies: what it shows and what the engine needs. */
export interface TaxCopy {
  id: string
  name: string
  method: 'percentage' | 'amount'
  rate: string | null
  amount: string | null
}

/** The product a line copies. */
export interface ProductCopy {
  product_id: string
  name: string
  unit_of_measure: string | null
}

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)

function decimalsProblem(field: string, value: number | null | undefined, most: number, what: string) {
  if (value === null || value === undefined || exact(value).decimalPlaces() <= most) return []
  return [`Field '${field}' has at most ${most} decimals (${what})`]
}

/** What is wrong with a discount as given (percent at most 100, decimals), naming `field`. */
export function discountProblems(
  field: string,
  discount: { type: 'percent' | 'amount'; value: number } | null | undefined,
  currency: string,
): string[] {
  if (!discount) return []
  if (discount.type === 'percent') {
    return [
      ...(discount.value > 100 ? [`Field '${field}.value' is at most 100 for a percent discount`] : []),
      ...decimalsProblem(`${field}.value`, discount.value, PERCENT_DECIMALS, 'a percentage'),
    ]
  }
  return decimalsProblem(
    `${field}.value`,
    discount.value,
    minorUnitsOf(currency),
    `the minor unit of ${currency}`,
  )
}

type PriceRow = Awaited<ReturnType<ReturnType<typeof selectPrices>['execute']>>[number]

/** Shorter intervals first: a recurring variant without a billing frequency takes its shortest. */
const DAYS: Record<string, number> = { day: 1, week: 7, month: 30, year: 365 }
const spanOf = (row: PriceRow) => (DAYS[row.bf_unit ?? ''] ?? 0) * (row.bf_period ?? 0)

/** What the lines of a write need, read in a few statements: variants, price rows, taxes. */
async function readCatalog(
  trx: Kysely<Database>,
  workspaceId: string,
  pricebookId: string,
  inputs: readonly LineItemInput[],
) {
  const variantIds = [...new Set(inputs.map((i) => i.product_id.toLowerCase()).filter(isUuid))]
  const taxIds = [
    ...new Set(
      inputs.flatMap((i) =>
        typeof i.tax_id === 'string' && isUuid(i.tax_id) ? [i.tax_id.toLowerCase()] : [],
      ),
    ),
  ]
  const variants =
    variantIds.length === 0
      ? []
      : await trx
          .selectFrom('products')
          .select(['id', 'name', 'unit_of_measure', 'is_active'])
          .where('workspace_id', '=', workspaceId)
          .where('deleted_at', 'is', null)
          .where('id', 'in', variantIds)
          .execute()
  const prices =
    variantIds.length === 0
      ? []
      : await selectPrices(trx)
          .where('t.workspace_id', '=', workspaceId)
          .where('t.pricebook_id', '=', pricebookId)
          .where('t.product_id', 'in', variantIds)
          .execute()
  const taxes =
    taxIds.length === 0 ? [] : await selectTaxes(trx, workspaceId).where('tx.id', 'in', taxIds).execute()
  const pricebook = await trx
    .selectFrom('pricebooks')
    .select('name')
    .where('id', '=', pricebookId)
    .executeTakeFirstOrThrow()
  const pricesOf = new Map<string, PriceRow[]>()
  for (const p of prices) pricesOf.set(p.product_id, [...(pricesOf.get(p.product_id) ?? []), p])
  return {
    pricebookName: pricebook.name,
    variants: new Map(variants.map((v) => [v.id, v])),
    pricesOf,
    taxes: new Map(taxes.map((t) => [t.id, t])),
  }
}

function selectTaxes(trx: Kysely<Database>, workspaceId: string) {
  return trx
    .selectFrom('taxes as tx')
    .leftJoin('currencies as c', 'c.id', 'tx.currency_id')
    .select([
      'tx.id',
      'tx.name',
      'tx.method',
      'tx.rate',
      'tx.amount',
      'tx.is_active',
      'c.code as currency_code',
    ])
    .where('tx.workspace_id', '=', workspaceId)
}

type Catalog = Awaited<ReturnType<typeof readCatalog>>

/** The price row a line uses: the one it names, else the variant's for its billing frequency. */
function choosePrice(
  input: LineItemInput,
  rows: readonly PriceRow[],
  at: string,
  pricebook: string,
  problems: string[],
): PriceRow | undefined {
  if (input.price_id !== undefined) {
    const row = rows.find((r) => r.id === input.price_id!.toLowerCase())
    if (!row) {
      problems.push(
        `Field '${at}.price_id' does not name a price of this product in the quote's pricebook '${pricebook}'`,
      )
    } else if (
      input.billing_frequency_id !== undefined &&
      row.billing_frequency_id !== input.billing_frequency_id.toLowerCase()
    ) {
      problems.push(`Field '${at}.billing_frequency_id' is not the billing frequency of the price ${row.id}`)
    }
    return row
  }
  if (input.billing_frequency_id !== undefined) {
    const row = rows.find((r) => r.billing_frequency_id === input.billing_frequency_id!.toLowerCase())
    if (!row) {
      problems.push(
        `Field '${at}.billing_frequency_id' names no billing frequency this product has a price for in the quote's pricebook '${pricebook}'`,
      )
    }
    return row
  }
  const live = rows.filter((r) => isSet(r.is_active))
  const oneOff = live.find((r) => r.billing_frequency_id === null)
  const row = oneOff ?? [...live].sort((a, b) => spanOf(a) - spanOf(b))[0]
  if (!row)
    problems.push(`Field '${at}.product_id' has no active price in the quote's pricebook '${pricebook}'`)
  return row
}

/** One line's copies, or undefined with its problems pushed (each naming a field under `at`). */
function resolveLine(
  quote: QuoteRef,
  input: LineItemInput,
  at: string,
  catalog: Catalog,
  problems: string[],
): BuiltLine | undefined {
  const before = problems.length
  problems.push(
    ...decimalsProblem(`${at}.quantity`, input.quantity, FINE_DECIMALS, 'a quantity'),
    ...decimalsProblem(`${at}.unit_price`, input.unit_price, FINE_DECIMALS, 'a unit price'),
    ...discountProblems(`${at}.discount`, input.discount, quote.currency),
  )
  const variantId = input.product_id.toLowerCase()
  const variant = catalog.variants.get(variantId)
  if (!variant) {
    problems.push(`Field '${at}.product_id' does not name a product of this workspace`)
    return undefined
  }
  if (!isSet(variant.is_active)) problems.push(`Field '${at}.product_id' names an inactive product`)
  const row = choosePrice(input, catalog.pricesOf.get(variantId) ?? [], at, catalog.pricebookName, problems)
  if (!row) return undefined
  const spec = priceSpecOf(row)
  if (!isSet(row.is_active)) {
    problems.push(
      `Field '${at}.product_id' has an inactive price (${row.id}) in the quote's pricebook: it cannot be quoted`,
    )
  } else if (!spec || row.pricing_model === null) {
    problems.push(
      `Field '${at}.product_id' has a price (${row.id}) without pricing in the quote's pricebook: set its ` +
        'pricing_model and what the model needs (PATCH /api/prices/{id}) first',
    )
  }
  let tax: TaxCopy | null = null
  const chosen = input.tax_id !== undefined
  if (typeof input.tax_id === 'string') {
    const found = isUuid(input.tax_id) ? catalog.taxes.get(input.tax_id.toLowerCase()) : undefined
    if (!found) problems.push(`Field '${at}.tax_id' does not name a tax of this workspace`)
    else if (!isSet(found.is_active)) problems.push(`Field '${at}.tax_id' names an inactive tax`)
    else if (found.method === 'amount' && found.currency_code !== quote.currency) {
      problems.push(
        `Field '${at}.tax_id' names an amount tax in ${found.currency_code ?? 'no currency'}, not in ${quote.currency}`,
      )
    } else tax = taxCopy(found)
  } else if (!chosen) tax = defaultTaxOf(row)
  if (problems.length > before || !spec || row.pricing_model === null) return undefined
  const discount = input.discount ?? null
  return {
    workspace_id: quote.workspace_id,
    quote_id: quote.id,
    ...copiesOf(row, spec, {
      product_id: variant.id,
      name: variant.name,
      unit_of_measure: variant.unit_of_measure,
    }),
    tax: tax === null ? null : JSON.stringify(tax),
    tax_id: tax?.id ?? null,
    tax_chosen: flag(chosen),
    quantity: exact(input.quantity).toFixed(),
    unit_price_override: input.unit_price == null ? null : exact(input.unit_price).toFixed(),
    discount_type: discount?.type ?? null,
    discount_value: discount === null ? null : exact(discount.value).toFixed(),
    ...ZERO_AMOUNTS,
  }
}

/** Amounts until the engine sets them (recomputeQuote, or the create itself). */
const ZERO_AMOUNTS = {
  unit_price: '0',
  list_amount: '0',
  discount_amount: '0',
  subtotal_amount: '0',
  document_discount_amount: '0',
  net_amount: '0',
  tax_amount: '0',
  total_amount: '0',
  below_floor: 0,
  tiers: '[]',
} as const

/** What a line copies of its price row and variant: the spec the engine prices, list, floor, cost, recurrence. */
function copiesOf(row: PriceRow, spec: PriceSpec, product: ProductCopy) {
  return {
    product_id: product.product_id,
    product: JSON.stringify(product),
    price_id: row.id,
    price: JSON.stringify(spec),
    pricing_model: row.pricing_model!,
    list_price: spec.model === 'flat' ? new Decimal(spec.amount).toFixed() : null,
    floor_price: row.floor_price,
    cost: row.cost,
    billing_frequency_id: row.billing_frequency_id,
    interval: row.billing_frequency_id === null ? null : row.bf_unit,
    interval_count: row.billing_frequency_id === null ? null : row.bf_period,
  }
}

function taxCopy(t: {
  id: string
  name: string
  method: 'percentage' | 'amount'
  rate: string | null
  amount: string | null
}): TaxCopy {
  return { id: t.id, name: t.name, method: t.method, rate: t.rate, amount: t.amount }
}

function defaultTaxOf(row: PriceRow): TaxCopy | null {
  if (row.default_tax_id === null || row.tax_name === null || row.tax_method === null) return null
  return taxCopy({
    id: row.default_tax_id,
    name: row.tax_name,
    method: row.tax_method,
    rate: row.tax_rate,
    amount: row.tax_amount,
  })
}

/**
 * The lines of a write, each resolved against the quote's pricebook: a 400 naming every field at fault (each
 * under its own path, such as `pricing_table.sections[0].phases[0].line_items[2].product_id`).
 */
export async function buildLines(
  w: WriteContext,
  quote: QuoteRef,
  lines: readonly { input: LineItemInput; path: string }[],
  problems: string[] = [],
): Promise<BuiltLine[]> {
  const catalog = await readCatalog(
    w.trx,
    w.workspaceId,
    quote.pricebook_id,
    lines.map((l) => l.input),
  )
  const built = lines.map((l) => resolveLine(quote, l.input, l.path, catalog, problems))
  if (problems.length > 0) throw invalid(problems)
  return built as BuiltLine[]
}

/** One line of `quote` from its input, with its copies; a 400 whose problems name fields under `path`. */
export async function buildLine(
  w: WriteContext,
  quote: QuoteRef,
  input: LineItemInput,
  path: string,
): Promise<BuiltLine> {
  const [line] = await buildLines(w, quote, [{ input, path }])
  return line!
}

// ---------------------------------------------------------------------------------------------------------
// Totals.

/** The columns of a line the engine prices it from. */
export type PricingColumns = Pick<
  Selectable<QuoteLineTable>,
  | 'product_id'
  | 'price'
  | 'tax'
  | 'quantity'
  | 'unit_price_override'
  | 'discount_type'
  | 'discount_value'
  | 'floor_price'
  | 'interval'
  | 'interval_count'
>

/** What the engine gives a line: its columns as stored. */
export interface LineAmounts {
  unit_price: string
  list_price: string
  list_amount: string
  discount_amount: string
  subtotal_amount: string
  document_discount_amount: string
  net_amount: string
  tax_amount: string
  total_amount: string
  below_floor: 0 | 1
  tiers: string
}

/** What the engine gives a quote: its columns as stored. */
export interface QuoteAmounts {
  net_amount: string
  tax_amount: string
  total_amount: string
  summary: string
  payment_schedule: string
}

export interface Installment {
  order_number: number
  name: string | null
  percentage: string
  term: string
  custom_text: string | null
}

export interface QuoteDiscount {
  discount_type: 'percent' | 'amount' | null
  discount_value: string | null
}

function engineLine(line: PricingColumns, key: string): LineInput {
  const tax = line.tax === null ? null : (JSON.parse(line.tax) as TaxCopy)
  const taxSpec: TaxSpec | null =
    tax === null
      ? null
      : tax.method === 'percentage'
        ? { method: 'percentage', rate: tax.rate ?? '0' }
        : { method: 'amount', amount: tax.amount ?? '0' }
  return {
    key,
    product_id: line.product_id,
    price: JSON.parse(line.price) as PriceSpec,
    quantity: line.quantity,
    unit_price: line.unit_price_override,
    discount:
      line.discount_type === null || line.discount_value === null
        ? null
        : { type: line.discount_type, value: line.discount_value },
    tax: taxSpec,
    floor_price: line.floor_price,
  }
}

const isOneOff = (line: PricingColumns) => line.interval === null

/**
 * The amounts of every line and of the quote, priced by the engine: lines in the order given (the document's:
 * section, phase, line), which decides who gets a leftover minor unit of a shared discount.
 */
export function priceQuote(
  lines: readonly PricingColumns[],
  quote: QuoteDiscount & { currency: string },
  installments: readonly Installment[],
): { lines: LineAmounts[]; quote: QuoteAmounts } {
  const minorUnits = minorUnitsOf(quote.currency)
  const inputs = lines.map((l, i) => engineLine(l, String(i)))
  const discount: Discount | null =
    quote.discount_type === null || quote.discount_value === null
      ? null
      : { type: quote.discount_type, value: quote.discount_value }
  let priced: PricedLine[]
  if (discount?.type === 'amount') {
    // Priced once without the discount (percentage lines take their base from every line), then the one-off
    // lines again with it, percentage lines fixed at the unit price the first pass gave them.
    const first = priceDocument(inputs, { minorUnits })
    const oneOff = inputs.flatMap((input, i) =>
      isOneOff(lines[i]!)
        ? [
            input.price.model === 'percentage' && input.unit_price == null
              ? { ...input, unit_price: first.lines[i]!.unit_price }
              : input,
          ]
        : [],
    )
    if (oneOff.length === 0) {
      throw new ApiError(
        'conflict',
        "The quote's amount discount comes off one-off lines only, and it has none: remove the discount " +
          '(PATCH /api/quotes/{id} {"discount": null}) or make it a percent',
      )
    }
    const second = priceDocument(oneOff, { minorUnits, discount })
    const byKey = new Map(second.lines.map((l) => [l.key, l]))
    priced = first.lines.map((l) => byKey.get(l.key) ?? l)
  } else {
    priced = priceDocument(inputs, { minorUnits, discount }).lines
  }
  const amounts = priced.map((p, i) => lineAmounts(inputs[i]!, p, priced, inputs))
  return { lines: amounts, quote: quoteAmounts(lines, amounts, minorUnits, installments) }
}

/** The list unit price: the model's, whatever override the line has (a tiered model's at its quantity). */
function listPriceOf(input: LineInput, priced: PricedLine, all: PricedLine[], inputs: LineInput[]): Decimal {
  const price = input.price
  switch (price.model) {
    case 'flat':
      return new Decimal(price.amount)
    case 'cost_plus':
      return new Decimal(price.cost).times(price.cost_multiplier)
    case 'percentage': {
      const base = all.reduce((sum, other, j) => {
        const o = inputs[j]!
        const inBase =
          o.price.model !== 'percentage' &&
          (!price.of || (o.product_id !== undefined && price.of.includes(o.product_id)))
        return inBase ? sum.plus(other.subtotal_amount) : sum
      }, new Decimal(0))
      return new Decimal(price.percent).div(100).times(base)
    }
    default:
      return input.unit_price == null
        ? new Decimal(priced.unit_price)
        : new Decimal(
            priceLine({ ...input, unit_price: null, discount: null, tax: null }, { minorUnits: 0 })
              .unit_price,
          )
  }
}

function lineAmounts(input: LineInput, p: PricedLine, all: PricedLine[], inputs: LineInput[]): LineAmounts {
  return {
    unit_price: p.unit_price,
    list_price: listPriceOf(input, p, all, inputs).toFixed(),
    list_amount: p.list_amount,
    discount_amount: p.discount_amount,
    subtotal_amount: p.subtotal_amount,
    document_discount_amount: p.document_discount_amount,
    net_amount: p.net_amount,
    tax_amount: p.tax_amount,
    total_amount: p.total_amount,
    below_floor: flag(p.below_floor),
    tiers: JSON.stringify(p.tiers),
  }
}

type Group = { list: Decimal; discount: Decimal; net: Decimal; tax: Decimal; total: Decimal }
const emptyGroup = (): Group => ({
  list: new Decimal(0),
  discount: new Decimal(0),
  net: new Decimal(0),
  tax: new Decimal(0),
  total: new Decimal(0),
})

function add(group: Group, a: LineAmounts): void {
  group.list = group.list.plus(a.list_amount)
  group.discount = group.discount.plus(a.discount_amount).plus(a.document_discount_amount)
  group.net = group.net.plus(a.net_amount)
  group.tax = group.tax.plus(a.tax_amount)
  group.total = group.total.plus(a.total_amount)
}

/** A group's totals as the summary stores them: decimal strings at the minor unit. */
function stored(group: Group, minorUnits: number) {
  return {
    net_amount: group.net.toFixed(minorUnits),
    tax_amount: group.tax.toFixed(minorUnits),
    total_amount: group.total.toFixed(minorUnits),
    list_amount: group.list.toFixed(minorUnits),
    discount_amount: group.discount.toFixed(minorUnits),
  }
}

/** The summary as stored: amounts are decimal strings (the read serves them as numbers). */
export type StoredSummary = {
  [K in keyof QuoteSummary]: K extends 'one_off'
    ? Record<keyof QuoteSummary['one_off'], string>
    : (Omit<QuoteSummary['recurring'][number], keyof QuoteSummary['one_off']> &
        Record<keyof QuoteSummary['one_off'], string>)[]
}
export type StoredScheduleItem = Omit<ScheduleItem, 'percentage' | 'amount'> & {
  percentage: string
  amount: string
}

function quoteAmounts(
  lines: readonly PricingColumns[],
  amounts: LineAmounts[],
  minorUnits: number,
  installments: readonly Installment[],
): QuoteAmounts {
  const all = emptyGroup()
  const oneOff = emptyGroup()
  const recurring = new Map<string, { interval: string; count: number; group: Group }>()
  lines.forEach((line, i) => {
    const a = amounts[i]!
    add(all, a)
    if (line.interval === null) add(oneOff, a)
    else {
      const key = `${line.interval}/${line.interval_count}`
      let entry = recurring.get(key)
      if (!entry) {
        entry = { interval: line.interval, count: line.interval_count ?? 1, group: emptyGroup() }
        recurring.set(key, entry)
      }
      add(entry.group, a)
    }
  })
  const order = (interval: string) => INTERVALS.indexOf(interval as (typeof INTERVALS)[number])
  const summary: StoredSummary = {
    one_off: stored(oneOff, minorUnits),
    recurring: [...recurring.values()]
      .sort((a, b) => order(a.interval) - order(b.interval) || a.count - b.count)
      .map((r) => ({
        interval: r.interval as (typeof INTERVALS)[number],
        interval_count: r.count,
        ...stored(r.group, minorUnits),
      })),
  }
  return {
    net_amount: all.net.toFixed(minorUnits),
    tax_amount: all.tax.toFixed(minorUnits),
    total_amount: all.total.toFixed(minorUnits),
    summary: JSON.stringify(summary),
    payment_schedule: JSON.stringify(schedule(oneOff.total, minorUnits, installments)),
  }
}

/** The installments as amounts of `total`: each rounded at the minor unit, the remainder on the last. */
export function schedule(
  total: Decimal,
  minorUnits: number,
  installments: readonly Installment[],
): StoredScheduleItem[] {
  let given = new Decimal(0)
  return installments.map((inst, i) => {
    const last = i === installments.length - 1
    const amount = last ? total.minus(given) : roundMoney(total.times(inst.percentage).div(100), minorUnits)
    given = given.plus(amount)
    return {
      order_number: inst.order_number,
      name: inst.name,
      percentage: new Decimal(inst.percentage).toFixed(),
      amount: amount.toFixed(minorUnits),
      term: inst.term as StoredScheduleItem['term'],
      custom_text: inst.custom_text,
    }
  })
}

/** The installments of a payment term, in order; none without one. */
export async function installmentsOf(
  trx: Kysely<Database>,
  workspaceId: string,
  paymentTermId: string | null,
): Promise<Installment[]> {
  if (paymentTermId === null) return []
  return trx
    .selectFrom('payment_term_installments')
    .select(['order_number', 'name', 'percentage', 'term', 'custom_text'])
    .where('workspace_id', '=', workspaceId)
    .where('payment_term_id', '=', paymentTermId)
    .orderBy('order_number')
    .orderBy('position')
    .execute()
}

/** Every line of a quote in the document's order: section, phase, line. */
export function linesInOrder(trx: Kysely<Database>, workspaceId: string, quoteId: string) {
  return trx
    .selectFrom('quote_lines as l')
    .innerJoin('quote_phases as p', 'p.id', 'l.phase_id')
    .innerJoin('quote_sections as s', 's.id', 'p.section_id')
    .selectAll('l')
    .where('l.workspace_id', '=', workspaceId)
    .where('l.quote_id', '=', quoteId)
    .orderBy('s.rank')
    .orderBy('p.rank')
    .orderBy('l.rank')
    .execute()
}

const LINE_AMOUNT_COLUMNS = [
  'unit_price',
  'list_price',
  'list_amount',
  'discount_amount',
  'subtotal_amount',
  'document_discount_amount',
  'net_amount',
  'tax_amount',
  'total_amount',
] as const

function sameAmounts(row: Selectable<QuoteLineTable>, a: LineAmounts): boolean {
  const eq = (x: string | null, y: string) => x !== null && new Decimal(x).equals(y)
  return (
    LINE_AMOUNT_COLUMNS.every((c) => eq(row[c], a[c])) &&
    isSet(row.below_floor) === (a.below_floor === 1) &&
    row.tiers === a.tiers
  )
}

/**
 * Prices the stored lines of a quote as it now stands and writes what changed: the lines' amounts, and the
 * quote's totals, summary and payment schedule, with extra quote `changes` (a PATCH's) in the same update.
 * The quote's version moves when anything of it changed, or always with `touch` (its lines changed).
 */
export async function writeTotals(
  w: WriteContext,
  quote: Pick<Selectable<QuoteTable>, 'id' | 'currency' | 'payment_term_id'> & QuoteDiscount,
  options: { touch: boolean; changes?: Record<string, unknown> },
): Promise<void> {
  const { trx, workspaceId } = w
  const at = nowIso()
  const lines = await linesInOrder(trx, workspaceId, quote.id)
  const installments = await installmentsOf(trx, workspaceId, quote.payment_term_id)
  const priced = priceQuote(lines, quote, installments)
  let touched = options.touch
  for (const [i, row] of lines.entries()) {
    const a = priced.lines[i]!
    if (sameAmounts(row, a)) continue
    touched = true
    await trx
      .updateTable('quote_lines')
      .set({ ...a, updated_at: at })
      .where('id', '=', row.id)
      .execute()
  }
  await updateLive(
    trx,
    'quotes',
    workspaceId,
    quote.id,
    { ...options.changes, ...priced.quote },
    {
      softDeleted: false,
      at,
      stamps: { updated_by: author(w) },
      touch: touched,
    },
  )
}

/**
 * Reprices every line of the quote from its stored copies (price spec, tax, discount, override), writes the
 * line amounts that changed, the quote's totals, summary and payment schedule, and moves the quote's version
 * (updated_at, updated_by): what every write of its pricing table ends with.
 */
export async function recomputeQuote(w: WriteContext, quoteId: string): Promise<void> {
  const quote = await w.trx
    .selectFrom('quotes')
    .select(['id', 'currency', 'payment_term_id', 'discount_type', 'discount_value'])
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', quoteId)
    .executeTakeFirst()
  if (!quote) throw new Error(`recomputeQuote: no quote ${quoteId}`)
  await writeTotals(w, quote, { touch: true })
}

/**
 * Refreshes every line of a quote from its pricebook as it now stands: the price spec, list price, floor,
 * cost, recurrence and product name and unit, and the price's default tax unless the line chose one; then
 * the totals. A 409 naming the lines whose price row is gone, inactive or not filled in.
 */
export async function repriceLines(
  w: WriteContext,
  quote: Pick<Selectable<QuoteTable>, 'id' | 'pricebook_id'>,
) {
  const { trx, workspaceId } = w
  const lines = await linesInOrder(trx, workspaceId, quote.id)
  const priceIds = [...new Set(lines.flatMap((l) => (l.price_id === null ? [] : [l.price_id])))]
  const variantIds = [...new Set(lines.map((l) => l.product_id))]
  const prices =
    priceIds.length === 0
      ? []
      : await selectPrices(trx)
          .where('t.workspace_id', '=', workspaceId)
          .where('t.pricebook_id', '=', quote.pricebook_id)
          .where('t.id', 'in', priceIds)
          .execute()
  const variants =
    variantIds.length === 0
      ? []
      : await trx
          .selectFrom('products')
          .select(['id', 'name', 'unit_of_measure'])
          .where('workspace_id', '=', workspaceId)
          .where('deleted_at', 'is', null)
          .where('id', 'in', variantIds)
          .execute()
  const priceById = new Map(prices.map((p) => [p.id, p]))
  const variantById = new Map(variants.map((v) => [v.id, v]))
  const gone: string[] = []
  const updates: [string, Record<string, unknown>][] = []
  for (const line of lines) {
    const row = line.price_id === null ? undefined : priceById.get(line.price_id)
    const spec = row && isSet(row.is_active) ? priceSpecOf(row) : undefined
    const product = JSON.parse(line.product) as ProductCopy
    if (!row || !spec) {
      gone.push(`${line.id} (${product.name})`)
      continue
    }
    const variant = variantById.get(line.product_id)
    const copies = copiesOf(
      row,
      spec,
      variant
        ? { product_id: variant.id, name: variant.name, unit_of_measure: variant.unit_of_measure }
        : product,
    )
    const fallback = defaultTaxOf(row)
    const tax = isSet(line.tax_chosen) ? {} : { tax: jsonOrNull(fallback), tax_id: fallback?.id ?? null }
    updates.push([line.id, { ...copies, ...tax }])
  }
  if (gone.length > 0) {
    throw new ApiError(
      'conflict',
      `These lines have no active, filled-in price in the quote's pricebook any more: ${gone.join(', ')}. ` +
        'Remove them, or give their products a price there, then reprice',
    )
  }
  const at = nowIso()
  for (const [id, changes] of updates) {
    await trx
      .updateTable('quote_lines')
      .set({ ...changes, updated_at: at })
      .where('id', '=', id)
      .execute()
  }
}

function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value)
}
