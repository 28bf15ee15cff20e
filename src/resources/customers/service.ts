import type { Kysely } from 'kysely'
import { isForeignKeyViolation } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { checkTaxIds } from '../../domain/tax-ids.ts'
import { ApiError } from '../../http/errors.ts'
import { segmentExists } from '../segments/store.ts'
import { workspaceTaxIdPolicy } from '../workspaces/store.ts'
import type { CustomerCreate, CustomerPatch } from './schema.ts'

/**
 * The checks a customer write needs beyond its schema: the segment must be one of the workspace's, and
 * the tax identifiers must pass their schemes' rules. Under the workspace's `strict` policy (the default)
 * a failing identifier is a 400 with every problem; under `lenient` it is stored and reported as a warning.
 * Returns the warnings.
 */
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

export async function checkCustomerWrite(
  db: Kysely<Database>,
  workspaceId: string,
  input: CustomerCreate | CustomerPatch,
): Promise<string[]> {
  const errors: string[] = []
  if (input.segment_id && !(await segmentExists(db, workspaceId, input.segment_id.toLowerCase()))) {
    errors.push(NO_SUCH_SEGMENT)
  }
  const problems = input.tax_ids ? (await checkTaxIds(input.tax_ids)).map((p) => p.message) : []
  const lenient = problems.length > 0 && (await workspaceTaxIdPolicy(db, workspaceId)) === 'lenient'
  if (!lenient) errors.push(...problems)
  if (errors.length > 0) throw new ApiError('validation_failed', 'Validation error', errors)
  return lenient ? problems : []
}
