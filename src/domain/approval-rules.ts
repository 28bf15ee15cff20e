import { Decimal } from 'decimal.js'

// Approval rules (Qwoty §4.10): conditions on a quote, combined with AND or OR, and the steps of approval a
// quote that matches must go through. No I/O: `quoteFacts` reads what a quote and its lines store (plain
// data, decimals as strings), `ruleMatches` compares. Percentages are exact decimals, never floats.

export const CONDITION_FIELDS = [
  'discount_percent',
  'below_floor',
  'total_amount',
  'margin_percent',
  'customer_id',
  'segment_id',
] as const
export type ConditionField = (typeof CONDITION_FIELDS)[number]

export const CONDITION_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'in'] as const
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]

const COMPARISONS = ['gt', 'gte', 'lt', 'lte', 'eq'] as const

/** The operators each field takes, and the value they compare it with. */
export const FIELD_RULES: Record<ConditionField, { operators: readonly ConditionOperator[]; value: string }> =
  {
    discount_percent: { operators: COMPARISONS, value: 'a number of percent' },
    below_floor: { operators: ['eq'], value: 'true or false' },
    total_amount: { operators: COMPARISONS, value: 'a number (an amount in the quote currency)' },
    margin_percent: { operators: COMPARISONS, value: 'a number of percent' },
    customer_id: { operators: ['eq', 'in'], value: 'a customer id (eq) or a list of them (in)' },
    segment_id: { operators: ['eq', 'in'], value: 'a segment id (eq) or a list of them (in)' },
  }

export const APPROVER_ROLES = ['manager', 'admin'] as const
export type ApproverRole = (typeof APPROVER_ROLES)[number]

/** At most this many ids in an `in` list. */
export const MAX_IN_VALUES = 100

export interface Condition {
  field: ConditionField
  operator: ConditionOperator
  value: number | boolean | string | string[]
  /** total_amount only: the condition holds for quotes in this currency only (ISO code). */
  currency?: string | null
}

export interface RuleSpec {
  operator: 'and' | 'or'
  conditions: readonly Condition[]
}

export interface Step {
  name: string
  approver_role: ApproverRole
  approver_user_id?: string | null
}

/** What a rule's conditions look at, computed once per quote. */
export interface QuoteFacts {
  /** The largest of the line discounts (percent of list) and the quote discount (percent of subtotal). */
  discount_percent: Decimal
  /** Some line's unit price is under its floor price. */
  below_floor: boolean
  total_amount: Decimal
  currency: string
  /** (net − cost × quantity) / net × 100 over the lines that have a cost; null when none has (or net is 0). */
  margin_percent: Decimal | null
  customer_id: string
  segment_id: string | null
}

/** A stored quote line, as far as the facts need it: decimals as strings. */
export interface FactLine {
  quantity: string
  list_price: string | null
  unit_price_override: string | null
  list_amount: string
  discount_amount: string
  subtotal_amount: string
  document_discount_amount: string
  net_amount: string
  cost: string | null
  below_floor: boolean
}

export interface FactQuote {
  customer_id: string
  segment_id: string | null
  currency: string
  total_amount: string
}

const ZERO = new Decimal(0)
const HUNDRED = new Decimal(100)

/**
 * A line's discount in percent of what its list price asks: its discount over its list amount; and when its
 * unit price was overridden, what it charges under list_price × quantity, since an override is a discount
 * too (a unit price of 60 where the list says 100 is 40 %, with or without a line discount on top).
 */
function lineDiscountPercent(line: FactLine): Decimal {
  const overridden = line.unit_price_override !== null && line.list_price !== null
  const reference = overridden
    ? new Decimal(line.list_price!).times(line.quantity)
    : new Decimal(line.list_amount)
  if (reference.lte(0)) return ZERO
  const off = overridden ? reference.minus(line.subtotal_amount) : new Decimal(line.discount_amount)
  return Decimal.max(off, 0).div(reference).times(HUNDRED)
}

export function quoteFacts(quote: FactQuote, lines: readonly FactLine[]): QuoteFacts {
  let discount = ZERO
  let subtotal = ZERO
  let quoteDiscount = ZERO
  let net = ZERO
  let cost = ZERO
  let costed = false
  for (const line of lines) {
    discount = Decimal.max(discount, lineDiscountPercent(line))
    subtotal = subtotal.plus(line.subtotal_amount)
    quoteDiscount = quoteDiscount.plus(line.document_discount_amount)
    if (line.cost !== null) {
      costed = true
      net = net.plus(line.net_amount)
      cost = cost.plus(new Decimal(line.cost).times(line.quantity))
    }
  }
  if (subtotal.gt(0)) discount = Decimal.max(discount, quoteDiscount.div(subtotal).times(HUNDRED))
  return {
    discount_percent: discount,
    below_floor: lines.some((line) => line.below_floor),
    total_amount: new Decimal(quote.total_amount),
    currency: quote.currency,
    margin_percent: costed && !net.isZero() ? net.minus(cost).div(net).times(HUNDRED) : null,
    customer_id: quote.customer_id,
    segment_id: quote.segment_id,
  }
}

function compare(fact: Decimal, operator: ConditionOperator, value: number): boolean {
  const v = new Decimal(String(value))
  switch (operator) {
    case 'gt':
      return fact.gt(v)
    case 'gte':
      return fact.gte(v)
    case 'lt':
      return fact.lt(v)
    case 'lte':
      return fact.lte(v)
    case 'eq':
      return fact.eq(v)
    default:
      return false
  }
}

function oneOf(fact: string | null, operator: ConditionOperator, value: Condition['value']): boolean {
  if (fact === null) return false
  const ids = (operator === 'in' ? (value as string[]) : [value as string]).map((id) => id.toLowerCase())
  return ids.includes(fact.toLowerCase())
}

export function conditionMatches(condition: Condition, facts: QuoteFacts): boolean {
  const { field, operator, value } = condition
  switch (field) {
    case 'discount_percent':
      return compare(facts.discount_percent, operator, value as number)
    case 'below_floor':
      return facts.below_floor === value
    case 'total_amount':
      if (condition.currency && condition.currency.toUpperCase() !== facts.currency.toUpperCase())
        return false
      return compare(facts.total_amount, operator, value as number)
    case 'margin_percent':
      return facts.margin_percent !== null && compare(facts.margin_percent, operator, value as number)
    case 'customer_id':
      return oneOf(facts.customer_id, operator, value)
    case 'segment_id':
      return oneOf(facts.segment_id, operator, value)
  }
}

/**
 * Whether a rule applies to a quote: all of its conditions (and) or one of them (or). A rule without
 * conditions applies to every quote, whichever its operator: "every quote needs a manager's approval".
 */
export function ruleMatches(rule: RuleSpec, facts: QuoteFacts): boolean {
  if (rule.conditions.length === 0) return true
  const met = (c: Condition) => conditionMatches(c, facts)
  return rule.operator === 'and' ? rule.conditions.every(met) : rule.conditions.some(met)
}

/** The built-in rule: a unit price under its floor is approved by a manager, whatever the rules say. */
export const FLOOR_RULE = {
  name: 'Unit price below floor',
  steps: [{ name: 'Manager approval', approver_role: 'manager' }] as Step[],
}

/**
 * Everything wrong with a list of conditions that a schema cannot say (an operator the field does not take,
 * a value of the wrong kind, a currency on another field), each naming `conditions[i].<field>`.
 */
export function conditionProblems(conditions: readonly Condition[]): string[] {
  const problems: string[] = []
  conditions.forEach((c, i) => {
    const at = `conditions[${i}]`
    const rules = FIELD_RULES[c.field]
    if (!rules.operators.includes(c.operator)) {
      problems.push(
        `Field '${at}.operator' must be one of ${rules.operators.join(', ')} for field ${c.field} (got ${c.operator})`,
      )
      return
    }
    const v = c.value
    const ok =
      c.field === 'below_floor'
        ? typeof v === 'boolean'
        : c.field === 'customer_id' || c.field === 'segment_id'
          ? c.operator === 'in'
            ? Array.isArray(v) && v.length >= 1 && v.length <= MAX_IN_VALUES
            : typeof v === 'string'
          : typeof v === 'number' && Number.isFinite(v)
    if (!ok) {
      const size = c.operator === 'in' ? ` (1 to ${MAX_IN_VALUES} ids)` : ''
      problems.push(`Field '${at}.value' must be ${rules.value}${size} for ${c.field} ${c.operator}`)
    }
    if (c.currency != null && c.field !== 'total_amount') {
      problems.push(`Field '${at}.currency' is only allowed with field total_amount`)
    }
  })
  return problems
}

/** Whether a user of `role` may decide a step that asks for `required`: an admin decides a manager's step. */
export function canDecide(role: string, required: ApproverRole): boolean {
  return role === 'admin' || (role === 'manager' && required === 'manager')
}
