import { Decimal } from 'decimal.js'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import { isUuid } from '../../domain/ids.ts'
import { exact } from '../../domain/installments.ts'
import { ApiError } from '../../http/errors.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { buildLine, discountProblems, type QuoteRef, type TaxCopy } from './pricing-table.ts'
import { insertAt } from './ranks.ts'
import { DEFAULT_TAX, type LineCreate, type LinePatch } from './table-schema.ts'
import { type LineRow, type PhaseRow, placeLine } from './table-store.ts'

// A quote's line items, one at a time: added from the same input as a line of the quote's create body (its
// copies of variant, price and tax taken now), and changed in what the seller sets on a line: quantity,
// unit price override, tax and discount. A change keeps the line's copies: only POST
// /api/quotes/{id}/reprice refreshes them from the pricebook.

/**
 * buildLine names a field under the path it is given (`pricing_table.sections[0]….product_id`); given none,
 * its problems start with a dot: the body of a line route is the line itself, so they name its fields alone.
 */
function atTop(err: unknown): never {
  if (err instanceof ApiError && err.details) {
    const details = err.details.map((d) => d.replace("Field '.", "Field '"))
    throw new ApiError(err.code, err.message, details, err.headers)
  }
  throw err
}

/** Decimals of a quantity and of a unit price override, as on creation. */
const FINE_DECIMALS = 6

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)

/** Adds a line item to `phase`, at `rank` there (last when omitted or beyond the end). */
export async function insertLine(
  w: WriteContext,
  quote: QuoteRef,
  phase: PhaseRow,
  body: LineCreate,
): Promise<string> {
  const { rank: wanted, ...input } = body
  const built = await buildLine(w, quote, input, '').catch(atTop)
  const rank = await insertAt(w.trx, 'quote_lines', phase.id, wanted)
  const id = uuidv7()
  const at = nowIso()
  await w.trx
    .insertInto('quote_lines')
    .values({ ...built, id, phase_id: phase.id, rank, created_at: at, updated_at: at })
    .execute()
  return id
}

function decimalsProblem(field: string, value: number | null | undefined, most: number, what: string) {
  if (value === null || value === undefined || exact(value).decimalPlaces() <= most) return []
  return [`Field '${field}' has at most ${most} decimals (${what})`]
}

const sameDecimal = (stored: string | null, value: string | null) =>
  stored === null || value === null ? stored === value : new Decimal(stored).equals(value)

/** The tax a line's patch names: a tax of the workspace, the price's default again, or none. */
async function taxOf(
  w: WriteContext,
  quote: QuoteRef,
  line: LineRow,
  taxId: string | null,
): Promise<{ tax: TaxCopy | null; chosen: boolean }> {
  if (taxId === null) return { tax: null, chosen: true }
  const select = w.trx
    .selectFrom('taxes as tx')
    .leftJoin('currencies as c', 'c.id', 'tx.currency_id')
    .select(['tx.id', 'tx.name', 'tx.method', 'tx.rate', 'tx.amount', 'tx.is_active', 'c.code as currency'])
    .where('tx.workspace_id', '=', w.workspaceId)
  if (taxId === DEFAULT_TAX) {
    // The price row the line was priced from names its default tax (a price row is never deleted).
    const found =
      line.price_id === null
        ? undefined
        : await select
            .innerJoin('prices as p', 'p.default_tax_id', 'tx.id')
            .where('p.id', '=', line.price_id)
            .executeTakeFirst()
    return { tax: found ? copy(found) : null, chosen: false }
  }
  const found = isUuid(taxId)
    ? await select.where('tx.id', '=', taxId.toLowerCase()).executeTakeFirst()
    : undefined
  if (!found) throw invalid(["Field 'tax_id' does not name a tax of this workspace"])
  if (!isSet(found.is_active)) throw invalid(["Field 'tax_id' names an inactive tax"])
  if (found.method === 'amount' && found.currency !== quote.currency) {
    throw invalid([
      `Field 'tax_id' names an amount tax in ${found.currency ?? 'no currency'}, not in ${quote.currency}`,
    ])
  }
  return { tax: copy(found), chosen: true }
}

function copy(t: {
  id: string
  name: string
  method: 'percentage' | 'amount'
  rate: string | null
  amount: string | null
}): TaxCopy {
  return { id: t.id, name: t.name, method: t.method, rate: t.rate, amount: t.amount }
}

/** Applies a line item's patch; whether anything changed. */
export async function updateLine(
  w: WriteContext,
  quote: QuoteRef,
  line: LineRow,
  patch: LinePatch,
): Promise<boolean> {
  const problems = [
    ...decimalsProblem('quantity', patch.quantity, FINE_DECIMALS, 'a quantity'),
    ...decimalsProblem('unit_price', patch.unit_price, FINE_DECIMALS, 'a unit price'),
    ...discountProblems('discount', patch.discount, quote.currency),
  ]
  if (problems.length > 0) throw invalid(problems)
  const changes: Record<string, unknown> = {}
  if (patch.quantity !== undefined) {
    const quantity = exact(patch.quantity).toFixed()
    if (!sameDecimal(line.quantity, quantity)) changes.quantity = quantity
  }
  if (patch.unit_price !== undefined) {
    const override = patch.unit_price === null ? null : exact(patch.unit_price).toFixed()
    if (!sameDecimal(line.unit_price_override, override)) changes.unit_price_override = override
  }
  if (patch.discount !== undefined) {
    const type = patch.discount?.type ?? null
    const value = patch.discount === null ? null : exact(patch.discount.value).toFixed()
    if (type !== line.discount_type || !sameDecimal(line.discount_value, value)) {
      changes.discount_type = type
      changes.discount_value = value
    }
  }
  if (patch.tax_id !== undefined) {
    const { tax, chosen } = await taxOf(w, quote, line, patch.tax_id)
    const text = tax === null ? null : JSON.stringify(tax)
    if (text !== line.tax || chosen !== isSet(line.tax_chosen)) {
      changes.tax = text
      changes.tax_id = tax?.id ?? null
      changes.tax_chosen = flag(chosen)
    }
  }
  const moved = await placeLine(w, line, patch.phase_id, patch.rank)
  if (Object.keys(changes).length === 0) return moved
  await w.trx
    .updateTable('quote_lines')
    .set({ ...changes, updated_at: nowIso() })
    .where('id', '=', line.id)
    .execute()
  return true
}
