import { Decimal } from 'decimal.js'

// The pricing engine, with no I/O: a price model turns a quantity into a list amount, then come a line discount,
// a share of the document discount and a tax. Each line amount is rounded once, at the currency's minor unit, half
// away from zero; document totals are sums of the rounded lines, so the lines always add up to the document.

/** 50 significant digits, not decimal.js's default 20: quantity × price × percentage stays exact. */
const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_UP })
const ZERO = new D(0)
/** Significant digits of a unit price that is a quotient (a tiered amount over the quantity), such as 100 / 3. */
const QUOTIENT_DIGITS = 20

/** A decimal as a client writes it; a number stands for its shortest form (0.1, not 0.1000000000000000055…). */
export type DecimalInput = string | number | Decimal
export interface Tier {
  up_to: DecimalInput | null
  unit_amount: DecimalInput | null
  flat_amount: DecimalInput | null
}
export type PriceSpec =
  | { model: 'flat'; amount: DecimalInput }
  | { model: 'volume'; tiers: readonly Tier[] }
  | { model: 'graduated'; tiers: readonly Tier[] }
  /** `of`: the product ids whose lines make the base; omitted, every line that is not a percentage. */
  | { model: 'percentage'; percent: DecimalInput; of?: readonly string[] }
  | { model: 'cost_plus'; cost: DecimalInput; cost_multiplier: DecimalInput }
/** `rate` is a percentage (20 for 20 %); `amount` is charged per unit (an eco-contribution of 0.15 a unit). */
export type TaxSpec =
  | { method: 'percentage'; rate: DecimalInput }
  | { method: 'amount'; amount: DecimalInput }
/** `value` is a percentage (0–100) or an amount off the whole line or document, not per unit. */
export interface Discount {
  type: 'percent' | 'amount'
  value: DecimalInput
}
export interface LineInput {
  key: string
  product_id?: string
  price: PriceSpec
  quantity: DecimalInput
  /** Replaces the price model: the line is unit_price × quantity. */
  unit_price?: DecimalInput | null
  discount?: Discount | null
  tax?: TaxSpec | null
  floor_price?: DecimalInput | null
}
/** One tier's part of a tiered line; `amount` is exact (units × unit_amount + flat_amount), the line rounds once. */
export interface TierPart {
  up_to: string | null
  quantity: string
  unit_amount: string
  flat_amount: string
  amount: string
}
export interface PricedLine {
  key: string
  unit_price: string
  list_amount: string
  discount_amount: string
  /** list_amount − discount_amount: what the line weighs in the document discount. */
  subtotal_amount: string
  /** This line's share of the document discount. */
  document_discount_amount: string
  net_amount: string
  tax_amount: string
  total_amount: string
  tiers: TierPart[]
  below_floor: boolean
}
export interface DocumentResult {
  lines: PricedLine[]
  subtotal: string
  discount_amount: string
  net_amount: string
  tax_amount: string
  total_amount: string
}

/** Rounds at `minorUnits` decimals, ties away from zero (0.125 → 0.13, −0.125 → −0.13). */
export function roundMoney(value: DecimalInput, minorUnits: number): Decimal {
  return decimal(value, 'value').toDecimalPlaces(minorUnitsOf(minorUnits), D.ROUND_HALF_UP)
}

/** A line priced on its own: no document discount; a percentage line takes its base from `percentageBase`. */
export function priceLine(
  line: LineInput,
  options: { minorUnits: number; percentageBase?: DecimalInput },
): PricedLine {
  const minorUnits = minorUnitsOf(options.minorUnits)
  const base = decimal(options.percentageBase ?? 0, 'percentageBase')
  return finish(draft(line, minorUnits, base), ZERO, minorUnits)
}

/**
 * A document: lines that are not percentages are priced first, since their subtotals make the bases of the
 * percentage lines; then the document discount comes off the subtotal, split across the lines in proportion to
 * their subtotals, and each line's tax is computed on what remains of it.
 */
export function priceDocument(
  lines: readonly LineInput[],
  options: { minorUnits: number; discount?: Discount | null },
): DocumentResult {
  const minorUnits = minorUnitsOf(options.minorUnits)
  const drafts: Draft[] = []
  lines.forEach((line, i) => {
    if (line.price.model !== 'percentage') drafts[i] = draft(line, minorUnits, ZERO)
  })
  lines.forEach((line, i) => {
    if (line.price.model !== 'percentage') return
    const of = line.price.of
    const inBase = (other: LineInput) =>
      other.price.model !== 'percentage' &&
      (!of || (other.product_id !== undefined && of.includes(other.product_id)))
    drafts[i] = draft(
      line,
      minorUnits,
      sum(lines.map((other, j) => (inBase(other) ? drafts[j]!.subtotal : ZERO))),
    )
  })
  const subtotals = drafts.map((d) => d.subtotal)
  const subtotal = sum(subtotals)
  const discount = discountOff(options.discount, subtotal, minorUnits, 'discount')
  const shares = allocate(discount, subtotals, minorUnits)
  const priced = drafts.map((d, i) => finish(d, shares[i]!, minorUnits))
  const total = (field: 'net_amount' | 'tax_amount' | 'total_amount') =>
    sum(priced.map((line) => new D(line[field]))).toFixed(minorUnits)
  return {
    lines: priced,
    subtotal: subtotal.toFixed(minorUnits),
    discount_amount: discount.toFixed(minorUnits),
    net_amount: total('net_amount'),
    tax_amount: total('tax_amount'),
    total_amount: total('total_amount'),
  }
}

/** Everything wrong with a list of tiers, one sentence each; empty when the tiers can price any quantity. */
export function validateTiers(tiers: readonly Tier[]): string[] {
  if (tiers.length === 0) return ['tiers must hold at least one tier']
  const problems: string[] = []
  let previous: Decimal | undefined
  tiers.forEach((tier, i) => {
    const at = `tiers[${i}]`
    const last = i === tiers.length - 1
    if (tier.up_to == null) {
      if (!last) problems.push(`${at}.up_to may be null only in the last tier`)
      previous = undefined
    } else {
      const upTo = parse(tier.up_to)
      if (upTo === undefined) problems.push(`${at}.up_to must be a number`)
      else if (upTo.lte(0)) problems.push(`${at}.up_to must be greater than 0`)
      else if (previous?.gte(upTo)) {
        problems.push(`${at}.up_to must be greater than tiers[${i - 1}].up_to (${previous.toFixed()})`)
      }
      if (last) problems.push(`${at}.up_to must be null: the last tier has no upper bound`)
      previous = upTo
    }
    for (const field of ['unit_amount', 'flat_amount'] as const) {
      const value = tier[field]
      if (value == null) continue
      const amount = parse(value)
      if (amount === undefined) problems.push(`${at}.${field} must be a number`)
      else if (amount.lt(0)) problems.push(`${at}.${field} must be greater than or equal to 0`)
    }
    if (tier.unit_amount == null && tier.flat_amount == null) {
      problems.push(`${at} must have a unit_amount or a flat_amount`)
    }
  })
  return problems
}

/** A line up to its subtotal: what it is before the document discount and the tax. */
interface Draft {
  key: string
  quantity: Decimal
  unit: Decimal
  list: Decimal
  discount: Decimal
  subtotal: Decimal
  tiers: TierPart[]
  belowFloor: boolean
  tax: TaxSpec | null
}

/** What a price model makes of a quantity: the list unit price and the exact, unrounded amount. */
interface Listed {
  unit: Decimal
  amount: Decimal
  tiers: TierPart[]
}

interface Step {
  up_to: Decimal | null
  unit: Decimal
  flat: Decimal
}

function draft(line: LineInput, minorUnits: number, base: Decimal): Draft {
  const quantity = decimal(line.quantity, 'quantity')
  if (quantity.lt(0))
    throw new RangeError(`quantity must be greater than or equal to 0 (got ${quantity.toFixed()})`)
  const listed =
    line.unit_price == null
      ? listPrice(line.price, quantity, base)
      : perUnit(decimal(line.unit_price, 'unit_price'), quantity)
  const list = roundMoney(listed.amount, minorUnits)
  const discount = discountOff(line.discount, list, minorUnits, 'discount')
  const floor = line.floor_price == null ? null : decimal(line.floor_price, 'floor_price')
  return {
    key: line.key,
    quantity,
    unit: listed.unit,
    list,
    discount,
    subtotal: list.minus(discount),
    tiers: listed.tiers,
    belowFloor: floor !== null && effectiveUnit(listed, quantity, line.discount).lt(floor),
    tax: line.tax ?? null,
  }
}

function listPrice(price: PriceSpec, quantity: Decimal, base: Decimal): Listed {
  switch (price.model) {
    case 'flat':
      return perUnit(decimal(price.amount, 'price.amount'), quantity)
    case 'cost_plus':
      return perUnit(
        decimal(price.cost, 'price.cost').times(decimal(price.cost_multiplier, 'price.cost_multiplier')),
        quantity,
      )
    case 'percentage':
      return perUnit(decimal(price.percent, 'price.percent').div(100).times(base), quantity)
    case 'volume':
      return volume(steps(price.tiers), quantity)
    case 'graduated':
      return graduated(steps(price.tiers), quantity)
  }
}

function perUnit(unit: Decimal, quantity: Decimal): Listed {
  return { unit, amount: unit.times(quantity), tiers: [] }
}

/** The whole quantity at the price of the tier it reaches. No quantity costs nothing, flat_amount included. */
function volume(tiers: Step[], quantity: Decimal): Listed {
  if (quantity.isZero()) return { unit: tiers[0]!.unit, amount: ZERO, tiers: [] }
  const tier = tiers.find((t) => t.up_to === null || quantity.lte(t.up_to))!
  const amount = quantity.times(tier.unit).plus(tier.flat)
  return { unit: quotient(amount, quantity), amount, tiers: [tierPart(tier, quantity, amount)] }
}

/** Each tier prices the units that fall in it; a tier's flat_amount is due once any unit falls in it. */
function graduated(tiers: Step[], quantity: Decimal): Listed {
  const parts: TierPart[] = []
  let amount = ZERO
  let below = ZERO
  for (const tier of tiers) {
    if (quantity.lte(below)) break
    const units = (tier.up_to === null ? quantity : D.min(quantity, tier.up_to)).minus(below)
    const tierAmount = units.times(tier.unit).plus(tier.flat)
    parts.push(tierPart(tier, units, tierAmount))
    amount = amount.plus(tierAmount)
    below = tier.up_to ?? quantity
  }
  const unit = quantity.isZero() ? tiers[0]!.unit : quotient(amount, quantity)
  return { unit, amount, tiers: parts }
}

function steps(tiers: readonly Tier[]): Step[] {
  const problems = validateTiers(tiers)
  if (problems.length > 0) throw new RangeError(problems.join('; '))
  return tiers.map((t) => ({
    up_to: t.up_to == null ? null : decimal(t.up_to, 'up_to'),
    unit: decimal(t.unit_amount ?? 0, 'unit_amount'),
    flat: decimal(t.flat_amount ?? 0, 'flat_amount'),
  }))
}

function tierPart(tier: Step, quantity: Decimal, amount: Decimal): TierPart {
  return {
    up_to: tier.up_to === null ? null : tier.up_to.toFixed(),
    quantity: quantity.toFixed(),
    unit_amount: tier.unit.toFixed(),
    flat_amount: tier.flat.toFixed(),
    amount: amount.toFixed(),
  }
}

/**
 * The unit price after the line discount, unrounded: compared with the floor price as such, since rounding the
 * line could put a unit price equal to the floor a fraction of a cent below it.
 */
function effectiveUnit(listed: Listed, quantity: Decimal, discount: Discount | null | undefined): Decimal {
  if (discount == null) return listed.unit
  const value = decimal(discount.value, 'discount.value')
  if (discount.type === 'percent') return listed.unit.times(new D(100).minus(value)).div(100)
  if (quantity.isZero()) return listed.unit
  return listed.unit.minus(D.min(value, D.max(listed.amount, 0)).div(quantity))
}

/** A discount off a rounded amount: rounded, never more than the amount, nothing off an amount that is not positive. */
function discountOff(
  discount: Discount | null | undefined,
  amount: Decimal,
  minorUnits: number,
  field: string,
): Decimal {
  if (discount == null) return ZERO
  const value = decimal(discount.value, `${field}.value`)
  if (value.lt(0)) throw new RangeError(`${field}.value must be greater than or equal to 0`)
  if (discount.type === 'percent' && value.gt(100)) throw new RangeError(`${field}.value must be at most 100`)
  if (amount.lte(0)) return ZERO
  const off = discount.type === 'percent' ? amount.times(value).div(100) : value
  return D.min(roundMoney(off, minorUnits), amount)
}

/**
 * Splits `total` across the lines in proportion to their positive weights, in whole minor units: each line gets
 * the floor of its exact share, and the units left over go to the largest remainders (the earlier line on a tie),
 * so the shares add up to exactly `total`. Integer arithmetic, so no share is off by a rounded quotient.
 */
function allocate(total: Decimal, weights: Decimal[], minorUnits: number): Decimal[] {
  const scale = new D(10).pow(minorUnits)
  const units = (d: Decimal) => BigInt(d.times(scale).toFixed(0))
  const whole = units(total)
  const w = weights.map((d) => (d.gt(0) ? units(d) : 0n))
  const sumW = w.reduce((a, b) => a + b, 0n)
  if (whole === 0n || sumW === 0n) return weights.map(() => ZERO)
  const shares = w.map((x) => (whole * x) / sumW)
  const remainder = w.map((x) => (whole * x) % sumW)
  let left = whole - shares.reduce((a, b) => a + b, 0n)
  const order = w
    .map((_, i) => i)
    .sort((a, b) => (remainder[a]! === remainder[b]! ? a - b : remainder[a]! > remainder[b]! ? -1 : 1))
  for (const i of order) {
    if (left === 0n) break
    shares[i]! += 1n
    left -= 1n
  }
  return shares.map((s) => new D(s.toString()).div(scale))
}

function finish(d: Draft, share: Decimal, minorUnits: number): PricedLine {
  const net = d.subtotal.minus(share)
  const tax =
    d.tax === null
      ? ZERO
      : roundMoney(
          d.tax.method === 'percentage'
            ? net.times(decimal(d.tax.rate, 'tax.rate')).div(100)
            : decimal(d.tax.amount, 'tax.amount').times(d.quantity),
          minorUnits,
        )
  const money = (value: Decimal) => value.toFixed(minorUnits)
  return {
    key: d.key,
    unit_price: d.unit.toFixed(),
    list_amount: money(d.list),
    discount_amount: money(d.discount),
    subtotal_amount: money(d.subtotal),
    document_discount_amount: money(share),
    net_amount: money(net),
    tax_amount: money(tax),
    total_amount: money(net.plus(tax)),
    tiers: d.tiers,
    below_floor: d.belowFloor,
  }
}

function quotient(amount: Decimal, quantity: Decimal): Decimal {
  return amount.div(quantity).toSignificantDigits(QUOTIENT_DIGITS)
}

function sum(values: Decimal[]): Decimal {
  return values.reduce((a, b) => a.plus(b), ZERO)
}

function parse(value: DecimalInput): Decimal | undefined {
  try {
    const d = new D(typeof value === 'number' ? String(value) : value)
    return d.isFinite() ? d : undefined
  } catch {
    return undefined
  }
}

function decimal(value: DecimalInput, field: string): Decimal {
  const d = parse(value)
  if (d === undefined) throw new RangeError(`${field} must be a finite decimal (got ${String(value)})`)
  return d
}

function minorUnitsOf(minorUnits: number): number {
  if (!Number.isInteger(minorUnits) || minorUnits < 0) {
    throw new RangeError(`minorUnits must be a whole number >= 0 (got ${minorUnits})`)
  }
  return minorUnits
}
