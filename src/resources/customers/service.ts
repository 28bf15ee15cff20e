import type { Kysely } from 'kysely'
import { isForeignKeyViolation } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { checkTaxIds, cleanTaxValue, normalizeTaxValue } from '../../domain/tax-ids.ts'
import { ApiError } from '../../http/errors.ts'
import { segmentExists } from '../segments/store.ts'
import { workspaceSettings } from '../workspaces/store.ts'
import type { CustomerCreate, CustomerPatch } from './schema.ts'

const NO_SUCH_SEGMENT = "Field 'segment_id' does not name a segment of this workspace"

/** Runs a customer write; a segment deleted between the check and the write is the same 400. */
export async function writingCustomer<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (isForeignKeyViolation(err))
      throw new ApiError('validation_failed', 'Validation error', [NO_SUCH_SEGMENT])
    throw err
  }
}

/**
 * The checks a customer write needs beyond its schema: the segment must be one of the workspace's, and
 * the tax identifiers must pass their schemes' rules. Under the workspace's `strict` policy a failing
 * identifier is a 400 with every problem; under `lenient` (the default) it is stored and reported as a
 * warning. An identifier another live customer of the workspace holds is always accepted, with a warning
 * naming that customer. Returns the warnings.
 */
export async function checkCustomerWrite(
  db: Kysely<Database>,
  workspaceId: string,
  input: CustomerCreate | CustomerPatch,
  customerId?: string,
): Promise<string[]> {
  const errors: string[] = []
  const segment = input.segment_id
  if (segment && !(isUuid(segment) && (await segmentExists(db, workspaceId, segment.toLowerCase())))) {
    errors.push(NO_SUCH_SEGMENT)
  }
  const problems = input.tax_ids ? (await checkTaxIds(input.tax_ids)).map((p) => p.message) : []
  const lenient =
    problems.length > 0 && (await workspaceSettings(db, workspaceId)).tax_id_validation === 'lenient'
  if (!lenient) errors.push(...problems)
  if (errors.length > 0) throw new ApiError('validation_failed', 'Validation error', errors)
  const duplicates = input.tax_ids ? await heldElsewhere(db, workspaceId, input.tax_ids, customerId) : []
  return [...(lenient ? problems : []), ...duplicates]
}

/** A warning for each identifier that another live customer of the workspace already holds. */
async function heldElsewhere(
  db: Kysely<Database>,
  workspaceId: string,
  taxIds: readonly { tax: string; tax_value: string }[],
  customerId: string | undefined,
): Promise<string[]> {
  const norms = [...new Set(taxIds.map((t) => normalizeTaxValue(t.tax_value)).filter(Boolean))]
  if (norms.length === 0) return []
  const holders = await db
    .selectFrom('customer_tax_ids as x')
    .innerJoin('customers as c', (j) =>
      j.onRef('c.workspace_id', '=', 'x.workspace_id').onRef('c.id', '=', 'x.customer_id'),
    )
    .select(['x.tax_value_norm', 'c.id', 'c.name'])
    .where('x.workspace_id', '=', workspaceId)
    .where('x.tax_value_norm', 'in', norms)
    .where('c.deleted_at', 'is', null)
    .$if(customerId !== undefined, (q) => q.where('c.id', '!=', customerId!))
    .orderBy('c.created_at')
    .orderBy('c.id')
    .execute()
  const warnings: string[] = []
  taxIds.forEach((t, index) => {
    const norm = normalizeTaxValue(t.tax_value)
    const others = holders.filter((h) => h.tax_value_norm === norm)
    if (others.length === 0) return
    const named = others.map((h) => `"${h.name}" (${h.id})`).join(', ')
    const whom = others.length === 1 ? `customer ${named}` : `customers ${named}`
    warnings.push(
      `tax_ids[${index}] (${t.tax.trim()} ${cleanTaxValue(t.tax_value)}): already held by ${whom}`,
    )
  })
  return warnings
}
