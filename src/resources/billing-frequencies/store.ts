import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { BillingFrequencyTable, Database } from '../../db/types.ts'
import { everyPeriod, frequencyName } from '../../domain/billing-frequencies.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import { refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import { isUniqueViolation } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { syncPrices } from '../prices/sync.ts'
import { billingFrequencies } from './resource.ts'
import type {
  BillingFrequency,
  BillingFrequencyCreate,
  BillingFrequencyListQuery,
  BillingFrequencyPatch,
} from './schema.ts'

type FrequencyRow = Selectable<BillingFrequencyTable>

export function toBillingFrequency(row: FrequencyRow): Versioned<BillingFrequency> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      period: row.period,
      unit: row.unit,
      is_active: isSet(row.is_active),
      ...stamps(row),
    },
    row.version,
  )
}

function frequencyRow(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('billing_frequencies')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** One billing frequency of the workspace, or undefined. */
export async function findBillingFrequency(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<BillingFrequency> | undefined> {
  const row = await frequencyRow(db, workspaceId, id)
  return row && toBillingFrequency(row)
}

/** A page of the workspace's billing frequencies, oldest first (monthly, quarterly, yearly lead). */
export async function listBillingFrequencies(
  db: Kysely<Database>,
  workspaceId: string,
  filters: BillingFrequencyListQuery,
): Promise<PageResult<BillingFrequency>> {
  let query = db
    .selectFrom('billing_frequencies as t')
    .selectAll('t')
    .where('t.workspace_id', '=', workspaceId)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const page = await paginate(query, filters, 'created_at', listBinding('billing_frequencies', filters))
  return { ...page, rows: page.rows.map((row) => toBillingFrequency(row).value) }
}

/** The 409 of a period another frequency of the workspace has, naming it when it is found. */
async function periodTaken(trx: Kysely<Database>, workspaceId: string, input: BillingFrequencyCreate) {
  const holder = await trx
    .selectFrom('billing_frequencies')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('unit', '=', input.unit)
    .where('period', '=', input.period)
    .executeTakeFirst()
  const who = holder ? `billing frequency ${holder.id} (${holder.name})` : 'another billing frequency'
  return new ApiError(
    'conflict',
    `period ${input.period} unit '${input.unit}' (${everyPeriod(input.period, input.unit)}) is already ` +
      `used by ${who}: reactivate it (is_active true) rather than making another`,
  )
}

/**
 * Creates a billing frequency, then the price rows of recurring products for it; returns its id. A period
 * and unit another frequency has is a 409 naming it, also when that frequency is written concurrently: the
 * unique constraint settles it, inside a savepoint so that the holder can still be read (PostgreSQL).
 */
export async function createBillingFrequency(
  w: WriteContext,
  input: BillingFrequencyCreate,
): Promise<string> {
  const { trx, workspaceId } = w
  const at = nowIso()
  const id = uuidv7()
  await sql`savepoint billing_frequency_period`.execute(trx)
  try {
    await trx
      .insertInto('billing_frequencies')
      .values({
        id,
        workspace_id: workspaceId,
        name: input.name ?? frequencyName(input.period, input.unit),
        period: input.period,
        unit: input.unit,
        is_active: flag(input.is_active ?? true),
        created_at: at,
        updated_at: at,
      })
      .execute()
    await sql`release savepoint billing_frequency_period`.execute(trx)
  } catch (err) {
    await sql`rollback to savepoint billing_frequency_period`.execute(trx)
    if (isUniqueViolation(err, 'billing_frequencies', 'period'))
      throw await periodTaken(trx, workspaceId, input)
    throw err
  }
  if (input.is_active !== false) await syncPrices(w)
  return id
}

/**
 * Applies a partial update (name, is_active: period and unit are what prices hold). A change of is_active
 * makes or deactivates the price rows of recurring products for it. False if the frequency is absent.
 */
export async function updateBillingFrequency(
  w: WriteContext,
  id: string,
  patch: BillingFrequencyPatch,
): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await frequencyRow(trx, workspaceId, id)
  if (!current) return false
  const set = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.is_active !== undefined ? { is_active: flag(patch.is_active) } : {}),
  }
  const found = await updateLive(trx, 'billing_frequencies', workspaceId, id, set, { softDeleted: false })
  if (patch.is_active !== undefined && patch.is_active !== isSet(current.is_active)) await syncPrices(w)
  return found
}

const ADVICE =
  'its prices stay for the quotes that use them; deactivate it instead (PATCH {"is_active": false}), which ' +
  'deactivates its prices'

/** Deletes the frequency for good, unless prices name it (409). False if it is absent. */
export async function deleteBillingFrequency(
  { trx, workspaceId }: WriteContext,
  id: string,
): Promise<boolean> {
  await refuseIfUsed(trx, workspaceId, billingFrequencies, id, ADVICE)
  return deleteRecord(trx, 'billing_frequencies', workspaceId, id)
}
