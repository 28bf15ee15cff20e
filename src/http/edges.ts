import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { ApiError, errorBody } from './errors.ts'
import { API_HEADERS } from './hygiene.ts'

// What answers a request that no route handles: an unknown path (404), a known path with another method
// (405 with Allow), OPTIONS without CORS (204 with Allow), and the requests Node or Fastify refuse before
// any route runs (bad URL, oversized path segment, header or URL too large, unknown method). Every one of
// them answers Quoin's error envelope, never Fastify's.

interface Pattern {
  method: string
  regex: RegExp
}

function toRegex(url: string): RegExp {
  const body = url
    .split('/')
    .map((part) =>
      part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/')
  return new RegExp(`^${body}/?$`)
}

/** The methods a path answers, as an Allow header lists them. */
function allowedMethods(patterns: Pattern[], path: string): string[] {
  const methods = new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.method))
  if (methods.size === 0) return []
  if (methods.has('GET')) methods.add('HEAD')
  methods.add('OPTIONS')
  return [...methods].sort()
}

export function registerEdges(app: FastifyInstance, version: string): void {
  const patterns: Pattern[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && method !== 'OPTIONS') patterns.push({ method, regex: toRegex(route.url) })
    }
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const allowed = allowedMethods(patterns, path)
    if (allowed.length === 0) {
      return reply
        .status(404)
        .send(errorBody(new ApiError('route_not_found', `No route for ${request.method} ${path}`)))
    }
    reply.header('allow', allowed.join(', '))
    if (request.method === 'OPTIONS') return reply.status(204).send()
    const methods = allowed.filter((m) => m !== 'HEAD' && m !== 'OPTIONS').join(', ')
    return reply
      .status(405)
      .send(
        errorBody(
          new ApiError('method_not_allowed', `${request.method} is not allowed on ${path}: use ${methods}`),
        ),
      )
  })

  app.get(
    '/',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Where to start: the API reference and its OpenAPI document',
        response: {
          200: Type.Object({
            name: Type.Literal('Quoin'),
            version: Type.String(),
            docs: Type.String({ description: 'The API reference pages' }),
            openapi: Type.String({ description: 'The OpenAPI 3.1 document' }),
          }),
        },
      },
    },
    async (_request, reply) => {
      reply.header('link', '</docs>; rel="service-doc", </api/openapi.json>; rel="service-desc"')
      return { name: 'Quoin' as const, version, docs: '/docs', openapi: '/api/openapi.json' }
    },
  )
}

/** Fastify's own refusals before routing (a malformed URL, a path segment over maxParamLength). */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const apiError =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ApiError('uri_too_long', 'A segment of the path is too long')
      : err.code === 'FST_ERR_BAD_URL'
        ? new ApiError('malformed_request', 'The path is not a valid URL: a %-escape is malformed')
        : new ApiError('malformed_request', 'The request cannot be routed')
  reply
    .headers({ ...API_HEADERS, 'x-request-id': request.id })
    .status(apiError.status)
    .send(errorBody(apiError))
}

/** Node's HTTP parser refusing a request: the answer is written on the socket, which then closes. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const apiError =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError('headers_too_large', 'The request line and headers are larger than 16 KiB')
      : err.code === 'HPE_INVALID_METHOD'
        ? new ApiError('not_implemented', 'Unknown HTTP method: use GET, POST, PATCH, PUT, DELETE or OPTIONS')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new ApiError('request_timeout', 'The request was not received in time')
          : new ApiError('malformed_request', 'Malformed HTTP request')
  const status = apiError.status
  const body = JSON.stringify(errorBody(apiError))
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': randomUUID(),
    ...API_HEADERS,
    connection: 'close',
  }
  if (socket.writable) {
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`)
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`)
  }
  socket.destroy(err)
}
