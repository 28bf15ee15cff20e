import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { isPostgres, nowIso } from '../../db/dialect.ts'
import type { Database, UserTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, updateLive, versioned } from '../../kernel/store.ts'
import { alreadyUsed, isUniqueViolation } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { TOKEN_CHANNEL, tokenCacheOf } from '../tokens/cache.ts'
import type { User, UserCreate, UserListQuery, UserPatch } from './schema.ts'

type UserRow = Selectable<UserTable>

/** The wire object. */
export function toUser(row: UserRow): Versioned<User> {
  return versioned(
    {
      id: row.id,
      first_name: row.first_name,
      last_name: row.last_name,
      email: row.email,
      role: row.role,
      status: row.status,
      external_ids: { crm: row.id_crm, erp: row.id_erp, accounting: row.id_accounting },
      ...stamps(row),
    },
    row.version,
  )
}

function userRow(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** One user of the workspace, or undefined. */
export async function findUser(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<User> | undefined> {
  const row = await userRow(db, workspaceId, id)
  return row && toUser(row)
}

/**
 * The user `id` names when it is an active user of the workspace (a token may act as it, a quote may be
 * owned by it), else undefined; any string is accepted, a non-UUID names nobody.
 */
export async function findActiveUser(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<User> | undefined> {
  if (!isUuid(id)) return undefined
  const user = await findUser(db, workspaceId, id.toLowerCase())
  return user?.value.status === 'active' ? user : undefined
}

/** A page of the workspace's users, oldest first. */
export async function listUsers(
  db: Kysely<Database>,
  workspaceId: string,
  filters: UserListQuery,
): Promise<PageResult<User>> {
  let query = db.selectFrom('users as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.role !== undefined) query = query.where('t.role', '=', filters.role)
  if (filters.status !== undefined) query = query.where('t.status', '=', filters.status)
  if (filters.email !== undefined) {
    // Through the (workspace_id, lower(email)) index.
    query = query.where(sql<boolean>`lower(t.email) = lower(${filters.email.trim()})`)
  }
  const page = await paginate(query, filters, 'created_at', listBinding('users', filters))
  return { ...page, rows: page.rows.map((row) => toUser(row).value) }
}

const EXTERNAL = [
  ['crm', 'id_crm'],
  ['erp', 'id_erp'],
  ['accounting', 'id_accounting'],
] as const

/**
 * The external id columns a body sets, from `external_ids` and the flat id_crm, id_erp, id_accounting:
 * both forms of one id must agree.
 */
function externalColumns(
  body: UserCreate | UserPatch,
): Partial<Record<'id_crm' | 'id_erp' | 'id_accounting', string | null>> {
  const out: Partial<Record<'id_crm' | 'id_erp' | 'id_accounting', string | null>> = {}
  const problems: string[] = []
  for (const [key, column] of EXTERNAL) {
    const nested = body.external_ids?.[key]
    const flat = body[column]
    if (nested !== undefined && flat !== undefined && nested !== flat) {
      problems.push(
        `Fields 'external_ids.${key}' and '${column}' are the same id and differ: send one of them`,
      )
    }
    const value = nested !== undefined ? nested : flat
    if (value !== undefined) out[column] = value
  }
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  return out
}

/** The 409 of an email another user of the workspace holds (any case), naming that user. */
async function refuseTakenEmail(trx: Kysely<Database>, workspaceId: string, email: string, self?: string) {
  const holder = await trx
    .selectFrom('users')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', workspaceId)
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .$if(self !== undefined, (q) => q.where('id', '<>', self!))
    .executeTakeFirst()
  if (holder) {
    throw alreadyUsed('email', email, 'user', {
      id: holder.id,
      name: `${holder.first_name} ${holder.last_name}`,
    })
  }
}

/** Runs a write of an email: the unique index users_email firing (a concurrent write) is the same 409. */
async function writingEmail<T>(email: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    // users_email is an index on an expression: SQLite names no column, so any unique violation of a
    // users write (whose only other unique key is its new id) is this one.
    if (email !== undefined && isUniqueViolation(err)) throw alreadyUsed('email', email, 'user')
    throw err
  }
}

/** Creates a user; returns its id. */
export async function createUser({ trx, workspaceId }: WriteContext, input: UserCreate): Promise<string> {
  const external = externalColumns(input)
  await refuseTakenEmail(trx, workspaceId, input.email)
  const at = nowIso()
  const id = uuidv7()
  await writingEmail(input.email, () =>
    trx
      .insertInto('users')
      .values({
        id,
        workspace_id: workspaceId,
        first_name: input.first_name,
        last_name: input.last_name,
        email: input.email,
        role: input.role,
        status: input.status ?? 'active',
        id_crm: external.id_crm ?? null,
        id_erp: external.id_erp ?? null,
        id_accounting: external.id_accounting ?? null,
        created_at: at,
        updated_at: at,
      })
      .execute(),
  )
  return id
}

/** Applies a partial update; false if the user is absent. */
export async function updateUser({ trx, workspaceId }: WriteContext, id: string, patch: UserPatch) {
  const external = externalColumns(patch)
  if (patch.email !== undefined) await refuseTakenEmail(trx, workspaceId, patch.email, id)
  const set: Record<string, unknown> = { ...external }
  for (const key of ['first_name', 'last_name', 'email', 'role', 'status'] as const) {
    if (patch[key] !== undefined) set[key] = patch[key]
  }
  return writingEmail(patch.email, () =>
    updateLive(trx, 'users', workspaceId, id, set, { softDeleted: false }),
  )
}

/**
 * Deletes the user for good: the tokens that acted as it act as nobody (api_tokens.user_id is set null by
 * its foreign key, and every process forgets what it held of them), quotes it owned keep their copy of it
 * (quotes.owner_id is set null). False if it is absent.
 */
export async function deleteUser(w: WriteContext, id: string): Promise<boolean> {
  const { trx, workspaceId } = w
  const tokens = await trx
    .selectFrom('api_tokens')
    .select('token_hash')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', id)
    .execute()
  if (tokens.length > 0 && isPostgres(trx)) {
    // Delivered when the transaction commits: each process drops these tokens from its cache.
    await sql`select pg_notify(${TOKEN_CHANNEL}, token_hash) from api_tokens
      where workspace_id = ${workspaceId} and user_id = ${id}`.execute(trx)
  }
  const result = await trx
    .deleteFrom('users')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  w.afterCommit(() => {
    for (const t of tokens) tokenCacheOf(w.db)?.drop(t.token_hash)
  })
  return Number(result.numDeletedRows) > 0
}
