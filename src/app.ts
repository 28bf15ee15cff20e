import { randomUUID } from 'node:crypto'
import type { Writable } from 'node:stream'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify'
import sjson from 'secure-json-parse'
import Type from 'typebox'
import { beginRequest, type Db } from './db/connect.ts'
import { isUnavailableError } from './db/dialect.ts'
import { registerAuth } from './http/auth.ts'
import { registerConditionalRequests } from './http/conditional.ts'
import { trackRequests } from './http/drain.ts'
import { ApiError, errorBody } from './http/errors.ts'
import { registerHygiene } from './http/hygiene.ts'
import { registerIdempotency } from './http/idempotency.ts'
import { lazyChildLogger } from './http/logging.ts'
import { registerOpenApi } from './http/openapi.ts'
import { createRateLimiter } from './http/rate-limit.ts'
import { ErrorResponse } from './http/schemas.ts'
import { validationError, validatorCompiler } from './http/validation.ts'
import { addressRoutes } from './resources/addresses/routes.ts'
import { contactRoutes } from './resources/contacts/routes.ts'
import { customerRoutes } from './resources/customers/routes.ts'
import { segmentRoutes } from './resources/segments/routes.ts'
import { tokenRoutes } from './resources/tokens/routes.ts'

export interface AppOptions {
  db: Db
  logLevel?: string
  /** Where log lines go; stdout by default. */
  logStream?: Writable
  /** Requests per second per workspace (bursts of twice that); 0 or absent: no limit. */
  rateLimit?: number
  /** Shares the rate-limit budget between instances. */
  redisUrl?: string
  /** Origins allowed to call from a browser; none by default. */
  corsOrigins?: string[]
}

export interface RouteInfo {
  method: string
  url: string
  scope: string | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app registered (HEAD aside): what the isolation and fuzzing suites walk. */
    routeList: RouteInfo[]
    /** Set when shutting down: /ready answers 503 and every response closes its connection. */
    draining: boolean
  }
}

export const VERSION = '0.1.0'
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
    routerOptions: { ignoreTrailingSlash: true },
    // While closing, requests on connections still open are served (each closing its connection), not
    // refused with Fastify's own 503: the database stays open until they are done (see http/drain.ts).
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  // NUL cannot be stored in PostgreSQL text, and SQLite's LIKE stops at it: refused everywhere alike.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.trim() === '') return done(null, undefined)
    try {
      // Prototype poisoning refused as Fastify's own parser does; NUL refused (see refuseNul).
      const reviver = text.includes('\\u0000') ? refuseNul : undefined
      done(null, sjson.parse(text, reviver, { protoAction: 'error', constructorAction: 'error' }))
    } catch (err) {
      if (err instanceof ApiError) return done(err, undefined)
      done(
        new ApiError('invalid_json', `Request body is not valid JSON: ${(err as Error).message}`),
        undefined,
      )
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
      if (method !== 'HEAD') routeList.push({ method, url: route.url, scope: route.config?.scope })
    }
  })
  // Hooks take a callback rather than return a promise: a request through them then costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    beginRequest(db.kysely)
    if (app.draining) reply.header('connection', 'close')
    if (request.url.includes('%00')) {
      throw new ApiError('invalid_parameter', 'Query parameters and paths must not contain NUL characters')
    }
    done()
  })
  app.addHook('preHandler', (request, _reply, done) => {
    // UUIDs compare case-insensitively; SQLite stores them as lower-case text.
    const params = request.params as Record<string, string> | undefined
    if (params) for (const key of Object.keys(params)) params[key] = params[key]!.toLowerCase()
    done()
  })
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
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    reply
      .status(404)
      .send(errorBody(new ApiError('route_not_found', `No route for ${request.method} ${path}`)))
  })

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
    redisUrl: options.redisUrl,
    log: app.log,
  })
  if (limiter) app.addHook('onClose', () => limiter.close())
  registerAuth(app, db.kysely, limiter)
  registerConditionalRequests(app)
  registerIdempotency(app, db.kysely)
  for (const routes of [customerRoutes, contactRoutes, addressRoutes, segmentRoutes, tokenRoutes]) {
    await app.register(routes, { db: db.kysely })
  }

  return app
}

const NO_QUERY = Type.Object({}, { additionalProperties: false })

function refuseNul(_key: string, value: unknown) {
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new ApiError('validation_failed', 'Validation error', ['Strings must not contain NUL characters'])
  }
  return value
}

function toApiError(err: FastifyError | ApiError): ApiError {
  if (err instanceof ApiError) return err
  if (isUnavailableError(err)) {
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
