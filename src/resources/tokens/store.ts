import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso } from '../../db/dialect.ts'
import { prepared } from '../../db/prepared.ts'
import { versionedCache } from '../../db/read-cache.ts'
import type { Database } from '../../db/types.ts'
import { generateSecret, hashSecret, type Scope } from '../../domain/tokens.ts'

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
