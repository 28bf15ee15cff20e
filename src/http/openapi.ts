import swagger from '@fastify/swagger'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const DESCRIPTION = `Quoin implements Qwoty's public REST API on your own machines.

Authenticate with \`Authorization: Bearer <token>\`. Tokens belong to one workspace and carry scopes
such as \`customers:read\`; a token never sees another workspace's records (they are "not found").

Successful responses are \`{"success": true, "data": …}\`. Errors are
\`{"success": false, "error": "<sentence>", "code": "<snake_case>", "details": ["…"]}\`.
Every response carries \`X-Request-Id\`; authenticated ones carry the RateLimit headers. Writes accept
\`Idempotency-Key\`; single records carry an \`ETag\` for \`If-None-Match\` (304) and \`If-Match\` (412).`

const header = (description: string, schema: object = { type: 'string' }) => ({ description, schema })

const RESPONSE_HEADERS = {
  'X-Request-Id': header('Identifies the request in the logs; echoes a well-formed one the client sent'),
  'RateLimit-Limit': header("The workspace's burst budget (requests)", { type: 'integer' }),
  'RateLimit-Remaining': header('Requests left in the budget now', { type: 'integer' }),
  'RateLimit-Reset': header('Seconds until the budget is full again', { type: 'integer' }),
}
const ETAG = header('The version of the record, for If-None-Match and If-Match')
const REPLAYED = header(
  'true when this is the kept response of an earlier request with the same Idempotency-Key',
)
const RETRY_AFTER = header('Seconds to wait before retrying', { type: 'integer' })

const PARAMETERS = {
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes the write safe to retry: the first response is kept 24 hours and replayed to a retry of the same ' +
      'request; the same key with another request is a 422, and while the first runs a 409.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  },
  ifMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description:
      'Write only if the record still has this ETag (or any, with *); otherwise 412 and nothing is written',
    schema: { type: 'string' },
  },
  ifNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description: 'Answer 304 with no body if the record still has this ETag',
    schema: { type: 'string' },
  },
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

/** What a route does with the shared headers, from its configuration (see kernel/routes.ts). */
interface Conditional {
  etag?: boolean
  ifNoneMatch?: boolean
  ifMatch?: boolean
}

/** Statuses the shared mechanisms add to an operation, beyond what its route declares. */
function sharedStatuses(method: string, conditional: Conditional, hasBody: boolean): Record<string, string> {
  const out: Record<string, string> = {}
  if (hasBody) {
    out['400'] = 'Invalid request: the body, a parameter or a header is malformed'
    out['413'] = 'Request body larger than 1 MiB'
    out['415'] = 'Request body is not JSON'
  }
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
    out['400'] = 'Invalid request: the body, a parameter or a header is malformed'
    out['409'] = 'Conflict: a request with this Idempotency-Key is still running, or the record is in use'
    out['422'] = 'This Idempotency-Key was used for a different request'
  }
  if (conditional.ifMatch) out['412'] = 'If-Match no longer matches the record: nothing was written'
  return out
}

type Operation = {
  requestBody?: unknown
  security?: unknown[]
  parameters?: unknown[]
  responses?: Record<string, { headers?: Record<string, unknown> }>
}

/**
 * Adds the headers every operation shares, which no route schema repeats: each as its route's
 * configuration says it works, never guessed from its path.
 */
function declareHeaders(
  document: { paths?: Record<string, Record<string, Operation>> },
  conditionals: Map<string, Conditional>,
) {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!op.responses) continue
      const secured = (op.security?.length ?? 0) > 0
      const m = method.toUpperCase()
      const conditional = conditionals.get(`${m} ${path}`) ?? {}
      op.parameters ??= []
      const params = op.parameters
      // Every write with a scope runs the idempotency hook (see http/idempotency.ts).
      if (secured && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) params.push(PARAMETERS.idempotencyKey)
      if (secured && conditional.ifMatch) params.push(PARAMETERS.ifMatch)
      if (secured && conditional.ifNoneMatch) params.push(PARAMETERS.ifNoneMatch)
      if (secured) {
        for (const [status, description] of Object.entries(
          sharedStatuses(m, conditional, op.requestBody !== undefined),
        )) {
          op.responses[status] ??= errorResponse(description) as never
        }
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const headers: Record<string, unknown> = { 'X-Request-Id': RESPONSE_HEADERS['X-Request-Id'] }
        if (secured) Object.assign(headers, RESPONSE_HEADERS)
        if (secured && status.startsWith('2') && conditional.etag) headers.ETag = ETAG
        if (secured && m !== 'GET') headers['Idempotent-Replayed'] = REPLAYED
        if (status === '429' || status === '503') headers['Retry-After'] = RETRY_AFTER
        if (status === '412') headers.ETag = header('The current ETag of the record')
        response.headers = { ...response.headers, ...headers }
      }
      if (secured && conditional.ifNoneMatch) {
        op.responses['304'] = {
          description: 'Not modified: the record still has the ETag given in If-None-Match',
        } as never
      }
    }
  }
  return document
}

/** The OpenAPI 3.1 document at /api/openapi.json and its reference pages at /docs. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  // Each operation's conditional headers, as its route's configuration declares them.
  const conditionals = new Map<string, Conditional>()
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Quoin API', version, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A workspace API token: Bearer qwoty_…' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const config = route.config as { scope?: string; conditional?: Conditional } | undefined
      const secured = Boolean(config?.scope)
      const path = url.replace(/:(\w+)/g, '{$1}')
      for (const method of [route.method].flat())
        conditionals.set(`${method} ${path}`, config?.conditional ?? {})
      return { schema: { ...schema, security: secured ? [{ bearer: [] }] : [] } as typeof schema, url }
    },
    transformObject: (document) =>
      declareHeaders((document as { openapiObject: never }).openapiObject, conditionals) as never,
  })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  registerDocsPages(app)
}

/**
 * /docs: @fastify/swagger-ui and the static file server under it cost about 50 ms at every start, for
 * pages that most processes never serve. So they load on the first request to /docs, in a Fastify instance
 * of their own that never listens: /docs and everything under it are answered by injecting the request there.
 */
function registerDocsPages(app: FastifyInstance): void {
  let pages: Promise<FastifyInstance> | undefined
  const loadPages = async () => {
    const [{ default: Fastify }, { default: swaggerUi }] = await Promise.all([
      import('fastify'),
      import('@fastify/swagger-ui'),
    ])
    const docs = Fastify({ logger: false })
    await docs.register(swagger, { mode: 'static', specification: { document: app.swagger() as never } })
    await docs.register(swaggerUi, { routePrefix: '/docs' })
    await docs.ready()
    return docs
  }
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // A failed load (which would be a bug) is tried again by the next request rather than kept.
    pages ??= loadPages().catch((err) => {
      pages = undefined
      throw err
    })
    const res = await (await pages).inject({
      method: request.method as 'GET' | 'HEAD',
      url: request.url,
      headers: request.headers,
    })
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value)
    }
    return reply.status(res.statusCode).send(res.rawPayload)
  }
  app.get('/docs', { schema: { hide: true } }, handler)
  app.get('/docs/*', { schema: { hide: true } }, handler)
}

/** Headers of the inner answer that describe its own connection, not the answer: the outer one sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date'])
