import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import { isForeignKeyViolation } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { hasScope, isScope, type Scope, scopesOf } from '../../domain/tokens.ts'
import { requireScope } from '../../http/auth.ts'
import { ApiError } from '../../http/errors.ts'
import { errors, Success } from '../../http/schemas.ts'
import { declareRoutes, routeConfig } from '../../kernel/routes.ts'
import { answerWrite } from '../../kernel/write.ts'
import { findActiveUser } from '../users/store.ts'
import { tokens } from './resource.ts'
import { Token, TokenCreate, TokenCreated, TokenListQuery } from './schema.ts'
import { createTokenIn, findToken, listTokens, revokeTokenIn } from './store.ts'

const bodyErrors = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
] as const

/** The checks a create needs beyond its schema; returns the scopes to grant and the expiry to store. */
function checkCreate(
  body: TokenCreate,
  granted: readonly string[],
  grantorExpiresAt: string | null,
): { scopes: Scope[]; expiresAt: string | null } {
  const problems: string[] = []
  if (body.permissions !== undefined && body.scopes !== undefined) {
    problems.push("Give either 'permissions' or 'scopes', not both")
  }
  let expiresAt: string | null = null
  // null, as the documented token object holds it, means no expiry of its own, as omitting it does.
  if (body.expires_at !== undefined && body.expires_at !== null) {
    // Kept to the second, as the wire shows it: what a client reads is when the token stops working.
    const at = Math.floor(Date.parse(body.expires_at) / 1000) * 1000
    if (Number.isNaN(at)) problems.push("Field 'expires_at' must be an ISO 8601 date-time")
    else if (at <= Date.now()) problems.push("Field 'expires_at' must be in the future")
    else expiresAt = new Date(at).toISOString()
  }
  // Nor can it outlive the token that creates it: an expiring token hands out expiring tokens.
  if (grantorExpiresAt !== null) {
    if (expiresAt === null) expiresAt = grantorExpiresAt
    else if (expiresAt > grantorExpiresAt) {
      problems.push(
        `Field 'expires_at' must not be later than this token's own expiry, ${grantorExpiresAt.slice(0, 19)}Z`,
      )
    }
  }
  const own = granted.filter(isScope)
  const scopes = body.scopes ?? (body.permissions ? scopesOf(body.permissions) : own)
  if (body.permissions && scopes.length === 0) {
    problems.push("Field 'permissions' must grant at least one permission (read or write)")
  }
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)

  // A token can only hand out what it holds: write covers read, and only '*' covers '*'.
  const lacking = scopes.filter((s) => !hasScope(granted, s))
  if (lacking.length > 0) {
    const listed = lacking.map((s) => `'${s}'`).join(', ')
    throw new ApiError(
      'insufficient_scope',
      `This token cannot grant permissions it lacks: ${listed}`,
      lacking.length > 1 ? lacking.map((s) => `This token lacks the '${s}' permission`) : undefined,
    )
  }
  return { scopes, expiresAt }
}

const NO_SUCH_USER = "Field 'user_id' does not name an active user of this workspace"

/** The id of the active user of the workspace a token is to act as, as stored; a 400 naming user_id else. */
async function actingUser(trx: Kysely<Database>, workspaceId: string, id: string): Promise<string> {
  const user = await findActiveUser(trx, workspaceId, id)
  if (!user) throw new ApiError('validation_failed', 'Validation error', [NO_SUCH_USER])
  return user.value.id
}

export const tokenRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, tokens, {
    path: '/api/tokens',
    tag: 'Tokens',
    item: Token,
    // Tokens have no versions: their only change is their revocation.
    find: async (db, workspaceId, id) => {
      const token = await findToken(db, workspaceId, id)
      return token && { value: token, version: 0 }
    },
    list: {
      summary: 'List API tokens',
      description:
        "The workspace's API tokens, oldest first: all of them, as in Qwoty's docs, unless `limit` or " +
        '`cursor` asks for a page. Deleted (revoked) tokens are not ' +
        'listed; expired ones are, and their `expires_at` says so. Secrets are never shown: `last4` tells ' +
        'tokens apart.',
      query: TokenListQuery,
      whole: true,
      fetch: (db, workspaceId, page) => listTokens(db, workspaceId, page),
    },
    remove: {
      summary: 'Delete an API token',
      description:
        'Revokes the token at once and for good: the next request made with it gets 401. A token may ' +
        'delete itself. A token already deleted is not found.',
      message: 'API token deleted successfully',
      write: revokeTokenIn,
    },
  })

  app.post(
    '/api/tokens',
    {
      config: { ...routeConfig(tokens, 'write'), keepResponse: false },
      schema: {
        tags: ['Tokens'],
        summary: 'Create an API token',
        description:
          'Creates a token of the workspace and answers with its secret, `token`, shown this once only. ' +
          'Its permissions are given as Qwoty-style `permissions` or as `scopes`, not both; with neither, ' +
          'it gets the scopes of the token that creates it. A token cannot grant what it does not hold, nor ' +
          'outlive the token that creates it (which is also its default expiry) ' +
          '(403 `insufficient_scope`): `write` covers `read`, `approve` (of a group with approvals, such as ' +
          "quotes) covers `read` but not `write`, and only a `'*'` token can grant `'*'`. The permission level " +
          '`approve` grants write and approve. ' +
          '`user_id` names an active user of the workspace for it to act as (400 otherwise): its writes ' +
          'record that user as created_by / updated_by. Naming a user other than its own needs `users:write`.',
        body: TokenCreate,
        response: { 201: Success(TokenCreated), ...errors(...bodyErrors, 'invalid_token') },
      },
    },
    async (request, reply) => {
      const { scopes, expiresAt } = checkCreate(request.body, request.auth.scopes, request.auth.expiresAt)
      const userId = request.body.user_id ?? null
      if (userId !== null && userId.toLowerCase() !== request.auth.userId)
        requireScope(request, 'users:write')
      return answerWrite(db, request, reply, { resource: tokens }, async (w) => {
        const name = request.body.name.trim()
        const user = userId === null ? null : await actingUser(w.trx, w.workspaceId, userId)
        const { token, secret } = await createTokenIn(w, { name, scopes, expiresAt, userId: user }).catch(
          (err) => {
            // The user deleted meanwhile, by a write this one waited for.
            throw isForeignKeyViolation(err)
              ? new ApiError('validation_failed', 'Validation error', [NO_SUCH_USER])
              : err
          },
        )
        const { id, name: named, ...details } = token
        return { status: 201, body: { success: true, data: { id, name: named, token: secret, ...details } } }
      })
    },
  )
}
