import { randomUUID } from 'node:crypto'
import type { Writable } from 'node:stream'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify'
import sjson from 'secure-json-parse'
import Type from 'typebox'
import { beginRequest, type Db } from './db/connect.ts'
import { isRetryableTransactionError, isUnavailableError } from './db/dialect.ts'
import { isUuid } from './domain/ids.ts'
import { registerAuth } from './http/auth.ts'
import { trackRequests } from './http/drain.ts'
import { clientErrorHandler, frameworkErrors, registerEdges } from './http/edges.ts'
import { ApiError, errorBody, notFound } from './http/errors.ts'
import { registerHygiene, securityHeaders } from './http/hygiene.ts'
import { registerIdempotency } from './http/idempotency.ts'
import { lazyChildLogger } from './http/logging.ts'
import { registerOpenApi } from './http/openapi.ts'
import { type AuthFailureBudget, createAuthFailureLimiter, createRateLimiter } from './http/rate-limit.ts'
import { ErrorResponse } from './http/schemas.ts'
import { validationError, validatorCompiler } from './http/validation.ts'
import { type Resource, scopeOf } from './kernel/resource.ts'
import { RESOURCES } from './resources/index.ts'
import { VERSION } from './version.ts'

export interface AppOptions {
  db: Db
  logLevel?: string
  /** Where log lines go; stdout by default. */
  logStream?: Writable
  /** Requests per second per workspace (bursts of twice that); 0 or absent: no limit. */
  rateLimit?: number
  /** The burst a workspace may send at once; twice rateLimit by default. */
  rateBurst?: number
  /** The clock of in-memory budgets, in milliseconds (tests move it; Redis budgets use Redis's clock). */
  rateClock?: () => number
  /** Shares the rate-limit budget between instances. */
  redisUrl?: string
  /** Origins allowed to call from a browser; none by default. */
  corsOrigins?: string[]
  /** The resources the app serves: all of them (src/resources/index.ts) unless a test says otherwise. */
  resources?: readonly Resource[]
  /** Failed authentications allowed per client address (see registerAuth); absent: no limit. */
  authFailures?: AuthFailureBudget & { now?: () => number; redisTimeoutMs?: number }
  /** Fastify's trustProxy: whom to believe about the client's address; nobody by default. */
  trustProxy?: boolean | string
}

export interface RouteInfo {
  method: string
  url: string
  scope: string | undefined
  /** The resource that declares the route (every API route has one). */
  resource: string | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app registered (HEAD aside): what the isolation and fuzzing suites walk. */
    routeList: RouteInfo[]
    /** Set when shutting down: /ready answers 503 and every response closes its connection. */
    draining: boolean
  }
  interface FastifyContextConfig {
    /** What a route's `:id` names, for its 404 ("Customer not found"). */
    noun?: string
  }
}

const BODY_LIMIT = 1024 * 1024
const REQUEST_ID = /^[\w.:-]{1,128}$/

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { db } = options
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'authorization'],
        censor: '[redacted]',
      },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // One line per request is written by the onResponse hook below, with the fields we choose.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    schemaErrorFormatter: (errors, dataVar) => validationError(errors, dataVar),
    // Ids are opaque: a long one is a 404 like any unknown id, not a refusal of the path.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    frameworkErrors,
    clientErrorHandler,
    // While closing, requests on connections still open are served (each closing its connection), not
    // refused with Fastify's own 503: the database stays open until they are done (see http/drain.ts).
    return503OnClosing: false,
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  // NUL cannot be stored in PostgreSQL text, and SQLite's LIKE stops at it: refused everywhere alike.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, request.headers['content-type']))
    } catch (err) {
      done(err as ApiError, undefined)
    }
  })
  app.removeContentTypeParser('text/plain')
  app.addSchema(ErrorResponse)

  app.decorate('draining', false)
  trackRequests(app)
  const routeList: RouteInfo[] = []
  app.decorate('routeList', routeList)
  app.addHook('onRoute', (route) => {
    // An API route without query parameters still refuses unknown ones, as every route does.
    if (route.config?.scope && route.schema && !route.schema.querystring) {
      route.schema.querystring = NO_QUERY
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') {
        routeList.push({
          method,
          url: route.url,
          scope: route.config?.scope,
          resource: route.config?.resource,
        })
      }
    }
    // An id that is not a UUID names nothing: the route's 404, before its body is even checked.
    const noun = route.config?.noun
    if (noun) route.preValidation = [...[route.preValidation ?? []].flat(), routeId(noun)]
  })
  // Hooks take a callback rather than return a promise: a request through them then costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    reply.headers(securityHeaders(request.url))
    beginRequest(db.kysely)
    if (app.draining) reply.header('connection', 'close')
    if (request.url.includes('%00')) {
      throw new ApiError('invalid_parameter', 'Query parameters and paths must not contain NUL characters')
    }
    done()
  })
  // Below info, no request line is written: then no hook runs for it either.
  if (['trace', 'debug', 'info'].includes(options.logLevel ?? 'info')) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          path: request.url.split('?')[0],
          status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      )
      done()
    })
  }

  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(err)
    if (apiError.code === 'internal_error') {
      request.log.error({ err }, 'unexpected error')
      return reply.status(500).send({ ...errorBody(apiError), request_id: request.id })
    }
    if (apiError.code === 'database_unavailable')
      request.log.warn({ err: { message: err.message } }, 'database unavailable')
    if (apiError.headers) reply.headers(apiError.headers)
    return reply.status(apiError.status).send(errorBody(apiError))
  })

  registerEdges(app, VERSION)
  await registerHygiene(app, options.corsOrigins ?? [])
  await registerOpenApi(app, VERSION)

  app.get(
    '/health',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )
  app.get(
    '/ready',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') }),
          503: Type.Object({ status: Type.Literal('unavailable'), database: Type.Literal('unreachable') }),
        },
      },
    },
    async (_request, reply) => {
      if (!app.draining && (await db.ping())) return { status: 'ready' as const, database: 'ok' as const }
      return reply.status(503).send({ status: 'unavailable' as const, database: 'unreachable' as const })
    },
  )

  const limiter = createRateLimiter({
    rate: options.rateLimit ?? 0,
    ...(options.rateBurst !== undefined ? { burst: options.rateBurst } : {}),
    ...(options.rateClock ? { now: options.rateClock } : {}),
    redisUrl: options.redisUrl,
    log: app.log,
  })
  if (limiter) app.addHook('onClose', () => limiter.close())
  const failures =
    options.authFailures &&
    createAuthFailureLimiter(options.authFailures, {
      redisUrl: options.redisUrl,
      log: app.log,
      now: options.authFailures.now,
      redisTimeoutMs: options.authFailures.redisTimeoutMs,
    })
  if (failures) app.addHook('onClose', () => failures.close())
  registerAuth(app, db.kysely, limiter, failures)
  registerIdempotency(app, db.kysely)
  // A route declares the resource it belongs to (see kernel/routes.ts routeConfig), and it must be the one
  // registering it, with that resource's scope: else the lists derived from RESOURCES would miss it.
  let registering: string | undefined
  let registeringScope: string | undefined
  app.addHook('onRoute', (route) => {
    if (registering === undefined) return
    const config = route.config ?? {}
    const [scoped] = (config.scope ?? '').split(':')
    if (config.resource !== registering || scoped !== registeringScope) {
      throw new Error(
        `${route.method} ${route.url} is registered by ${registering} but declares ${config.resource ?? 'no resource'}`,
      )
    }
  })
  for (const resource of options.resources ?? RESOURCES) {
    registering = resource.name
    registeringScope = scopeOf(resource)
    await app.register(await resource.routes(), { db: db.kysely })
  }
  registering = undefined

  return app
}

const NO_QUERY = Type.Object({}, { additionalProperties: false })

/** The route's `:id`, lower-cased as stored (UUIDs compare in any case); not a UUID, it names nothing. */
function routeId(noun: string) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const params = request.params as { id?: string } | undefined
    if (params?.id === undefined) return done()
    if (!isUuid(params.id)) return done(notFound(noun))
    params.id = params.id.toLowerCase()
    done()
  }
}

/**
 * A JSON body decoded with the charset it declares (UTF-8 when it declares none), or a 4xx: bytes that are
 * not valid in that charset, or a charset nobody decodes, are refused rather than stored as U+FFFD.
 */
function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8'
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(charset, { fatal: true })
  } catch {
    throw new ApiError(
      'unsupported_media_type',
      `Unsupported charset '${charset}': send the body as UTF-8 (Content-Type: application/json; charset=utf-8)`,
    )
  }
  let text: string
  try {
    text = decoder.decode(body)
  } catch {
    throw new ApiError('invalid_json', `Request body is not valid ${decoder.encoding.toUpperCase()}`)
  }
  if (text.trim() === '') return undefined
  // Escapes may spell NUL (PostgreSQL text cannot hold it) or half a surrogate pair (SQLite and
  // PostgreSQL would each store a different replacement): both are refused, alike on every database.
  const reviver = /\\u(0000|[dD][89a-fA-F])/.test(text) ? refuseUnstorable : undefined
  try {
    // Prototype poisoning refused as Fastify's own parser does.
    return sjson.parse(text, reviver, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError('invalid_json', `Request body is not valid JSON: ${(err as Error).message}`)
  }
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u

function refuseUnstorable(key: string, value: unknown) {
  for (const text of [key, value]) {
    if (typeof text !== 'string') continue
    if (text.includes('\u0000')) {
      throw new ApiError('validation_failed', 'Validation error', ['Strings must not contain NUL characters'])
    }
    if (LONE_SURROGATE.test(text)) {
      throw new ApiError('validation_failed', 'Validation error', [
        'Strings must be valid Unicode: a \\u escape names half of a surrogate pair',
      ])
    }
  }
  return value
}

function toApiError(err: FastifyError | ApiError): ApiError {
  if (err instanceof ApiError) return err
  // A transaction that lost a race (serialization failure, deadlock) may be retried by the client.
  if (isUnavailableError(err) || isRetryableTransactionError(err)) {
    return new ApiError('database_unavailable', 'Database unavailable, try again shortly', undefined, {
      'Retry-After': '1',
    })
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', `Request body is larger than ${BODY_LIMIT} bytes`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'unsupported_media_type',
        'Request body must be JSON (Content-Type: application/json)',
      )
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_json', 'Request body is empty but Content-Type is application/json')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_json', 'Request body does not match its Content-Length')
  }
  if (
    err.statusCode === 400 &&
    (err.name === 'SyntaxError' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
  ) {
    return new ApiError('invalid_json', `Request body is not valid JSON: ${err.message}`)
  }
  return new ApiError('internal_error', 'Internal error')
}
