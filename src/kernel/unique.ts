import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/types.ts'
import { firstFree, slugify } from '../domain/api-names.ts'
import { ApiError } from '../http/errors.ts'

// Fields unique in a workspace (an api_name, a product's reference or SKU): a write checks first, to name
// the record that holds the value in its 409, and the database's unique index settles the race that check
// cannot see, answered with the same 409 (without the holder, which another transaction has not committed).

/** The 409 of a value another record holds: "api_name 'standard' is already used by catalog <id> (Standard)". */
export function alreadyUsed(
  field: string,
  value: string,
  noun: string,
  holder?: { id: string; name?: string | null },
): ApiError {
  const who = holder ? `${noun} ${holder.id}${holder.name ? ` (${holder.name})` : ''}` : `another ${noun}`
  return new ApiError('conflict', `${field} '${value}' is already used by ${who}`)
}

/**
 * Whether `err` is a unique index or constraint firing: any of them, or the one of `column` of `table`
 * (PostgreSQL names its constraint `<table>_<column>`; SQLite says "UNIQUE constraint failed: table.column").
 */
export function isUniqueViolation(err: unknown, table?: string, column?: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null
  if (e?.code === '23505') return table === undefined || e.constraint === `${table}_${column}`
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE') return false
  return table === undefined || String(e.message).includes(`${table}.${column}`)
}

/** The record of `table` (live, and other than `except`) whose `column` holds `value`: its id and name. */
export async function holderOf(
  trx: Kysely<Database>,
  table:
    | 'payment_terms'
    | 'catalogs'
    | 'product_parents'
    | 'products'
    | 'currencies'
    | 'taxes'
    | 'billing_frequencies'
    | 'pricebooks',
  workspaceId: string,
  column: string,
  value: string,
  options: { except?: string; live?: boolean; active?: boolean } = {},
): Promise<{ id: string; name: string } | undefined> {
  const { rows } = await sql<{ id: string; name: string }>`select id, name from ${sql.table(table)}
    where workspace_id = ${workspaceId} and ${sql.ref(column)} = ${value}
    ${options.except === undefined ? sql`` : sql`and id <> ${options.except}`}
    ${options.live ? sql`and deleted_at is null` : sql``}
    ${options.active ? sql`and is_active = ${1}` : sql``}
    limit 1`.execute(trx)
  const row = rows[0]
  return row && { id: String(row.id), name: row.name }
}

/** Runs a write that stores `field`: its unique index firing is the same 409 as a holder found before. */
export async function writingUnique<T>(
  what: { table: string; column: string; field: string; noun: string; value: string | null | undefined },
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (what.value != null && isUniqueViolation(err, what.table, what.column)) {
      throw alreadyUsed(what.field, what.value, what.noun)
    }
    throw err
  }
}

/**
 * The api_name of a resource whose records name themselves (catalogs, taxes, pricebooks): unique in the
 * workspace, made from the name when not given ("Premium Products" → premium_products, then
 * premium_products_2 … while taken). `within` narrows the uniqueness to the records of the workspace whose
 * column holds a value (custom fields: unique per object).
 */
export function apiNames(
  table: 'catalogs' | 'taxes' | 'pricebooks' | 'custom_fields',
  noun: string,
  within?: { column: string; value: string },
) {
  const narrowed = within ? sql`and ${sql.ref(within.column)} = ${within.value}` : sql``

  /** The 409 of an api_name another record holds, naming it when it can. */
  const taken = (apiName: string, holder?: { id: string; name: string }) =>
    alreadyUsed('api_name', apiName, noun, holder)

  /** The record of the workspace that holds `apiName`, other than `except`. */
  async function holder(trx: Kysely<Database>, workspaceId: string, apiName: string, except?: string) {
    const { rows } = await sql<{ id: string; name: string }>`select id, name from ${sql.table(table)}
      where workspace_id = ${workspaceId} and api_name = ${apiName} ${narrowed}
      ${except === undefined ? sql`` : sql`and id <> ${except}`}
      limit 1`.execute(trx)
    const row = rows[0]
    return row && { id: String(row.id), name: row.name }
  }

  /** The first free api_name made from `name`: one query for every taken name that starts with its slug. */
  async function free(trx: Kysely<Database>, workspaceId: string, name: string): Promise<string> {
    const base = slugify(name, noun.replace(/\W+/g, '_'))
    const { rows } = await sql<{ api_name: string }>`select api_name from ${sql.table(table)}
      where workspace_id = ${workspaceId} ${narrowed}
      and (api_name = ${base} or substr(api_name, 1, ${base.length + 1}) = ${`${base}_`})`.execute(trx)
    return firstFree(base, new Set(rows.map((r) => r.api_name)))
  }

  /**
   * Runs `write` (which stores the api_name) so that the unique constraint settles a race the check before
   * it could not see: an explicit api_name another transaction took meanwhile is the same 409 as one taken
   * before; a generated one moves on to the next free number. A savepoint keeps the transaction usable
   * after the violation (PostgreSQL aborts it otherwise).
   */
  async function writing(
    trx: Kysely<Database>,
    workspaceId: string,
    input: { explicit?: string; name: string },
    write: (apiName: string) => Promise<void>,
  ): Promise<void> {
    const savepoint = sql.raw(`${noun.replace(/\W+/g, '_')}_api_name`)
    for (let attempt = 1; ; attempt++) {
      const apiName = input.explicit ?? (await free(trx, workspaceId, input.name))
      await sql`savepoint ${savepoint}`.execute(trx)
      try {
        await write(apiName)
        await sql`release savepoint ${savepoint}`.execute(trx)
        return
      } catch (err) {
        await sql`rollback to savepoint ${savepoint}`.execute(trx)
        if (!isUniqueViolation(err, table, 'api_name')) throw err
        if (input.explicit !== undefined || attempt >= 5) {
          throw taken(apiName, await holder(trx, workspaceId, apiName))
        }
      }
    }
  }

  return { taken, holderOf: holder, withApiName: writing }
}
