import { Decimal } from 'decimal.js'

// A tax: a type, where it applies (a country, and for the US and Canada a state or province), and how it is
// computed: a percentage of the amount (`rate`), or a fixed amount in a currency. The rules here are the
// ones a schema cannot state, checked on the whole record (a PATCH's result, not only what it sends).

export const TAX_TYPES = ['vat', 'gst', 'sales_tax', 'custom'] as const
export const TAX_METHODS = ['percentage', 'amount'] as const
export type TaxType = (typeof TAX_TYPES)[number]
export type TaxMethod = (typeof TAX_METHODS)[number]

/** A rate has at most this many decimals (8.8750). */
export const RATE_DECIMALS = 4
/** A fixed amount has at most this many decimals, whatever its currency. */
export const AMOUNT_DECIMALS = 6
/** The countries whose taxes may name a region: their states and provinces levy their own. */
export const REGION_COUNTRIES: readonly string[] = ['US', 'CA']

/** A tax as stored, decimals as strings: what the rules look at. */
export interface TaxFields {
  type: TaxType
  country: string
  region: string | null
  method: TaxMethod
  rate: string | null
  currency_id: string | null
  amount: string | null
}

/** The decimal a JSON number stands for, as stored: its shortest form, without exponent ("8.875", "20"). */
export function storedDecimal(value: number): string {
  return new Decimal(String(value)).toFixed()
}

/** The 400 detail of a number with more decimals than `max`, or undefined. */
export function decimalsProblem(field: string, value: number, max: number): string | undefined {
  return new Decimal(String(value)).decimalPlaces() > max
    ? `Field '${field}' must have at most ${max} decimals`
    : undefined
}

/** Everything wrong with a tax that its schema cannot say, one sentence per field; none when it is valid. */
export function taxProblems(tax: TaxFields): string[] {
  const problems: string[] = []
  if (tax.type === 'vat' && tax.method !== 'percentage') {
    problems.push("Field 'method' must be percentage for a tax of type vat")
  }
  if (tax.region !== null && !REGION_COUNTRIES.includes(tax.country)) {
    problems.push(
      `Field 'region' is only for taxes of the US or Canada (country US or CA), not ${tax.country}: send null`,
    )
  }
  const only = (field: string, method: TaxMethod) =>
    `Field '${field}' is only for method ${method}: send null`
  const required = (field: string) => `Field '${field}' is required with method ${tax.method}`
  if (tax.method === 'percentage') {
    if (tax.rate === null) problems.push(required('rate'))
    if (tax.currency_id !== null) problems.push(only('currency_id', 'amount'))
    if (tax.amount !== null) problems.push(only('amount', 'amount'))
  } else {
    if (tax.rate !== null) problems.push(only('rate', 'percentage'))
    if (tax.currency_id === null) problems.push(required('currency_id'))
    if (tax.amount === null) problems.push(required('amount'))
  }
  return problems
}
