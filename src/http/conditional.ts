import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type Kysely, sql } from 'kysely'
import { inTransaction, isPostgres } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
import { ApiError } from './errors.ts'

// Optimistic concurrency for every versioned record: single-record responses carry an ETag built from the
// record's version; GET honours If-None-Match (304), PATCH and DELETE honour If-Match (412).

const versions = new WeakMap<object, number>()

/** Attaches the record's version to its wire object, so the response can carry its ETag. */
export function withVersion<T extends object>(wire: T, version: number): T {
  versions.set(wire, version)
  return wire
}

export function etagOf(version: number): string {
  return `"${version}"`
}

/** The entity-tags of an If-Match / If-None-Match header, or '*'. */
function parseTags(header: string | undefined): string[] | '*' | undefined {
  if (header === undefined) return undefined
  if (header.trim() === '*') return '*'
  return header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
}

/** Sets the ETag of `version`, and 304 when a GET's If-None-Match already holds it. */
function tagResponse(request: FastifyRequest, reply: FastifyReply, version: number): void {
  const etag = etagOf(version)
  reply.header('etag', etag)
  if (request.method === 'GET' && reply.statusCode === 200) {
    // Weak comparison, as RFC 9110 asks for If-None-Match.
    const tags = parseTags(request.headers['if-none-match'])
    if (tags === '*' || tags?.some((t) => t.replace(/^W\//, '') === etag)) reply.code(304)
  }
}

export function registerConditionalRequests(app: FastifyInstance): void {
  app.addHook('preSerialization', (request, reply, payload, done) => {
    const data = (payload as { data?: unknown } | null)?.data
    const version = data && typeof data === 'object' ? versions.get(data) : undefined
    if (version !== undefined) tagResponse(request, reply, version)
    done(null, payload)
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode !== 304) return done(null, payload)
    reply.removeHeader('content-type')
    reply.removeHeader('content-length')
    done(null, '')
  })
}

/**
 * Answers `{"success": true, "data": record}` as the route's schema serialises it, with the record's
 * ETag, as registerConditionalRequests would. The body is serialised once per record object: a record
 * that a read cache hands out again (the same object until the data changes) is sent as the same string,
 * skipping serialisation. One sender per route, since the bytes depend on the route's response schema.
 */
export function recordSender() {
  const bodies = new WeakMap<object, string>()
  return (request: FastifyRequest, reply: FastifyReply, record: object): FastifyReply => {
    let body = bodies.get(record)
    if (body === undefined) {
      // At the status it is sent with: serialize() picks the response schema of the reply's status.
      body = reply.serialize({ success: true, data: record }) as string
      bodies.set(record, body)
    }
    const version = versions.get(record)
    if (version !== undefined) tagResponse(request, reply, version)
    return reply.type(JSON_TYPE).send(body)
  }
}

const JSON_TYPE = 'application/json; charset=utf-8'

type Versioned = 'customers' | 'contacts' | 'addresses' | 'segments'
const SOFT_DELETED: Versioned[] = ['customers', 'contacts', 'addresses']

/**
 * Runs a PATCH or DELETE under the request's If-Match: the record's version is read and locked in the
 * write's own transaction, so of two clients racing with the same ETag exactly one wins and the other
 * gets 412 with nothing written. Without If-Match the write runs as it is.
 */
export async function underPrecondition<T>(
  db: Kysely<Database>,
  request: FastifyRequest,
  target: { table: Versioned; workspaceId: string; id: string },
  write: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const header = request.headers['if-match']
  const tags = parseTags(typeof header === 'string' ? header : undefined)
  if (tags === undefined) return write(db)
  return inTransaction(db, async (trx) => {
    const live = SOFT_DELETED.includes(target.table) ? sql` and deleted_at is null` : sql``
    const lock = isPostgres(trx) ? sql` for update` : sql``
    const { rows } = await sql<{ version: number }>`select version from ${sql.table(target.table)}
      where workspace_id = ${target.workspaceId} and id = ${target.id}${live}${lock}`.execute(trx)
    const current = rows[0]
    // A missing record is the write's own 404.
    if (current && tags !== '*' && !tags.includes(etagOf(current.version))) {
      throw new ApiError(
        'precondition_failed',
        `The record has changed since that version: its current ETag is ${etagOf(current.version)}`,
        undefined,
        { etag: etagOf(current.version) },
      )
    }
    return write(trx)
  })
}
