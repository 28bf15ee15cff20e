import currencyCodes from 'currency-codes'

// ISO 4217, from the maintained list of the currency-codes package (its data is ISO's own file): a code, its
// English name and its minor units (EUR 2, JPY 0, TND 3), which is where amounts are rounded. Codes that are
// not money (XXX "no currency", XTS "testing", the bond-market units) are refused.

export interface CurrencyInfo {
  code: string
  /** ISO's English name: "Euro". */
  name: string
  /** Decimals of the minor unit: 2 for EUR, 0 for JPY, 3 for TND. */
  minorUnits: number
}

const NOT_MONEY = /^Zz\d/

/** The ISO 4217 currency of `code` (upper case), or undefined for an unknown code or one that is not money. */
export function currencyInfo(code: string): CurrencyInfo | undefined {
  const record = currencyCodes.code(code)
  if (!record || record.code !== code || record.countries.every((c) => NOT_MONEY.test(c))) return undefined
  return { code: record.code, name: record.currency, minorUnits: record.digits }
}

/** The minor units of an ISO 4217 code; 2 for a code the list no longer has (a currency withdrawn since). */
export function minorUnitsOf(code: string): number {
  return currencyInfo(code)?.minorUnits ?? 2
}
