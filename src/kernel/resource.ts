import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/types.ts'
import type { Reference } from './references.ts'

/** A record as a store hands it out: its wire object and the version its ETag is made of. */
export interface Versioned<T> {
  value: T
  version: number
}

/** The tables of records that writes lock: a versioned one has a `version`, bumped on every change. */
export type RecordTable =
  | 'workspaces'
  | 'customers'
  | 'contacts'
  | 'addresses'
  | 'segments'
  | 'api_tokens'
  | 'payment_terms'
  | 'catalogs'
  | 'categories'
  | 'product_parents'
  | 'products'
  | 'currencies'
  | 'taxes'
  | 'billing_frequencies'
  | 'pricebooks'
  | 'prices'
  | 'users'
  | 'business_units'
  | 'custom_fields'
  | 'quotes'
  | 'approval_rules'
  | 'orders'

let samples = 0
/**
 * A name for a sample no other sample has (`intruder_widget_7`): for fields unique per workspace, since
 * the suites make and send samples more than once in a workspace.
 */
export const freshName = (base: string): string => `${base}_${++samples}`

/** What the isolation and fuzz suites are given to make a record of a resource in a workspace. */
export interface SampleContext {
  /** Calls the API as the workspace's owner (an all-scopes token): status and parsed body. */
  call(
    method: 'POST' | 'PATCH',
    url: string,
    body: object,
  ): Promise<{ status: number; body: { data: { id: string } } }>
  /** The id of the sample of each resource listed before this one, by resource name. */
  ids: Record<string, string>
}

/**
 * One resource of the API, declared once: everything that is not its own routes and store (registration,
 * scopes and token permissions, ETag and If-Match, purge, lock order, events, the isolation and fuzz
 * suites) is derived from the list of these in src/resources/index.ts.
 */
export interface Resource {
  /** Plural, the resource's own name: `customers`, `product_parents`. */
  name: string
  /**
   * The scope it is read and written under, and its key in token permissions: its name unless several
   * resources share one (catalogs, categories, product parents and products are all `catalog:read|write`).
   */
  scope?: string
  /** What one of it is called in a 404: "Customer not found". */
  noun: string
  /** Said of it in the token permissions schema: "Access to customers". */
  described?: string
  /** false: nobody writes it through the API, so it has a read scope only (`events:read`). */
  writable?: boolean
  /**
   * Scopes of its group beyond read and write: `approve` makes `<scope>:approve` (quotes:approve), which
   * read-level routes accept too, and which write does not include.
   */
  extraScopes?: readonly 'approve'[]
  /** The group of its events: `customer` for `customer.created`. Read-only resources have none. */
  event?: string
  /** The table its records live in, which writes lock. */
  table?: RecordTable
  /** Its records carry a version: ETag on reads and writes, If-None-Match, If-Match. */
  versioned: boolean
  /**
   * One record per workspace, the workspace's own row of `table` (keyed by the workspace's id, as
   * `workspaces` is), at one path without an id: GET and PATCH, no list, create or delete. Writes lock it
   * by the workspace's id.
   */
  singleton?: boolean
  /** Deleted records stay, marked `deleted_at`, until `quoin purge` removes them; reads and locks skip them. */
  softDeleted: boolean
  /**
   * The record this one belongs to: a write of it locks that parent's row before its own (the canonical
   * lock order, parent before child), so it never deadlocks with a write of the parent.
   */
  parent?: { table: RecordTable; column: string }
  /**
   * The columns of other records that name one of it: while a live record does, it cannot be deleted
   * (409 naming them; see kernel/references.ts). A resource that comes later joins by adding a line.
   */
  usedBy?: readonly Reference[]
  /** Its routes, loaded when an app registers them. */
  routes: () => Promise<FastifyPluginAsync<{ db: Kysely<Database> }>>
  /** How the isolation and fuzz suites make one of it; resources without writes have none. */
  sample?: {
    /** Makes one in the owner's workspace and returns its id. */
    create(ctx: SampleContext): Promise<string>
    /**
     * A create body that another workspace's token sends with the owner's ids, and the status it gets:
     * 400 when the body names the owner's records (they are unknown to it), 201 when it names none. A
     * resource without a create route (prices) has none.
     */
    intrusion?: { body(ids: Record<string, string>): object; status: 201 | 400 }
    /** A valid PATCH body, when it has a PATCH. */
    patch?: object
    /** A valid body of each POST on one record that takes one, by route (`/api/prices/:id/quote`). */
    actions?: Record<string, object>
    /** The requests of its routes that are neither of the above, by route (`POST /api/prices/import`). */
    requests?: Record<string, SampleRequest>
    /**
     * Routes whose answer depends on the record's state, which their first success changes (a quote's
     * lifecycle actions: a second submit is a 409, approve wants a token acting as a manager): the suites
     * send them to a record of their own, made by `create` (so the sample stays as the other routes need
     * it), and take any answer but a refusal of the token or a 5xx as letting the token through.
     */
    stateful?: { routes: readonly string[]; create(ctx: SampleContext): Promise<string> }
  }
}

/** A request of a route that is no list, create, PATCH or action: an export, a file import. */
export interface SampleRequest {
  /** Its URL, given the samples' ids: for a route with more than the record's `:id` in its path. */
  url?(ids: Record<string, string>): string
  /** Its body, given the samples' ids: text of `contentType`, else JSON. */
  body?(ids: Record<string, string>): string | object
  contentType?: string
  /** What another workspace's token gets with the owner's ids. */
  intrusion: number
}

/** The scope a resource is read and written under (its permissions key). */
export function scopeOf(resource: Resource): string {
  return resource.scope ?? resource.name
}

/** Declares a resource; the identity function, for the type check and the reader. */
export function defineResource(resource: Resource): Resource {
  return resource
}
