import { Decimal } from 'decimal.js'

// The installments of a payment term (Qwoty §3.4): how much of a quote is due, and when. Their percentages
// add up to exactly 100, computed in decimal from the numbers as written (33.33 + 33.33 + 33.34), never in
// binary floating point, where 0.1 + 0.2 is not 0.3.

/** The documented `term` values: when an installment is due. */
export const TERMS = [
  'due_now',
  'due_on_receipt',
  'net15',
  'net30',
  'net45',
  'net60',
  'net90',
  'net120',
  'eom30',
  'eom45',
  'eom60',
  'po_received',
  'custom',
] as const
export type Term = (typeof TERMS)[number]

/** A percentage has at most this many decimals (33.3333). */
export const PERCENTAGE_DECIMALS = 4

const HUNDRED = new Decimal(100)

/** The decimal a JSON number stands for: its shortest form, the one the client wrote (33.33, not 33.3299…). */
export function exact(value: number): Decimal {
  return new Decimal(String(value))
}

/** An installment as a write gives it, before defaults. */
export interface InstallmentInput {
  name?: string | null
  percentage: number
  term: Term
  custom_text?: string | null
  order_number?: number
}

/** The exact sum of the percentages. */
export function percentageSum(percentages: readonly number[]): Decimal {
  return percentages.reduce((sum, p) => sum.plus(exact(p)), new Decimal(0))
}

/** The sentence refusing a sum that is not exactly 100, or undefined when it is. */
export function sumProblem(percentages: readonly number[]): string | undefined {
  const sum = percentageSum(percentages)
  if (sum.equals(HUNDRED)) return undefined
  return `Field 'installments' percentages must add up to 100 (they add up to ${sum.toFixed()})`
}

/**
 * Everything wrong with a list of installments that a schema cannot say: none at all, too many decimals,
 * custom_text missing with `custom` or given with another term, an order_number given twice, a sum other
 * than 100. Empty when the list is valid. order_number defaults to the position (1, 2, …).
 */
export function installmentProblems(installments: readonly InstallmentInput[]): string[] {
  if (installments.length === 0) {
    return ["Field 'installments' must hold at least one installment: their percentages add up to 100"]
  }
  const problems: string[] = []
  const firstWith = new Map<number, number>()
  installments.forEach((item, i) => {
    const at = `installments[${i}]`
    if (exact(item.percentage).decimalPlaces() > PERCENTAGE_DECIMALS) {
      problems.push(`Field '${at}.percentage' must have at most ${PERCENTAGE_DECIMALS} decimals`)
    }
    const text = item.custom_text ?? null
    if (item.term === 'custom' && text === null) {
      problems.push(`Field '${at}.custom_text' is required when term is custom`)
    }
    if (item.term !== 'custom' && text !== null) {
      problems.push(`Field '${at}.custom_text' is only allowed when term is custom (term is ${item.term})`)
    }
    const order = orderNumberOf(item, i)
    const first = firstWith.get(order)
    if (first === undefined) firstWith.set(order, i)
    else
      problems.push(`Field '${at}.order_number' repeats ${order}, the order_number of installments[${first}]`)
  })
  const sum = sumProblem(installments.map((item) => item.percentage))
  if (sum !== undefined) problems.push(sum)
  return problems
}

/** The order_number of the installment at `index`: the one given, else its position counted from 1. */
export function orderNumberOf(item: InstallmentInput, index: number): number {
  return item.order_number ?? index + 1
}

/** A percentage as stored: its exact decimal, without exponent or trailing zeros ("33.33", "100"). */
export function storedPercentage(value: number): string {
  return exact(value).toFixed()
}
