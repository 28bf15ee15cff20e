import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify'
import type { Kysely } from 'kysely'
import { nowIso } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
import { hashSecret, hasScope, type Scope } from '../domain/tokens.ts'
import type { KnownToken } from '../resources/tokens/cache.ts'
import { tokenCache, touchTokens } from '../resources/tokens/store.ts'
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

/**
 * Checks the bearer token of every route that declares a scope and records who is calling. The check is
 * a hook of each such route (routes without a scope pay nothing), and it answers synchronously when the
 * token is held in memory (see resources/tokens/cache.ts); expiry is checked against the clock every time.
 */
export function registerAuth(app: FastifyInstance, db: Kysely<Database>, limiter?: RateLimiter): void {
  const recordUse = tokenUsageRecorder(app, db)
  const tokens = tokenCache(db, { log: (message) => app.log.warn(message) })
  app.decorateRequest('auth', null as unknown as Auth)

  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    needed: Scope,
    token: KnownToken | undefined,
    done: HookHandlerDoneFunction,
  ) => {
    const now = tokens.now()
    if (!token || token.revoked || token.expiresAtMs <= now) {
      return done(new ApiError('invalid_token', 'Invalid API token', undefined, CHALLENGE))
    }
    if (!hasScope(token.scopes, needed)) {
      return done(new ApiError('insufficient_scope', `This token lacks the '${needed}' permission`))
    }
    request.auth = token
    recordUse(token.tokenId, now)
    if (!limiter) return done()
    // Per workspace, so it needs the token; checked before the route does any work.
    limiter.take(token.workspaceId).then((decision) => {
      const headers = rateLimitHeaders(decision)
      if (!decision.allowed) {
        return done(
          new ApiError(
            'rate_limited',
            'Too many requests for this workspace: retry after Retry-After seconds',
            undefined,
            headers,
          ),
        )
      }
      reply.headers(headers)
      done()
    }, done)
  }

  const authenticate =
    (needed: Scope): onRequestHookHandler =>
    (request, reply, done) => {
      const found = tokens.find(hashSecret(bearerSecret(request)))
      if (found instanceof Promise) found.then((token) => admit(request, reply, needed, token, done), done)
      else admit(request, reply, needed, found, done)
    }

  const guarded = new Set<string>()
  app.addHook('onRoute', (route) => {
    const needed = route.config?.scope
    if (!needed) return
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat()
    route.onRequest = [...own, authenticate(needed)]
    for (const method of [route.method].flat()) guarded.add(`${method} ${route.url}`)
  })
  // A route with a scope registered before this hook would be open to anyone: refuse to start instead.
  app.addHook('onReady', async () => {
    for (const route of app.routeList) {
      if (route.scope && !guarded.has(`${route.method} ${route.url}`)) {
        throw new Error(
          `${route.method} ${route.url} was registered before registerAuth: it has no token check`,
        )
      }
    }
  })
}

/** Throws 403 unless the calling token holds `scope` (for permissions that depend on the request). */
export function requireScope(request: FastifyRequest, scope: Scope): void {
  if (!hasScope(request.auth.scopes, scope)) {
    throw new ApiError('insufficient_scope', `This token lacks the '${scope}' permission`)
  }
}
