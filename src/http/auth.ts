import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { nowIso, toStoredTime } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
import { hashSecret, hasScope, type Scope } from '../domain/tokens.ts'
import { findTokenByHash, touchTokens } from '../resources/tokens/store.ts'
import { ApiError } from './errors.ts'
import { type RateLimiter, rateLimitHeaders } from './rate-limit.ts'

export interface Auth {
  workspaceId: string
  tokenId: string
  scopes: string[]
  /** When the calling token expires (ISO), or null: a token it creates cannot outlive it. */
  expiresAt: string | null
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
const FLUSH_DELAY_MS = 1000

/**
 * Keeps api_tokens.last_used_at current without a write per request: a token is recorded at most once
 * a minute, and the tokens recorded within a second are written together in one statement.
 */
function tokenUsageRecorder(app: FastifyInstance, db: Kysely<Database>) {
  const lastRecorded = new Map<string, number>()
  let pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined

  const flush = async () => {
    timer = undefined
    const ids = [...pending]
    pending = new Set()
    try {
      await touchTokens(db, ids, nowIso())
    } catch (err) {
      for (const id of ids) lastRecorded.delete(id)
      app.log.warn({ err: { message: (err as Error).message } }, 'could not record token use')
    }
  }
  app.addHook('onClose', async () => {
    if (timer) {
      clearTimeout(timer)
      await flush()
    }
  })
  return (tokenId: string, now: number) => {
    if (now - (lastRecorded.get(tokenId) ?? 0) < TOUCH_INTERVAL_MS) return
    lastRecorded.set(tokenId, now)
    pending.add(tokenId)
    timer ??= setTimeout(flush, FLUSH_DELAY_MS).unref()
  }
}

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
export function registerAuth(app: FastifyInstance, db: Kysely<Database>, limiter?: RateLimiter): void {
  const recordUse = tokenUsageRecorder(app, db)
  app.decorateRequest('auth', null as unknown as Auth)
  app.addHook('onRequest', async (request, reply) => {
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
    request.auth = {
      workspaceId: token.workspace_id,
      tokenId: token.id,
      scopes,
      expiresAt: token.expires_at === null ? null : toStoredTime(token.expires_at),
    }
    if (limiter) {
      // Per workspace, so it needs the token; checked before the route does any work.
      const decision = await limiter.take(token.workspace_id)
      const headers = rateLimitHeaders(decision)
      if (!decision.allowed) {
        throw new ApiError(
          'rate_limited',
          'Too many requests for this workspace: retry after Retry-After seconds',
          undefined,
          headers,
        )
      }
      reply.headers(headers)
    }
    recordUse(token.id, now)
  })
}

/** Throws 403 unless the calling token holds `scope` (for permissions that depend on the request). */
export function requireScope(request: FastifyRequest, scope: Scope): void {
  if (!hasScope(request.auth.scopes, scope)) {
    throw new ApiError('insufficient_scope', `This token lacks the '${scope}' permission`)
  }
}
