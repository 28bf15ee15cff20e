import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Static, TSchema } from 'typebox'
import type { Database } from '../db/types.ts'
import type { Scope } from '../domain/tokens.ts'
import type { ErrorCode } from '../http/errors.ts'
import { notFound } from '../http/errors.ts'
import { answerWholeList, Page, type PageResult, pageBody } from '../http/pagination.ts'
import { acceptReadOnly } from '../http/read-only.ts'
import { Deleted, errors, IdParams, Success } from '../http/schemas.ts'
import { type Resource, scopeOf, type Versioned } from './resource.ts'
import { type Answer, answerWrite, etagOf, parseTags, type WriteContext } from './write.ts'

// The routes every resource repeats, declared rather than written: a list page, get by id (404, ETag,
// If-None-Match), create (201), PATCH and DELETE (If-Match, 404), each write through answerWrite (lock
// order, event, Idempotency-Key in its transaction). A resource's routes.ts says what differs.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The resource a route belongs to (set when the app registers it): every API route has one. */
    resource?: string
    /** What the route does with conditional headers, as its OpenAPI operation declares. */
    conditional?: {
      /** Its 2xx answers carry the record's ETag. */
      etag?: boolean
      /** It answers 304 to an If-None-Match that holds the current ETag. */
      ifNoneMatch?: boolean
      /** It writes only under a matching If-Match, else 412. */
      ifMatch?: boolean
    }
  }
}

/** The errors every route that takes a body can answer about it. */
export const BODY_ERRORS = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
] as const

/** What a route says of itself in the OpenAPI document. */
export interface RouteDoc {
  summary: string
  description: string
  /** Errors it can answer beyond those every route of its kind can. */
  errors?: ErrorCode[]
}

type Find<T> = (db: Kysely<Database>, workspaceId: string, id: string) => Promise<Versioned<T> | undefined>

export interface ResourceRoutes<T, L extends TSchema, C extends TSchema, P extends TSchema> {
  /** The path of its list, `/api/contacts`; a record is at `<path>/:id`. */
  path: string
  /** Its OpenAPI tag. */
  tag: string
  /** The wire schema of one record. */
  item: TSchema
  /** One live record of the workspace, or undefined: what get, update and delete read. */
  find: Find<T>
  list?: RouteDoc & {
    query: L
    /** Qwoty documents this list whole: without limit or cursor, every record (see answerWholeList). */
    whole?: boolean
    fetch(db: Kysely<Database>, workspaceId: string, query: Static<L>): Promise<PageResult<T>>
  }
  get?: RouteDoc
  create?: RouteDoc & {
    body: C
    /** Writes the record and returns its id; throws for what the schema could not check. */
    write(w: WriteContext, body: Static<C>): Promise<string>
    /** Checks outside the transaction (reads that may be slow): what it returns is handed to write. */
    prepare?(db: Kysely<Database>, workspaceId: string, body: Static<C>): Promise<Static<C>>
    /** Fields added to the answer beside data, such as warnings. */
    extras?(db: Kysely<Database>, workspaceId: string, body: Static<C>): Promise<object>
    /** The answer's schema, when it holds more than `{success, data}`. */
    response?: TSchema
  }
  update?: RouteDoc & {
    /** PATCH unless the docs say PUT (payment terms): partial either way. */
    method?: 'PATCH' | 'PUT'
    body: P
    /** Read-only fields a client may send back unchanged (see acceptReadOnly). */
    readOnly?: readonly string[]
    prepare?(db: Kysely<Database>, workspaceId: string, patch: Static<P>, id: string): Promise<Static<P>>
    extras?(db: Kysely<Database>, workspaceId: string, patch: Static<P>, id: string): Promise<object>
    response?: TSchema
    /** Applies the patch; false when the record is not there (404). */
    write(w: WriteContext, id: string, patch: Static<P>): Promise<boolean>
  }
  remove?: RouteDoc & {
    /** Deletes the record; false when it is not there (404). */
    write(w: WriteContext, id: string): Promise<boolean>
    /** What the answer says: "Contact deleted successfully". */
    message: string
  }
}

/** The route config of a resource's routes: scope, noun, and what they do with conditional headers. */
export function routeConfig(
  resource: Resource,
  access: 'read' | 'write',
  conditional: { etag?: boolean; ifNoneMatch?: boolean; ifMatch?: boolean } = {},
): { scope: Scope; resource: string; noun: string; conditional: Record<string, boolean> } {
  const versioned = resource.versioned
  return {
    scope: `${scopeOf(resource)}:${access}` as const,
    resource: resource.name,
    noun: resource.noun,
    conditional: {
      etag: versioned && conditional.etag === true,
      ifNoneMatch: versioned && conditional.ifNoneMatch === true,
      ifMatch: versioned && conditional.ifMatch === true,
    },
  }
}

/**
 * Sends `{"success": true, "data": value}` as the route's schema serialises it, with `etag` when given,
 * and 304 when a GET's If-None-Match holds it. The body is serialised once per value object: a record a
 * read cache hands out again (the same object until it changes) is sent as the same bytes. One sender per
 * route, since the bytes depend on its response schema.
 */
export function recordSender() {
  const bodies = new WeakMap<object, string>()
  return (request: FastifyRequest, reply: FastifyReply, value: object, etag: string | undefined) => {
    let body = bodies.get(value)
    if (body === undefined) {
      body = serialized(reply, value)
      bodies.set(value, body)
    }
    return sendBody(request, reply, body, etag)
  }
}

/**
 * Sends a representation made of several records (a customer with its contacts, say) with a weak ETag
 * that is a digest of its bytes: any change to one of them moves it.
 */
export function sendDigested(request: FastifyRequest, reply: FastifyReply, value: object) {
  const body = serialized(reply, value)
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
  return sendBody(request, reply, body, etag)
}

function serialized(reply: FastifyReply, value: object): string {
  return reply.serialize({ success: true, data: value }) as string
}

function sendBody(request: FastifyRequest, reply: FastifyReply, body: string, etag: string | undefined) {
  if (etag !== undefined) {
    reply.header('etag', etag)
    if (request.method === 'GET' && matchesNoneOf(request, etag)) return reply.code(304).send()
  }
  return reply.type('application/json; charset=utf-8').send(body)
}

/** Whether a GET's If-None-Match holds `etag` (weak comparison, as RFC 9110 asks). */
function matchesNoneOf(request: FastifyRequest, etag: string): boolean {
  const tags = parseTags(request.headers['if-none-match'])
  if (tags === undefined) return false
  const plain = etag.replace(/^W\//, '')
  return tags === '*' || tags.some((t) => t.replace(/^W\//, '') === plain)
}

/** The ETag of a versioned record, undefined for a resource without versions. */
export function tagOf(resource: Resource, record: Versioned<unknown>): string | undefined {
  return resource.versioned ? etagOf(record.version) : undefined
}

/** Registers the routes a resource declares, each through the kernel's shared handlers. */
export function declareRoutes<T extends object, L extends TSchema, C extends TSchema, P extends TSchema>(
  app: FastifyInstance,
  db: Kysely<Database>,
  resource: Resource,
  spec: ResourceRoutes<T, L, C, P>,
): void {
  const { path, tag, item, find } = spec
  const byId = `${path}/:id`
  const load = async (d: Kysely<Database>, workspaceId: string, id: string) => {
    const found = await find(d, workspaceId, id)
    if (!found) throw notFound(resource.noun)
    return found
  }
  const schema = (doc: RouteDoc) => ({ tags: [tag], summary: doc.summary, description: doc.description })

  if (spec.list) {
    const list = spec.list
    app.get(
      path,
      {
        config: routeConfig(resource, 'read'),
        schema: {
          ...schema(list),
          querystring: list.query,
          response: {
            200: Page(item),
            ...errors('invalid_parameter', 'unknown_parameter', 'invalid_token', ...(list.errors ?? [])),
          },
        },
      },
      async (request, reply) => {
        const { workspaceId } = request.auth
        const query = request.query as Static<L> & { limit?: number; cursor?: string }
        if (!list.whole) return pageBody(await list.fetch(db, workspaceId, query))
        const { limit, cursor, ...filters } = query
        return answerWholeList(reply, { limit, cursor }, (page) =>
          list.fetch(db, workspaceId, { ...filters, ...page } as Static<L>),
        )
      },
    )
  }

  if (spec.get) {
    const send = recordSender()
    app.get(
      byId,
      {
        config: routeConfig(resource, 'read', { etag: true, ifNoneMatch: true }),
        schema: {
          ...schema(spec.get),
          params: IdParams,
          response: {
            200: Success(item),
            ...errors('invalid_parameter', 'invalid_token', 'not_found', ...(spec.get.errors ?? [])),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string }
        const record = await load(db, request.auth.workspaceId, id)
        return send(request, reply, record.value, tagOf(resource, record))
      },
    )
  }

  /** The answer of a write that leaves the record `id` as it now stands, with its event. */
  const answerRecord = async (
    w: WriteContext,
    id: string,
    action: string,
    status: number,
    extras: object,
    unchanged?: (record: Versioned<T>) => boolean,
  ) => {
    const record = await load(w.trx, w.workspaceId, id)
    if (!unchanged?.(record)) w.emit(resource, action, id, record.value)
    const answer: Answer = { status, body: { success: true, data: record.value, ...extras } }
    if (resource.versioned) answer.version = record.version
    return answer
  }

  if (spec.create) {
    const create = spec.create
    app.post(
      path,
      {
        config: routeConfig(resource, 'write', { etag: true }),
        schema: {
          ...schema(create),
          body: create.body,
          response: {
            201: create.response ?? Success(item),
            ...errors(...BODY_ERRORS, 'invalid_token', ...(create.errors ?? [])),
          },
        },
      },
      async (request, reply) => {
        const { workspaceId } = request.auth
        const body = create.prepare
          ? await create.prepare(db, workspaceId, request.body as Static<C>)
          : (request.body as Static<C>)
        const extras = (await create.extras?.(db, workspaceId, body)) ?? {}
        return answerWrite(db, request, reply, { resource }, async (w) =>
          answerRecord(w, await create.write(w, body), 'created', 201, extras),
        )
      },
    )
  }

  if (spec.update) {
    const update = spec.update
    const register = update.method === 'PUT' ? app.put.bind(app) : app.patch.bind(app)
    register(
      byId,
      {
        config: routeConfig(resource, 'write', { etag: true, ifMatch: true }),
        schema: {
          ...schema(update),
          params: IdParams,
          body: update.body,
          response: {
            200: update.response ?? Success(item),
            ...errors(
              ...BODY_ERRORS,
              'invalid_parameter',
              'invalid_token',
              'not_found',
              ...(update.errors ?? []),
            ),
          },
        },
      },
      async (request, reply) => {
        const { workspaceId } = request.auth
        const { id } = request.params as { id: string }
        // Another workspace's record is a 404 before any check of the body can say anything about it.
        const current = await load(db, workspaceId, id)
        let patch = (await acceptReadOnly(
          request.body as object,
          (update.readOnly ?? []) as never[],
          async () => current.value,
        )) as Static<P>
        if (update.prepare) patch = await update.prepare(db, workspaceId, patch, id)
        const extras = (await update.extras?.(db, workspaceId, patch, id)) ?? {}
        return answerWrite(db, request, reply, { resource, id }, async (w, locked) => {
          if (!locked || !(await update.write(w, id, patch))) throw notFound(resource.noun)
          // A PATCH that changed nothing leaves the version its lock found, and records no event.
          const unchanged = (after: Versioned<T>) => resource.versioned && after.version === locked.version
          return answerRecord(w, id, 'updated', 200, extras, unchanged)
        })
      },
    )
  }

  if (spec.remove) {
    const remove = spec.remove
    app.delete(
      byId,
      {
        config: routeConfig(resource, 'write', { ifMatch: true }),
        schema: {
          ...schema(remove),
          params: IdParams,
          response: {
            200: Deleted,
            ...errors('invalid_parameter', 'invalid_token', 'not_found', ...(remove.errors ?? [])),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string }
        return answerWrite(db, request, reply, { resource, id }, async (w) => {
          const before = await find(w.trx, w.workspaceId, id)
          if (!before || !(await remove.write(w, id))) throw notFound(resource.noun)
          w.emit(resource, 'deleted', id, before.value)
          return { body: { success: true, message: remove.message } }
        })
      },
    )
  }
}
