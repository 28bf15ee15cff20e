import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { isPostgres, nowIso, toStoredTime, toWireTime } from '../../db/dialect.ts'
import { prepared } from '../../db/prepared.ts'
import type { ApiTokenTable, Database } from '../../db/types.ts'
import { generateSecret, hashSecret, permissionsOf, type Scope } from '../../domain/tokens.ts'
import { listBinding, type PageRequest, type PageResult, paginate } from '../../http/pagination.ts'
import { runWrite, type WriteContext } from '../../kernel/write.ts'
import {
  createTokenCache,
  type KnownToken,
  TOKEN_CHANNEL,
  type TokenCache,
  type TokenCacheOptions,
  tokenCacheOf,
} from './cache.ts'
import { tokens } from './resource.ts'
import type { Token } from './schema.ts'

export interface NewToken {
  workspaceId: string
  name: string
  scopes: Scope[]
  expiresAt?: string | null
  /** The user the token acts as (checked by the caller: an active user of the workspace). */
  userId?: string | null
}

/** Creates a token and returns its row with the secret, which is never stored and never shown again. */
export async function createToken(db: Kysely<Database>, input: NewToken) {
  const secret = generateSecret()
  const row = {
    id: uuidv7(),
    workspace_id: input.workspaceId,
    name: input.name,
    token_hash: hashSecret(secret),
    last4: secret.slice(-4),
    scopes: input.scopes.join(' '),
    expires_at: input.expiresAt ?? null,
    last_used_at: null,
    revoked_at: null,
    created_at: nowIso(),
    user_id: input.userId ?? null,
  }
  await db.insertInto('api_tokens').values(row).execute()
  return { row, secret }
}

/** Creates a token as a write of the kernel, with its `token.created` event (never showing the secret). */
export async function createTokenIn(w: WriteContext, input: Omit<NewToken, 'workspaceId'>) {
  const created = await createToken(w.trx, { ...input, workspaceId: w.workspaceId })
  const token = toToken(created.row)
  w.emit(tokens, 'created', token.id, token)
  return { token, secret: created.secret }
}

/** Creates a token outside a request (the command line, the first start): the same write, its own transaction. */
export function issueToken(db: Kysely<Database>, input: NewToken) {
  return runWrite(db, input.workspaceId, (w) => createTokenIn(w, input))
}

const tokenByHash = prepared((db, p: { hash: string }) =>
  db
    .selectFrom('api_tokens')
    .select(['id', 'workspace_id', 'user_id', 'scopes', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', p.hash),
)

async function loadToken(db: Kysely<Database>, hash: string): Promise<KnownToken | undefined> {
  const [row] = await tokenByHash(db, { hash })
  if (!row) return undefined
  const expiresAt = row.expires_at === null ? null : toStoredTime(row.expires_at)
  // Shared by every request made with the token while it is held: nobody may change it.
  return Object.freeze({
    tokenId: row.id,
    workspaceId: row.workspace_id,
    userId: row.user_id,
    scopes: Object.freeze(row.scopes.split(' ')) as string[],
    expiresAt,
    expiresAtMs: expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(expiresAt),
    revoked: row.revoked_at !== null,
  })
}

/** The token cache of a root database handle: made with `options` on first use (tests pass a clock). */
export function tokenCache(db: Kysely<Database>, options?: TokenCacheOptions): TokenCache {
  return tokenCacheOf(db) ?? createTokenCache(db, loadToken, options)
}

/** Records that these tokens were used at `at`, in one statement. */
export async function touchTokens(db: Kysely<Database>, tokenIds: string[], at: string): Promise<void> {
  if (tokenIds.length === 0) return
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', 'in', tokenIds).execute()
}

/** Every column a token shows; never token_hash. */
const TOKEN_COLUMNS = [
  't.id',
  't.name',
  't.scopes',
  't.last4',
  't.expires_at',
  't.created_at',
  't.last_used_at',
  't.user_id',
] as const

type TokenRow = Pick<
  Selectable<ApiTokenTable>,
  'id' | 'name' | 'scopes' | 'last4' | 'expires_at' | 'created_at' | 'last_used_at' | 'user_id'
>

export function toToken(row: TokenRow): Token {
  const scopes = row.scopes.split(' ').filter(Boolean)
  return {
    id: row.id,
    name: row.name,
    scopes: scopes as Scope[],
    permissions: permissionsOf(scopes),
    last4: row.last4,
    expires_at: row.expires_at === null ? null : toWireTime(row.expires_at),
    created_at: toWireTime(row.created_at),
    last_used_at: row.last_used_at === null ? null : toWireTime(row.last_used_at),
    user_id: row.user_id,
  }
}

/** A page of the workspace's live (not revoked) tokens, expired ones included, oldest first. */
export async function listTokens(
  db: Kysely<Database>,
  workspaceId: string,
  page: PageRequest,
): Promise<PageResult<Token>> {
  const query = db
    .selectFrom('api_tokens as t')
    .select(TOKEN_COLUMNS)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.revoked_at', 'is', null)
  const result = await paginate(query, page, 'created_at', listBinding('tokens'))
  return { ...result, rows: result.rows.map(toToken) }
}

/** One live (not revoked) token of the workspace, expired or not, or undefined. */
export async function findToken(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Token | undefined> {
  const row = await db
    .selectFrom('api_tokens as t')
    .select(TOKEN_COLUMNS)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .where('t.revoked_at', 'is', null)
    .executeTakeFirst()
  return row && toToken(row)
}

/**
 * Revokes a live token of the workspace at once: the next request made with it is refused, by every
 * process (see cache.ts: on PostgreSQL the same statement notifies them). False if the token is unknown,
 * of another workspace, or revoked already. The row stays, so its hash is never reused.
 */
export async function revokeToken(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  const hashes = await revoke(db, workspaceId, id)
  for (const hash of hashes) tokenCacheOf(db)?.drop(hash)
  return hashes.length > 0
}

/** revokeToken as a write of the kernel: the process's own cache forgets the token once it commits. */
export async function revokeTokenIn(w: WriteContext, id: string): Promise<boolean> {
  const hashes = await revoke(w.trx, w.workspaceId, id)
  w.afterCommit(() => {
    for (const hash of hashes) tokenCacheOf(w.db)?.drop(hash)
  })
  return hashes.length > 0
}

/** Marks the token revoked and, on PostgreSQL, notifies every process in the same statement. */
async function revoke(db: Kysely<Database>, workspaceId: string, id: string): Promise<string[]> {
  const revoke = db
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('token_hash')
  const rows = isPostgres(db)
    ? await db
        .with('revoked', () => revoke)
        .selectFrom('revoked')
        .select((eb) => [
          'token_hash',
          eb.fn<void>('pg_notify', [sql.lit(TOKEN_CHANNEL), eb.ref('token_hash')]).as('notified'),
        ])
        .execute()
    : await revoke.execute()
  return rows.map((row) => row.token_hash)
}
