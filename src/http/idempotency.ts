import { createHash } from 'node:crypto'
import type {
  FastifyInstance,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify'
import type { Kysely } from 'kysely'
import { nowIso, toStoredTime } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
import { ApiError } from './errors.ts'

// Safe retries: the first response to a POST, PUT, PATCH or DELETE sent with an Idempotency-Key is kept for
// 24 hours per workspace and key, in the database (so it holds across restarts and instances). A retry
// of the same request gets it again, marked Idempotent-Replayed, and writes nothing.
// The key is claimed here before the route runs. A successful write keeps its answer in its own
// transaction (kernel/write.ts answerWrite), so the write and its kept answer commit together; the onSend
// hook below keeps what is left: refusals (4xx) and answers of routes that write nothing.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the response holds a secret, so it is never stored; a retry learns the first one ran. */
    keepResponse?: boolean
  }
  interface FastifyRequest {
    idempotencyKey: string | undefined
  }
}

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000
/** A first request that has not answered after this long is taken to have died with its process. */
const ABANDONED_MS = 60_000
const KEY = /^[\x21-\x7e]{1,255}$/
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** JSON with every object's keys sorted: two bodies that mean the same have the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/**
 * What a request means, not how it was written: the path with its query parameters sorted, and the body
 * as validated (keys in any order, surrounding spaces trimmed).
 */
export function fingerprint(request: Pick<FastifyRequest, 'method' | 'url' | 'body'>): string {
  const at = request.url.indexOf('?')
  const path = at < 0 ? request.url : request.url.slice(0, at)
  const params = new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1))
  params.sort()
  return createHash('sha256')
    .update(`${request.method} ${path}?${params}\n${canonical(request.body)}`)
    .digest('hex')
}

export function registerIdempotency(app: FastifyInstance, db: Kysely<Database>): void {
  app.decorateRequest('idempotencyKey', undefined)

  const claim = async (workspaceId: string, key: string, print: string) => {
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        workspace_id: workspaceId,
        key,
        fingerprint: print,
        status: null,
        response: null,
        etag: null,
        created_at: nowIso(),
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing())
      .executeTakeFirst()
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0
  }

  const writes = writeRoutes(app)
  writes.preHandler(async (request, reply) => {
    const header = request.headers['idempotency-key']
    // Only write routes with a scope run this hook (see writeRoutes).
    if (header === undefined) return
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new ApiError(
        'invalid_parameter',
        "Header 'Idempotency-Key' must be 1 to 255 visible ASCII characters",
      )
    }
    const { workspaceId } = request.auth
    const print = fingerprint(request)
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await claim(workspaceId, header, print)) {
        request.idempotencyKey = header
        return
      }
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('key', '=', header)
        .executeTakeFirst()
      if (!row) continue
      const age = Date.now() - Date.parse(toStoredTime(row.created_at))
      if (age > IDEMPOTENCY_TTL_MS || (row.status === null && age > ABANDONED_MS)) {
        await db
          .deleteFrom('idempotency_keys')
          .where('workspace_id', '=', workspaceId)
          .where('key', '=', header)
          .where('created_at', '=', toStoredTime(row.created_at))
          .execute()
        continue
      }
      if (row.fingerprint !== print) {
        throw new ApiError(
          'idempotency_mismatch',
          'This Idempotency-Key was used for a different request (method, path or body): use a new key',
        )
      }
      if (row.status === null) {
        throw new ApiError(
          'idempotency_in_progress',
          'A request with this Idempotency-Key is still running: retry later',
        )
      }
      if (row.response === null) {
        throw new ApiError(
          'conflict',
          'The request with this Idempotency-Key already ran; its response held a secret shown only once',
        )
      }
      reply.code(row.status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8')
      if (row.etag) reply.header('etag', row.etag)
      return reply.send(row.response)
    }
    throw new ApiError(
      'idempotency_in_progress',
      'A request with this Idempotency-Key is still running: retry later',
    )
  })

  writes.onSend(async (request, reply, payload) => {
    const key = request.idempotencyKey
    if (key === undefined) return payload
    request.idempotencyKey = undefined
    const where = db
      .updateTable('idempotency_keys')
      .where('workspace_id', '=', request.auth.workspaceId)
      .where('key', '=', key)
    // A failure the client should retry (unavailable, rate limited) is not kept: the retry runs afresh.
    if (reply.statusCode >= 500 || reply.statusCode === 429) {
      await db
        .deleteFrom('idempotency_keys')
        .where('workspace_id', '=', request.auth.workspaceId)
        .where('key', '=', key)
        .execute()
      return payload
    }
    const keep = request.routeOptions.config.keepResponse !== false
    const etag = reply.getHeader('etag')
    await where
      .set({
        status: reply.statusCode,
        response: keep && typeof payload === 'string' ? payload : null,
        etag: keep && typeof etag === 'string' ? etag : null,
      })
      .execute()
    return payload
  })
}

/**
 * Hooks of the write routes (POST, PUT, PATCH, DELETE with a scope) registered from now on, rather than of
 * every route: a GET does not run them at all.
 */
function writeRoutes(app: FastifyInstance) {
  const preHandlers: preHandlerAsyncHookHandler[] = []
  const onSends: onSendAsyncHookHandler[] = []
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope || ![route.method].flat().some((method) => WRITES.has(method))) return
    route.preHandler = [...[route.preHandler ?? []].flat(), ...preHandlers]
    route.onSend = [...[route.onSend ?? []].flat(), ...onSends]
  })
  return {
    preHandler: (hook: preHandlerAsyncHookHandler) => preHandlers.push(hook),
    onSend: (hook: onSendAsyncHookHandler) => onSends.push(hook),
  }
}

/** Removes the kept responses older than 24 hours; returns how many. */
export async function purgeIdempotencyKeys(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(now - IDEMPOTENCY_TTL_MS).toISOString())
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
