import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

// frame-ancestors 'none' does what X-Frame-Options: DENY did; JSON needs no more than this.
export const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
}
const PAGE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

/** The security headers of a response to `url`: the reference pages at /docs run scripts of their own. */
export function securityHeaders(url: string): Record<string, string> {
  return url.startsWith('/docs') ? PAGE_HEADERS : API_HEADERS
}

/** CORS for the origins configured (none by default); app.ts sets securityHeaders on every response. */
export async function registerHygiene(app: FastifyInstance, corsOrigins: string[]): Promise<void> {
  if (corsOrigins.length === 0) return
  await app.register(cors, {
    origin: corsOrigins.includes('*') ? '*' : corsOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'If-Match',
      'If-None-Match',
      'X-Request-Id',
    ],
    exposedHeaders: [
      'X-Request-Id',
      'ETag',
      'Idempotent-Replayed',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
    ],
    maxAge: 600,
  })
}
