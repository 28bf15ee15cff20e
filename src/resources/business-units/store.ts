import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { BusinessUnitTable, Database } from '../../db/types.ts'
import { checkTaxIds } from '../../domain/tax-ids.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import { refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, updateLive, versioned } from '../../kernel/store.ts'
import { isUniqueViolation } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { workspaceSettings } from '../workspaces/store.ts'
import { businessUnits } from './resource.ts'
import type {
  AddressInput,
  BusinessUnit,
  BusinessUnitCreate,
  BusinessUnitListQuery,
  BusinessUnitPatch,
} from './schema.ts'

type UnitRow = Selectable<BusinessUnitTable>
type TaxId = { code: string; value: string }

function parseTaxIds(text: string): TaxId[] {
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) ? (value as TaxId[]) : []
  } catch {
    return []
  }
}

/** The wire object. */
export function toBusinessUnit(row: UnitRow): Versioned<BusinessUnit> {
  return versioned(
    {
      id: row.id,
      type: row.type,
      brand: row.brand,
      name: row.name,
      logo: row.logo_url === null ? null : { url: row.logo_url, alt: row.logo_alt },
      tax_ids: parseTaxIds(row.tax_ids).map((t) => ({ code: t.code, value: t.value })),
      address: {
        line1: row.line1,
        line2: row.line2,
        city: row.city,
        postal_code: row.postal_code,
        state: row.state,
        country: row.country,
      },
      is_default: isSet(row.is_default),
      ...stamps(row),
    },
    row.version,
  )
}

function unitRow(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('business_units')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** One business unit of the workspace, or undefined. */
export async function findBusinessUnit(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<BusinessUnit> | undefined> {
  const row = await unitRow(db, workspaceId, id)
  return row && toBusinessUnit(row)
}

/** The workspace's default business unit (every workspace has one; undefined only if it has none). */
export async function findDefaultBusinessUnit(
  db: Kysely<Database>,
  workspaceId: string,
): Promise<Versioned<BusinessUnit> | undefined> {
  const row = await db
    .selectFrom('business_units')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('is_default', '=', flag(true))
    .executeTakeFirst()
  return row && toBusinessUnit(row)
}

/** A page of the workspace's business units, oldest first. */
export async function listBusinessUnits(
  db: Kysely<Database>,
  workspaceId: string,
  filters: BusinessUnitListQuery,
): Promise<PageResult<BusinessUnit>> {
  let query = db.selectFrom('business_units as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.is_default !== undefined) query = query.where('t.is_default', '=', flag(filters.is_default))
  if (filters.type !== undefined) query = query.where('t.type', '=', filters.type)
  const page = await paginate(query, filters, 'created_at', listBinding('business_units', filters))
  return { ...page, rows: page.rows.map((row) => toBusinessUnit(row).value) }
}

/**
 * The tax identifiers' check, as customers have it (see customers/service.ts): under the workspace's
 * `strict` policy a failing identifier is a 400 naming every problem; under `lenient` it is stored, and
 * the problems are returned as warnings.
 */
export async function checkUnitTaxIds(
  db: Kysely<Database>,
  workspaceId: string,
  taxIds: readonly TaxId[] | undefined,
): Promise<string[]> {
  if (!taxIds || taxIds.length === 0) return []
  const problems = (await checkTaxIds(taxIds.map((t) => ({ tax: t.code, tax_value: t.value })))).map(
    (p) => p.message,
  )
  if (problems.length === 0) return []
  if ((await workspaceSettings(db, workspaceId)).tax_id_validation === 'lenient') return problems
  throw new ApiError('validation_failed', 'Validation error', problems)
}

const storedTaxIds = (taxIds: readonly TaxId[]) =>
  JSON.stringify(taxIds.map((t) => ({ code: t.code, value: t.value })))

/** The address columns a body sets: only the parts it gives. */
function addressColumns(address: AddressInput | undefined): Partial<UnitRow> {
  if (!address) return {}
  const out: Partial<UnitRow> = {}
  for (const key of ['line1', 'line2', 'city', 'postal_code', 'state'] as const) {
    if (address[key] !== undefined) out[key] = address[key]
  }
  if (address.country !== undefined) out.country = address.country?.toUpperCase() ?? null
  return out
}

/** The logo columns a body sets. */
function logoColumns(logo: BusinessUnitCreate['logo']): Partial<UnitRow> {
  if (logo === undefined) return {}
  return { logo_url: logo?.url ?? null, logo_alt: logo?.alt ?? null }
}

/**
 * Runs `write`, which makes the business unit `self` the default, after the workspace's default (if
 * another) stopped being it: that one gets its updated event. The partial unique index
 * business_units_default settles a race with a write that made a third unit the default meanwhile
 * (PostgreSQL: the clearing statement's snapshot could not see it): the clearing runs again, a bounded
 * number of times, in a savepoint that keeps the transaction usable after the violation.
 */
async function asDefault(w: WriteContext, self: string, write: () => Promise<void>): Promise<void> {
  const { trx, workspaceId } = w
  const cleared = new Set<string>()
  for (let attempt = 1; ; attempt++) {
    const rows = await trx
      .updateTable('business_units')
      .set({ is_default: flag(false), updated_at: nowIso() })
      .where('workspace_id', '=', workspaceId)
      .where('is_default', '=', flag(true))
      .where('id', '<>', self)
      .returning('id')
      .execute()
    for (const row of rows) cleared.add(row.id)
    await sql`savepoint business_unit_default`.execute(trx)
    try {
      await write()
      await sql`release savepoint business_unit_default`.execute(trx)
      break
    } catch (err) {
      await sql`rollback to savepoint business_unit_default`.execute(trx)
      if (!isUniqueViolation(err, 'business_units', 'default') || attempt >= 5) throw err
    }
  }
  for (const id of cleared) {
    const record = await findBusinessUnit(trx, workspaceId, id)
    if (record) w.emit(businessUnits, 'updated', id, record.value)
  }
}

/** Creates a business unit; returns its id. */
export async function createBusinessUnit(w: WriteContext, input: BusinessUnitCreate): Promise<string> {
  const at = nowIso()
  const id = uuidv7()
  const isDefault = input.is_default ?? false
  const insert = async () => {
    await w.trx
      .insertInto('business_units')
      .values({
        id,
        workspace_id: w.workspaceId,
        type: input.type,
        brand: input.brand ?? null,
        name: input.name,
        logo_url: null,
        logo_alt: null,
        ...logoColumns(input.logo),
        tax_ids: storedTaxIds(input.tax_ids ?? []),
        line1: null,
        line2: null,
        city: null,
        postal_code: null,
        state: null,
        country: null,
        ...addressColumns(input.address),
        is_default: flag(isDefault),
        created_at: at,
        updated_at: at,
      })
      .execute()
  }
  if (isDefault) await asDefault(w, id, insert)
  else await insert()
  return id
}

/**
 * Applies a partial update: `address` changes the parts it gives, `logo` and `tax_ids` replace what is
 * stored. The workspace keeps exactly one default: is_default true moves it here, false on the default is a
 * 409. False if the business unit is absent.
 */
export async function updateBusinessUnit(
  w: WriteContext,
  id: string,
  patch: BusinessUnitPatch,
): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await unitRow(trx, workspaceId, id)
  if (!current) return false
  const wasDefault = isSet(current.is_default)
  if (wasDefault && patch.is_default === false) {
    throw new ApiError(
      'conflict',
      `Business unit ${current.name} is the default, and a workspace always has one: make another business ` +
        'unit the default instead (is_default true on it)',
    )
  }
  const set: Record<string, unknown> = {
    ...(patch.type !== undefined ? { type: patch.type } : {}),
    ...(patch.brand !== undefined ? { brand: patch.brand } : {}),
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...logoColumns(patch.logo),
    ...(patch.tax_ids !== undefined ? { tax_ids: storedTaxIds(patch.tax_ids) } : {}),
    ...addressColumns(patch.address),
    ...(patch.is_default !== undefined ? { is_default: flag(patch.is_default) } : {}),
  }
  let found = false
  const update = async () => {
    found = await updateLive(trx, 'business_units', workspaceId, id, set, { softDeleted: false })
  }
  if (patch.is_default === true && !wasDefault) await asDefault(w, id, update)
  else await update()
  return found
}

/**
 * Deletes the business unit for good, unless it is the default or quotes name it (409). False if it is
 * absent.
 */
export async function deleteBusinessUnit({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const current = await unitRow(trx, workspaceId, id)
  if (!current) return false
  if (isSet(current.is_default)) {
    throw new ApiError(
      'conflict',
      `Business unit ${current.name} is the default, and a workspace always has one: make another business ` +
        'unit the default first (is_default true on it), then delete this one',
    )
  }
  // The kernel locked the unit's row (PostgreSQL): a write that would make a quote name it waits for this one.
  await refuseIfUsed(trx, workspaceId, businessUnits, id, [
    'give the quote another business unit first',
    'give the quotes another business unit first',
  ])
  const result = await trx
    .deleteFrom('business_units')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
