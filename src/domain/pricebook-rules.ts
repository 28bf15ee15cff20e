import { Decimal } from 'decimal.js'
import { roundMoney } from './pricing.ts'

// A dynamic pricebook follows a base pricebook through a rule (Qwoty's "Partners −10%" = Standard × 0.9):
// every amount of the base price moved by a percentage, then rounded, to the currency's minor unit, to a
// step (a multiple of 0.05, of 5), or to an ending (the nearest .99). Exact decimals throughout.

export type Rounding = 'minor_unit' | 'step' | 'ending'
export const ROUNDINGS: readonly Rounding[] = ['minor_unit', 'step', 'ending']

export interface PricebookRule {
  /** -10 for 10% off, 5 for 5% more. */
  adjustmentPercent: Decimal.Value
  rounding: Rounding
  /** The step (> 0) or the ending (0 ≤ ending < 1); unused for minor_unit. */
  roundingValue?: Decimal.Value | null
}

const HALF_AWAY = Decimal.ROUND_HALF_UP

/** `amount` under the rule, for a currency of `minorUnits` decimals; never below zero. */
export function applyRule(amount: Decimal.Value, rule: PricebookRule, minorUnits: number): Decimal {
  const moved = new Decimal(amount).times(new Decimal(100).plus(rule.adjustmentPercent)).dividedBy(100)
  let rounded: Decimal
  if (rule.rounding === 'step') {
    const step = new Decimal(rule.roundingValue ?? 0)
    rounded = step.isZero() ? moved : moved.dividedBy(step).toDecimalPlaces(0, HALF_AWAY).times(step)
  } else if (rule.rounding === 'ending') {
    // The nearest amount with that ending (12.50 → 12.99, 12.40 → 11.99 at .99); a tie goes up.
    const ending = new Decimal(rule.roundingValue ?? 0)
    const above = moved.floor().plus(ending)
    const candidates = [above.minus(1), above, above.plus(1)].filter((c) => !c.isNegative())
    rounded = candidates.reduce((best, c) => {
      const d = c.minus(moved).abs()
      const bestD = best.minus(moved).abs()
      return d.lessThan(bestD) || (d.equals(bestD) && c.greaterThan(best)) ? c : best
    })
  } else {
    rounded = moved
  }
  const result = roundMoney(rounded, minorUnits)
  return result.isNegative() ? new Decimal(0) : result
}

/** What is wrong with a rule as given, each naming its field; [] when it holds. */
export function ruleProblems(rule: {
  adjustment_percent?: number | null
  rounding?: string | null
  rounding_value?: number | null
}): string[] {
  const problems: string[] = []
  const pct = rule.adjustment_percent
  if (pct === undefined || pct === null)
    problems.push("Field 'adjustment_percent' is required for a dynamic pricebook")
  else if (pct <= -100 || pct > 1000)
    problems.push("Field 'adjustment_percent' must be above -100 and at most 1000")
  else if (new Decimal(String(pct)).decimalPlaces() > 4) {
    problems.push("Field 'adjustment_percent' has at most 4 decimals")
  }
  const rounding = rule.rounding ?? 'minor_unit'
  const value = rule.rounding_value
  if (rounding === 'minor_unit' && value !== undefined && value !== null) {
    problems.push("Field 'rounding_value' is only for the 'step' and 'ending' roundings")
  }
  if (rounding === 'step' && !(typeof value === 'number' && value > 0)) {
    problems.push("Field 'rounding_value' is required for rounding 'step': a step above 0, such as 0.05 or 5")
  }
  if (rounding === 'ending' && !(typeof value === 'number' && value >= 0 && value < 1)) {
    problems.push(
      "Field 'rounding_value' is required for rounding 'ending': an ending from 0 to below 1, such as 0.99",
    )
  }
  return problems
}
