import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { decimalNumber, flag, isSet, nowIso } from '../../db/dialect.ts'
import type { Database, TaxTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import {
  AMOUNT_DECIMALS,
  decimalsProblem,
  RATE_DECIMALS,
  storedDecimal,
  type TaxFields,
  taxProblems,
} from '../../domain/taxes.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import { refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import { apiNames } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { taxes } from './resource.ts'
import type { Tax, TaxCreate, TaxListQuery, TaxPatch } from './schema.ts'

type TaxRow = Selectable<TaxTable>

const NO_SUCH_CURRENCY = "Field 'currency_id' does not name a currency of this workspace"

/** The wire object; decimals as the JSON numbers Qwoty serves. */
export function toTax(row: TaxRow): Versioned<Tax> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      api_name: row.api_name,
      type: row.type,
      country: row.country,
      region: row.region,
      method: row.method,
      rate: decimalNumber(row.rate),
      currency_id: row.currency_id,
      amount: decimalNumber(row.amount),
      is_active: isSet(row.is_active),
      ...stamps(row),
    },
    row.version,
  )
}

function taxRow(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('taxes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** One tax of the workspace, or undefined. */
export async function findTax(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Tax> | undefined> {
  const row = await taxRow(db, workspaceId, id)
  return row && toTax(row)
}

/** A page of the workspace's taxes, oldest first. */
export async function listTaxes(
  db: Kysely<Database>,
  workspaceId: string,
  filters: TaxListQuery,
): Promise<PageResult<Tax>> {
  let query = db.selectFrom('taxes as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  if (filters.type !== undefined) query = query.where('t.type', '=', filters.type)
  if (filters.country !== undefined) query = query.where('t.country', '=', filters.country.toUpperCase())
  const page = await paginate(query, filters, 'created_at', listBinding('taxes', filters))
  return { ...page, rows: page.rows.map((row) => toTax(row).value) }
}

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)

/** The fields of a body as stored (decimals exact, codes upper case), with the decimals' own problems. */
function storedFields(body: TaxCreate | TaxPatch, problems: string[]): Partial<TaxFields> {
  const out: Partial<TaxFields> = {}
  if (body.type !== undefined) out.type = body.type
  if (body.method !== undefined) out.method = body.method
  if (body.country !== undefined) out.country = body.country.toUpperCase()
  if (body.region !== undefined) out.region = body.region?.toUpperCase() ?? null
  for (const [field, max] of [
    ['rate', RATE_DECIMALS],
    ['amount', AMOUNT_DECIMALS],
  ] as const) {
    const value = body[field]
    if (value === undefined) continue
    if (value === null) out[field] = null
    else {
      const problem = decimalsProblem(field, value, max)
      if (problem) problems.push(problem)
      out[field] = storedDecimal(value)
    }
  }
  return out
}

/** The currency id as stored, once found among the workspace's currencies; a 400 naming currency_id else. */
async function checkedCurrency(trx: Kysely<Database>, workspaceId: string, id: string): Promise<string> {
  if (!isUuid(id)) throw invalid([NO_SUCH_CURRENCY])
  const row = await trx
    .selectFrom('currencies')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst()
  if (!row) throw invalid([NO_SUCH_CURRENCY])
  return row.id
}

/** The tax's fields checked as a whole: a 400 naming every field at fault, the currency checked last. */
async function checkedTax(
  trx: Kysely<Database>,
  workspaceId: string,
  tax: TaxFields,
  problems: string[],
  currencySent: boolean,
): Promise<TaxFields> {
  problems.push(...taxProblems(tax))
  if (problems.length > 0) throw invalid(problems)
  if (currencySent && tax.currency_id !== null) {
    return { ...tax, currency_id: await checkedCurrency(trx, workspaceId, tax.currency_id) }
  }
  return tax
}

const { taken, holderOf, withApiName } = apiNames('taxes', 'tax')

/** Creates a tax; returns its id. */
export async function createTax({ trx, workspaceId }: WriteContext, input: TaxCreate): Promise<string> {
  const problems: string[] = []
  const sent = storedFields(input, problems)
  const tax = await checkedTax(
    trx,
    workspaceId,
    {
      type: input.type,
      method: input.method,
      country: input.country.toUpperCase(),
      region: sent.region ?? null,
      rate: sent.rate ?? null,
      currency_id: input.currency_id ?? null,
      amount: sent.amount ?? null,
    },
    problems,
    true,
  )
  if (input.api_name !== undefined) {
    const holder = await holderOf(trx, workspaceId, input.api_name)
    if (holder) throw taken(input.api_name, holder)
  }
  const at = nowIso()
  const id = uuidv7()
  await withApiName(trx, workspaceId, { explicit: input.api_name, name: input.name }, async (apiName) => {
    await trx
      .insertInto('taxes')
      .values({
        id,
        workspace_id: workspaceId,
        name: input.name,
        api_name: apiName,
        ...tax,
        is_active: flag(input.is_active ?? true),
        created_at: at,
        updated_at: at,
      })
      .execute()
  })
  return id
}

/**
 * Applies a partial update, then checks the tax as it would stand. A change of method clears what the old
 * method needed unless the patch sends it: to amount clears rate, to percentage clears currency_id and
 * amount. False if the tax is absent.
 */
export async function updateTax({ trx, workspaceId }: WriteContext, id: string, patch: TaxPatch) {
  const current = await taxRow(trx, workspaceId, id)
  if (!current) return false
  const problems: string[] = []
  const sent = storedFields(patch, problems)
  const switched = patch.method !== undefined && patch.method !== current.method
  const cleared: Partial<TaxFields> = !switched
    ? {}
    : patch.method === 'amount'
      ? { rate: null }
      : { currency_id: null, amount: null }
  const merged: TaxFields = {
    type: current.type,
    country: current.country,
    region: current.region,
    method: current.method,
    rate: current.rate,
    currency_id: current.currency_id,
    amount: current.amount,
    ...cleared,
    ...sent,
    ...(patch.currency_id !== undefined ? { currency_id: patch.currency_id } : {}),
  }
  const tax = await checkedTax(trx, workspaceId, merged, problems, patch.currency_id !== undefined)
  const set: Record<string, unknown> = {
    ...tax,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.is_active !== undefined ? { is_active: flag(patch.is_active) } : {}),
  }
  const explicit = patch.api_name
  if (explicit === undefined) return updateLive(trx, 'taxes', workspaceId, id, set, { softDeleted: false })
  const holder = await holderOf(trx, workspaceId, explicit, id)
  if (holder) throw taken(explicit, holder)
  let found = false
  await withApiName(trx, workspaceId, { explicit, name: '' }, async (apiName) => {
    found = await updateLive(
      trx,
      'taxes',
      workspaceId,
      id,
      { ...set, api_name: apiName },
      { softDeleted: false },
    )
  })
  return found
}

const ADVICE = [
  'give the price another default tax first, or deactivate the tax instead (PATCH {"is_active": false})',
  'give the prices another default tax first, or deactivate the tax instead (PATCH {"is_active": false})',
] as const

/** Deletes the tax for good, unless prices name it as their default tax (409). False if it is absent. */
export async function deleteTax({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  // The kernel locked the tax's row (PostgreSQL): a write that would make a price name it waits for this one.
  await refuseIfUsed(trx, workspaceId, taxes, id, ADVICE)
  return deleteRecord(trx, 'taxes', workspaceId, id)
}
