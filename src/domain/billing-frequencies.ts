// A billing frequency: every `period` `unit`s (every 3 months). Its default name says so in words.

export const BILLING_UNITS = ['day', 'week', 'month', 'year'] as const
export type BillingUnit = (typeof BILLING_UNITS)[number]
export const MAX_PERIOD = 1000

const ADVERBS: Record<string, string> = {
  '1 day': 'Daily',
  '1 week': 'Weekly',
  '1 month': 'Monthly',
  '3 month': 'Quarterly',
  '1 year': 'Yearly',
}

/** The name of a frequency: Monthly, Quarterly, Yearly, Weekly, Daily, otherwise "Every 2 weeks". */
export function frequencyName(period: number, unit: BillingUnit): string {
  return ADVERBS[`${period} ${unit}`] ?? `Every ${period} ${unit}${period === 1 ? '' : 's'}`
}

/** How a frequency is said in a sentence: "every 2 weeks", "every month". */
export function everyPeriod(period: number, unit: BillingUnit): string {
  return period === 1 ? `every ${unit}` : `every ${period} ${unit}s`
}
