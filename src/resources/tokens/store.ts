import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso, toWireTime } from '../../db/dialect.ts'
import { prepared } from '../../db/prepared.ts'
import { versionedCache } from '../../db/read-cache.ts'
import type { ApiTokenTable, Database } from '../../db/types.ts'
import { generateSecret, hashSecret, permissionsOf, type Scope } from '../../domain/tokens.ts'
import { type PageRequest, type PageResult, paginate } from '../../http/pagination.ts'
import type { Token } from './schema.ts'

export interface NewToken {
  workspaceId: string
  name: string
  scopes: Scope[]
  expiresAt?: string | null
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
  }
  await db.insertInto('api_tokens').values(row).execute()
  return { row, secret }
}

const tokenByHash = prepared((db, p: { hash: string }) =>
  db
    .selectFrom('api_tokens')
    .select(['id', 'workspace_id', 'scopes', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', p.hash),
)

const cache = versionedCache<Awaited<ReturnType<typeof tokenByHash>>[number]>()

/** The token a secret names, if it exists at all; the caller decides whether it is still valid. */
export function findTokenByHash(db: Kysely<Database>, tokenHash: string) {
  return cache(db, tokenHash, async () => (await tokenByHash(db, { hash: tokenHash }))[0])
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
] as const

type TokenRow = Pick<
  Selectable<ApiTokenTable>,
  'id' | 'name' | 'scopes' | 'last4' | 'expires_at' | 'created_at' | 'last_used_at'
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
  const result = await paginate(query, page)
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
 * Revokes a live token of the workspace at once: the next request made with it is refused. False if the
 * token is unknown, of another workspace, or revoked already. The row stays, so its hash is never reused.
 */
export async function revokeToken(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
