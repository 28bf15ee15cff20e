import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { nowIso, toStoredTime } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
import { hashSecret, hasScope, type Scope } from '../domain/tokens.ts'
import { findTokenByHash, touchToken } from '../resources/tokens/store.ts'
import { ApiError } from './errors.ts'

export interface Auth {
  workspaceId: string
  tokenId: string
  scopes: string[]
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a token needs for this route; routes without one are public. */
    scope?: Scope
  }
  interface FastifyRequest {
    auth: Auth
  }
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="quoin"' }
const TOUCH_INTERVAL_MS = 60_000

function bearerSecret(request: FastifyRequest): string {
  const header = request.headers.authorization
  if (!header)
    throw new ApiError(
      'missing_token',
      'Missing API token: send Authorization: Bearer <token>',
      undefined,
      CHALLENGE,
    )
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  if (!match)
    throw new ApiError('missing_token', 'Authorization must use the Bearer scheme', undefined, CHALLENGE)
  return match[1]!
}

/** Checks the bearer token of every route that declares a scope and records who is calling. */
export function registerAuth(app: FastifyInstance, db: Kysely<Database>): void {
  // last_used_at is written at most once a minute per token, not on every request.
  const lastTouched = new Map<string, number>()

  app.decorateRequest('auth', null as unknown as Auth)
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config.scope
    if (!needed) return
    const secret = bearerSecret(request)
    const token = await findTokenByHash(db, hashSecret(secret))
    const now = Date.now()
    if (
      !token ||
      token.revoked_at !== null ||
      (token.expires_at !== null && Date.parse(toStoredTime(token.expires_at)) <= now)
    ) {
      throw new ApiError('invalid_token', 'Invalid API token', undefined, CHALLENGE)
    }
    const scopes = token.scopes.split(' ')
    if (!hasScope(scopes, needed)) {
      throw new ApiError('insufficient_scope', `This token lacks the '${needed}' permission`)
    }
    request.auth = { workspaceId: token.workspace_id, tokenId: token.id, scopes }

    const last = lastTouched.get(token.id) ?? 0
    if (now - last >= TOUCH_INTERVAL_MS) {
      lastTouched.set(token.id, now)
      touchToken(db, token.id, nowIso()).catch((err) => {
        lastTouched.delete(token.id)
        request.log.warn({ err }, 'could not record token use')
      })
    }
  })
}

/** Throws 403 unless the calling token holds `scope` (for permissions that depend on the request). */
export function requireScope(request: FastifyRequest, scope: Scope): void {
  if (!hasScope(request.auth.scopes, scope)) {
    throw new ApiError('insufficient_scope', `This token lacks the '${scope}' permission`)
  }
}
