import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { CurrencyTable, Database } from '../../db/types.ts'
import { currencyInfo, minorUnitsOf } from '../../domain/currencies.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, updateLive, versioned } from '../../kernel/store.ts'
import { alreadyUsed, holderOf, isUniqueViolation, writingUnique } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { currencies } from './resource.ts'
import type { Currency, CurrencyCreate, CurrencyListQuery, CurrencyPatch } from './schema.ts'

type CurrencyRow = Selectable<CurrencyTable>

/** The wire object; minor units come from ISO 4217, never from a column that could drift from it. */
export function toCurrency(row: CurrencyRow): Versioned<Currency> {
  return versioned(
    {
      id: row.id,
      code: row.code,
      api_name: row.api_name,
      name: row.name,
      minor_units: minorUnitsOf(row.code),
      is_active: isSet(row.is_active),
      is_default: isSet(row.is_default),
      ...stamps(row),
    },
    row.version,
  )
}

function currencyRow(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('currencies')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** One currency of the workspace, or undefined. */
export async function findCurrency(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Currency> | undefined> {
  const row = await currencyRow(db, workspaceId, id)
  return row && toCurrency(row)
}

/** A page of the workspace's currencies, oldest first (the euro every workspace starts with first). */
export async function listCurrencies(
  db: Kysely<Database>,
  workspaceId: string,
  filters: CurrencyListQuery,
): Promise<PageResult<Currency>> {
  let query = db.selectFrom('currencies as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const page = await paginate(query, filters, 'created_at', listBinding('currencies', filters))
  return { ...page, rows: page.rows.map((row) => toCurrency(row).value) }
}

/** 409 when another currency of the workspace holds `value` in `column` (its code or api_name). */
async function refuseTaken(
  trx: Kysely<Database>,
  workspaceId: string,
  column: 'code' | 'api_name',
  value: string,
  self?: string,
) {
  const holder = await holderOf(trx, 'currencies', workspaceId, column, value, { except: self })
  if (holder) throw alreadyUsed(column, value, 'currency', holder)
}

/** Runs a write of the code and api_name: one a concurrent write took meanwhile is the same 409. */
const writingUniques = <T>(values: { code?: string; api_name?: string }, write: () => Promise<T>) =>
  writingUnique(
    { table: 'currencies', column: 'code', field: 'code', noun: 'currency', value: values.code },
    () =>
      writingUnique(
        {
          table: 'currencies',
          column: 'api_name',
          field: 'api_name',
          noun: 'currency',
          value: values.api_name,
        },
        write,
      ),
  )

/**
 * Runs `write`, which makes the currency `self` the default, after the workspace's default (if another)
 * stopped being it: each such currency gets its updated event. The partial unique index currencies_default
 * settles a race with a write that made a third currency the default meanwhile (PostgreSQL: the clearing
 * statement's snapshot could not see it): the clearing runs again, a bounded number of times. A savepoint
 * keeps the transaction usable after the violation.
 */
async function asDefault(w: WriteContext, self: string, write: () => Promise<void>): Promise<void> {
  const { trx, workspaceId } = w
  const cleared = new Set<string>()
  for (let attempt = 1; ; attempt++) {
    const rows = await trx
      .updateTable('currencies')
      .set({ is_default: flag(false), updated_at: nowIso() })
      .where('workspace_id', '=', workspaceId)
      .where('is_default', '=', flag(true))
      .where('id', '<>', self)
      .returning('id')
      .execute()
    for (const row of rows) cleared.add(row.id)
    await sql`savepoint currency_default`.execute(trx)
    try {
      await write()
      await sql`release savepoint currency_default`.execute(trx)
      break
    } catch (err) {
      await sql`rollback to savepoint currency_default`.execute(trx)
      if (!isUniqueViolation(err, 'currencies', 'default') || attempt >= 5) throw err
    }
  }
  for (const id of cleared) {
    const record = await findCurrency(trx, workspaceId, id)
    if (record) w.emit(currencies, 'updated', id, record.value)
  }
}

/** Enables an ISO 4217 currency in the workspace; returns its id. */
export async function createCurrency(w: WriteContext, input: CurrencyCreate): Promise<string> {
  const { trx, workspaceId } = w
  const code = input.code.toUpperCase()
  const info = currencyInfo(code)
  if (!info) {
    throw new ApiError('validation_failed', 'Validation error', [
      `Field 'code' must be an ISO 4217 currency code: '${code}' is not the code of a currency`,
    ])
  }
  const isDefault = input.is_default ?? false
  const isActive = input.is_active ?? true
  if (isDefault && !isActive) {
    throw new ApiError('conflict', 'The default currency must be active: send is_active true, or omit it')
  }
  await refuseTaken(trx, workspaceId, 'code', code)
  const apiName = input.api_name ?? code
  await refuseTaken(trx, workspaceId, 'api_name', apiName)
  const at = nowIso()
  const id = uuidv7()
  const insert = () =>
    writingUniques({ code, api_name: apiName }, async () => {
      await trx
        .insertInto('currencies')
        .values({
          id,
          workspace_id: workspaceId,
          code,
          api_name: apiName,
          name: input.name ?? info.name,
          is_active: flag(isActive),
          is_default: flag(isDefault),
          created_at: at,
          updated_at: at,
        })
        .execute()
    })
  if (isDefault) await asDefault(w, id, insert)
  else await insert()
  return id
}

/**
 * Applies a partial update. The workspace keeps exactly one default, which stays active: is_default true
 * moves it here (the previous default's updated event is recorded too); is_default false, or is_active
 * false, on the default is a 409. False if the currency is absent.
 */
export async function updateCurrency(w: WriteContext, id: string, patch: CurrencyPatch): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await currencyRow(trx, workspaceId, id)
  if (!current) return false
  const wasDefault = isSet(current.is_default)
  if (wasDefault && patch.is_default === false) {
    throw new ApiError(
      'conflict',
      `${current.code} is the default currency, and a workspace always has one: make another currency ` +
        'the default instead (is_default true on it)',
    )
  }
  const willBeDefault = patch.is_default ?? wasDefault
  if (willBeDefault && (patch.is_active ?? isSet(current.is_active)) === false) {
    throw new ApiError(
      'conflict',
      wasDefault
        ? `${current.code} is the default currency, which cannot be deactivated: make another currency the default first`
        : `${current.code} is inactive and cannot become the default: send is_active true with is_default true`,
    )
  }
  if (patch.api_name !== undefined) await refuseTaken(trx, workspaceId, 'api_name', patch.api_name, id)
  const set = {
    ...(patch.api_name !== undefined ? { api_name: patch.api_name } : {}),
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.is_active !== undefined ? { is_active: flag(patch.is_active) } : {}),
    ...(patch.is_default !== undefined ? { is_default: flag(patch.is_default) } : {}),
  }
  let found = false
  const update = async () => {
    found = await writingUniques({ api_name: patch.api_name }, () =>
      updateLive(trx, 'currencies', workspaceId, id, set, { softDeleted: false }),
    )
  }
  if (willBeDefault && !wasDefault) await asDefault(w, id, update)
  else await update()
  return found
}
