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
import { type RateLimitDecision, type RateLimiter, rateLimitHeaders } from './rate-limit.ts'

export interface Auth {
  workspaceId: string
  tokenId: string
  /** The user the token acts as (api_tokens.user_id), or null. */
  userId?: string | null
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
/** Hashes of the tokens this process saw valid lately, let past the budget of failed authentications. */
const KNOWN_VALID_MAX = 10_000
const TOUCH_INTERVAL_MS = 60_000
const FLUSH_DELAY_MS = 1000

/** The recording of token use of an app, for tests: see tokenUsageOf. */
export interface TokenUsage {
  /** Whether a write of token use waits for its timer. */
  readonly scheduled: boolean
  /** Writes what waits for its timer now, and resolves once every write begun so far is done. */
  flush(): Promise<void>
}

const usages = new WeakMap<FastifyInstance, TokenUsage>()

/** How an app records token use (undefined before registerAuth). */
export function tokenUsageOf(app: FastifyInstance): TokenUsage | undefined {
  return usages.get(app)
}

/**
 * Keeps api_tokens.last_used_at current without a write per request: a token is recorded at most once
 * a minute, and the tokens recorded within a second are written together in one statement.
 */
function tokenUsageRecorder(app: FastifyInstance, db: Kysely<Database>) {
  const lastRecorded = new Map<string, number>()
  let pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  const writing = new Set<Promise<void>>()

  const write = async () => {
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
  const flush = () => {
    const done = write().finally(() => writing.delete(done))
    writing.add(done)
    return done
  }
  const usage: TokenUsage = {
    get scheduled() {
      return timer !== undefined
    },
    async flush() {
      if (timer) {
        clearTimeout(timer)
        flush()
      }
      await Promise.all(writing)
    },
  }
  usages.set(app, usage)
  app.addHook('onClose', () => usage.flush())
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
 *
 * With `failures` (see createAuthFailureLimiter), every failed authentication (no token, or an unknown,
 * revoked or expired one) spends one token of its client address's budget. An address that spent it is
 * answered 429 before any database lookup, for any request whose token this process has not seen valid
 * lately; tokens it has seen valid go on as usual, so a client behind the same address as an attacker is
 * not locked out. A token this process has not seen valid yet reserves a failure before its lookup (so a
 * flood sent at once cannot outrun the budget) and gives it back when it turns out valid.
 */
export function registerAuth(
  app: FastifyInstance,
  db: Kysely<Database>,
  limiter?: RateLimiter,
  failures?: RateLimiter,
): void {
  const recordUse = tokenUsageRecorder(app, db)
  const tokens = tokenCache(db, { log: (message) => app.log.warn(message) })
  app.decorateRequest('auth', null as unknown as Auth)
  const knownValid = new Set<string>()
  const remember = (hash: string) => {
    if (knownValid.has(hash)) return
    if (knownValid.size >= KNOWN_VALID_MAX) knownValid.delete(knownValid.values().next().value as string)
    knownValid.add(hash)
  }

  /** Answers a failed authentication: `err`, or 429 once the client's address has no failure left. */
  const refuse = (request: FastifyRequest, err: ApiError, done: HookHandlerDoneFunction) => {
    if (!failures) return done(err)
    failures.take(clientKey(request)).then(
      (decision) => done(decision.allowed ? err : tooManyFailures(decision)),
      () => done(err),
    )
  }

  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    needed: Scope,
    hash: string,
    reserved: boolean,
    token: KnownToken | undefined,
    done: HookHandlerDoneFunction,
  ) => {
    const now = tokens.now()
    if (!token || token.revoked || token.expiresAtMs <= now) {
      const err = new ApiError('invalid_token', 'Invalid API token', undefined, CHALLENGE)
      if (!failures) return done(err)
      knownValid.delete(hash)
      // A reservation is the failure already.
      return reserved ? done(err) : refuse(request, err, done)
    }
    if (reserved) {
      remember(hash)
      failures!.refund(clientKey(request)).catch(() => {})
    }
    if (!hasScope(token.scopes, needed)) return done(lacking(needed))
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

  const lookup = (
    request: FastifyRequest,
    reply: FastifyReply,
    needed: Scope,
    hash: string,
    reserved: boolean,
    done: HookHandlerDoneFunction,
  ) => {
    const found = tokens.find(hash)
    if (found instanceof Promise) {
      found.then(
        (token) => admit(request, reply, needed, hash, reserved, token, done),
        (err) => {
          // The database did not answer (a 503): that is no failure of the client's.
          if (reserved) failures!.refund(clientKey(request)).catch(() => {})
          done(err)
        },
      )
    } else admit(request, reply, needed, hash, reserved, found, done)
  }

  const authenticate =
    (needed: Scope): onRequestHookHandler =>
    (request, reply, done) => {
      let hash: string
      try {
        hash = hashSecret(bearerSecret(request))
      } catch (err) {
        return refuse(request, err as ApiError, done)
      }
      if (!failures || knownValid.has(hash)) return lookup(request, reply, needed, hash, false, done)
      failures.take(clientKey(request)).then(
        (decision) => {
          if (!decision.allowed) return done(tooManyFailures(decision))
          lookup(request, reply, needed, hash, true, done)
        },
        () => lookup(request, reply, needed, hash, false, done),
      )
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
  if (!hasScope(request.auth.scopes, scope)) throw lacking(scope)
}

function lacking(scope: Scope): ApiError {
  return new ApiError('insufficient_scope', `This token lacks the '${scope}' permission`)
}

/** The budget of failed authentications a client address is counted against (request.ip: see TRUST_PROXY). */
function clientKey(request: FastifyRequest): string {
  return `auth:${request.ip}`
}

function tooManyFailures(decision: RateLimitDecision): ApiError {
  return new ApiError(
    'rate_limited',
    'Too many failed authentications from this address: retry after Retry-After seconds',
    undefined,
    { 'Retry-After': String(decision.retryAfterSeconds) },
  )
}
