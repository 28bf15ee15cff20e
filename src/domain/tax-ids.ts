// Tax identifiers: what storage and search need, at no cost, and the check, whose rules (tax-id-rules.ts,
// on stdnum) load on the first call.

export interface TaxIdInput {
  tax: string
  tax_value: string
}

/** One identifier that fails a rule: `index` into the list, and a sentence naming the identifier and the rule. */
export interface TaxIdProblem {
  index: number
  message: string
}

/** The value as stored: trimmed (inner spaces kept). */
export function cleanTaxValue(value: string): string {
  return value.trim()
}

/** The value for matching and search: upper-case, without spaces, dots, dashes or slashes. */
export function normalizeTaxValue(value: string): string {
  return value.toUpperCase().replace(/[\s./\-\u2010-\u2015\u2212]/g, '')
}

let rules: Promise<typeof import('./tax-id-rules.ts')> | undefined

/** Every problem in the list: each identifier whose label names a known scheme is checked against it, and the French identifiers are checked against each other. Unknown labels are free text and never fail. */
export async function checkTaxIds(taxIds: readonly TaxIdInput[]): Promise<TaxIdProblem[]> {
  rules ??= import('./tax-id-rules.ts')
  return (await rules).checkTaxIds(taxIds)
}
