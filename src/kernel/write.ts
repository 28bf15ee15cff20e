import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Kysely, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { isPostgres, isRetryableTransactionError, nowIso } from '../db/dialect.ts'
import type { Database } from '../db/types.ts'
import { ApiError } from '../http/errors.ts'
import type { Resource } from './resource.ts'

// Every write of the API runs here, in one transaction that:
// - locks what it writes in one canonical order, parent before child, If-Match checks included, so two
//   writes never wait on each other in a cycle;
// - records the write's event, and keeps the response of its Idempotency-Key, in the same transaction: a
//   crash at any point leaves the change with its event and its kept response, or none of the three;
// - on PostgreSQL, runs again when the database aborts it as a serialization failure or deadlock, a
//   bounded number of times, and then answers 503 with Retry-After, never 500.
// On SQLite, the transaction begins IMMEDIATE (see db/connect.ts): it holds the write lock from its first
// statement, so writes from several processes queue rather than fail.

export interface WriteContext {
  /** The write's transaction: every statement of the write goes through it. */
  trx: Kysely<Database>
  /** The database the transaction runs on, for what must happen once it has committed. */
  db: Kysely<Database>
  workspaceId: string
  /** Who writes: the id of the request's token (created_by, updated_by); undefined for the command line. */
  actor: string | undefined
  /** The user the request's token acts as (api_tokens.user_id), if any: quote owner by default, approver. */
  userId: string | undefined
  /** Runs `fn` once the transaction has committed (say, to forget what a cache holds). */
  afterCommit(fn: () => void): void
  /** Records `<group>.<action>` for the record `id`, as it now stands (`data`), in this transaction. */
  emit(resource: Resource, action: string, id: string, data: unknown): void
  /**
   * Records the events emitted so far now, in this transaction, rather than at its end: a write of many
   * records (an import) calls it now and then so that the events it has not recorded stay few.
   */
  flushEvents(): Promise<void>
}

/** What a write answers: its status (200 by default), its body, and the version of the record it shows. */
export interface Answer {
  status?: number
  body: unknown
  /** Sent as the ETag. */
  version?: number
}

export interface WriteTarget {
  resource: Resource
  /** The record written, when the route names one: locked (after its parent) before the write runs. */
  id?: string
}

/** How many times a write the database aborted (40001, 40P01) runs again before answering 503. */
export const WRITE_ATTEMPTS = 5

/** PostgreSQL's serialization failures and deadlocks; not SQLite's busy, which has waited 5 s already. */
export function isRetryableWrite(err: unknown): boolean {
  return isRetryableTransactionError(err) && !/^SQLITE/.test(String((err as { code?: unknown }).code))
}

/** Who a write records as created_by / updated_by: the user the token acts as, else the token. */
export function author(w: WriteContext): string | null {
  return w.userId ?? w.actor ?? null
}

export function etagOf(version: number): string {
  return `"${version}"`
}

/** The entity-tags of an If-Match / If-None-Match header, or '*'. */
export function parseTags(header: string | string[] | undefined): string[] | '*' | undefined {
  if (header === undefined) return undefined
  const text = [header].flat().join(',')
  if (text.trim() === '*') return '*'
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
}

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * Runs `run` as one write of the workspace, outside HTTP as within: in a transaction that records the
 * events it emits, run again when PostgreSQL aborts it (40001, 40P01), and answered 503 once that has
 * happened WRITE_ATTEMPTS times. Errors it throws undo everything it wrote, its events included.
 */
export async function runWrite<T>(
  db: Kysely<Database>,
  workspaceId: string,
  run: (w: WriteContext) => Promise<T>,
  onRetry?: (err: unknown) => void,
  actor?: string,
  userId?: string,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const committed: (() => void)[] = []
      const result = await db.transaction().execute(async (trx) => {
        const events: PendingEvent[] = []
        const result = await run({
          trx,
          db,
          workspaceId,
          actor,
          userId,
          afterCommit: (fn) => committed.push(fn),
          emit: (resource, action, id, data) => events.push({ resource, action, id, data }),
          flushEvents: () => recordEvents(trx, workspaceId, events.splice(0)),
        })
        await recordEvents(trx, workspaceId, events)
        return result
      })
      for (const fn of committed) fn()
      return result
    } catch (err) {
      if (!isRetryableWrite(err)) throw err
      onRetry?.(err)
      if (attempt >= WRITE_ATTEMPTS) {
        throw new ApiError(
          'write_contention',
          'The write collided with concurrent writes of the same records: retry shortly',
          undefined,
          { 'Retry-After': '1' },
        )
      }
      // A short random pause, so that writes aborted together do not collide again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))
    }
  }
}

/**
 * Runs `run` as the request's write and answers with what it returns: the record `target.id` names is
 * locked first (after its parent) and checked against If-Match, and the answer is kept for the request's
 * Idempotency-Key in the same transaction.
 */
export async function answerWrite(
  db: Kysely<Database>,
  request: FastifyRequest,
  reply: FastifyReply,
  target: WriteTarget,
  run: (w: WriteContext, locked: Locked | undefined) => Promise<Answer>,
): Promise<FastifyReply> {
  const { workspaceId } = request.auth
  const ifMatch = target.resource.versioned ? parseTags(request.headers['if-match']) : undefined
  const key = request.idempotencyKey
  const keep = request.routeOptions.config.keepResponse !== false
  const retried = (err: unknown) =>
    request.log.warn({ err: { code: (err as { code?: string }).code } }, 'write aborted by the database')
  try {
    const payload = await runWrite(
      db,
      workspaceId,
      async (w) => {
        const locked =
          target.id === undefined
            ? undefined
            : await lockTarget(w.trx, target.resource, workspaceId, target.id, ifMatch)
        const answer = await run(w, locked)
        const status = answer.status ?? 200
        reply.code(status)
        const etag = answer.version === undefined ? undefined : etagOf(answer.version)
        if (etag) reply.header('etag', etag)
        const body = reply.serialize(answer.body) as string
        if (key !== undefined) {
          await w.trx
            .updateTable('idempotency_keys')
            .set({ status, response: keep ? body : null, etag: keep ? (etag ?? null) : null })
            .where('workspace_id', '=', workspaceId)
            .where('key', '=', key)
            .execute()
        }
        return body
      },
      retried,
      request.auth.tokenId,
      request.auth.userId ?? undefined,
    )
    // Kept with the write: the idempotency hook has nothing left to store.
    request.idempotencyKey = undefined
    return reply.type(JSON_TYPE).send(payload)
  } catch (err) {
    reply.removeHeader('etag')
    throw err
  }
}

/** The record a write names, as its lock found it: its version (0 for a resource without versions). */
export interface Locked {
  version: number
}

interface PendingEvent {
  resource: Resource
  action: string
  id: string
  data: unknown
}

/**
 * Locks the record a write names, after its parent (PostgreSQL; on SQLite the transaction holds the
 * database's write lock already), checks If-Match against the version it holds, and returns that version:
 * undefined when the record is not there, which is the write's own 404.
 */
async function lockTarget(
  trx: Kysely<Database>,
  resource: Resource,
  workspaceId: string,
  id: string,
  ifMatch: string[] | '*' | undefined,
): Promise<Locked | undefined> {
  const { table, parent } = resource
  if (!table) return undefined
  const pg = isPostgres(trx)
  const forUpdate = pg ? sql` for update` : sql``
  if (parent && pg) {
    await sql`select 1 from ${sql.table(parent.table)} where workspace_id = ${workspaceId} and id = (
        select ${sql.ref(parent.column)} from ${sql.table(table)} where workspace_id = ${workspaceId} and id = ${id}
      )${forUpdate}`.execute(trx)
  }
  const live = resource.softDeleted ? sql` and deleted_at is null` : sql``
  const version = resource.versioned ? sql`version` : sql`0 as version`
  // A singleton is the workspace's own row: its id is the workspace's, and it has no workspace_id.
  const whose = resource.singleton
    ? sql`id = ${workspaceId}`
    : sql`workspace_id = ${workspaceId} and id = ${id}`
  const { rows } = await sql<Locked>`select ${version} from ${sql.table(table)}
    where ${whose}${live}${forUpdate}`.execute(trx)
  const current = rows[0]
  if (current && ifMatch && ifMatch !== '*' && !ifMatch.includes(etagOf(current.version))) {
    throw new ApiError(
      'precondition_failed',
      `The record has changed since that version: its current ETag is ${etagOf(current.version)}`,
      undefined,
      { etag: etagOf(current.version) },
    )
  }
  return current && { version: Number(current.version) }
}

async function recordEvents(
  trx: Kysely<Database>,
  workspaceId: string,
  events: PendingEvent[],
): Promise<void> {
  const at = nowIso()
  // In slices: one insert of a large write's events would pass PostgreSQL's 65,535 parameters.
  for (let i = 0; i < events.length; i += EVENT_SLICE) {
    await trx
      .insertInto('events')
      .values(
        events.slice(i, i + EVENT_SLICE).map((e) => {
          if (!e.resource.event) throw new Error(`${e.resource.name} has no event group`)
          return {
            id: uuidv7(),
            workspace_id: workspaceId,
            type: `${e.resource.event}.${e.action}`,
            record_id: e.id,
            created_at: at,
            data: JSON.stringify(e.data),
          }
        }),
      )
      .execute()
  }
}

const EVENT_SLICE = 1000
