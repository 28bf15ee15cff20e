import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import { buildApp, type RouteInfo } from '../src/app.ts'
import { connect, type Db } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { contactSearchText, customerSearchTax, customerSearchText } from '../src/db/search.ts'
import type { Database } from '../src/db/types.ts'
import type { Scope } from '../src/domain/tokens.ts'
import { RESOURCES } from '../src/resources/index.ts'
import type { TokenCacheOptions } from '../src/resources/tokens/cache.ts'
import { createToken, tokenCache } from '../src/resources/tokens/store.ts'
import { createWorkspace, type WorkspaceSettings } from '../src/resources/workspaces/store.ts'

export const dialect: 'sqlite' | 'postgres' = process.env.QUOIN_TEST_DB === 'postgres' ? 'postgres' : 'sqlite'

export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `-c search_path=${schema}`)
  return u.toString()
}

/** A database of its own: a temporary SQLite file, or a fresh PostgreSQL schema dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'quoin-test-'))
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  const base = process.env.TEST_POSTGRES_URL
  if (!base) throw new Error('QUOIN_TEST_DB=postgres needs TEST_POSTGRES_URL')
  const schema = `quoin_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  return {
    url: withSearchPath(base, schema),
    async drop() {
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      await c.query(`drop schema if exists ${schema} cascade`)
      await c.end()
    },
  }
}

export interface TestContext {
  app: FastifyInstance
  db: Db
  database: TestDatabase
  close(): Promise<void>
}

export async function buildTestApp(
  options: { logStream?: NodeJS.WritableStream; tokenCache?: TokenCacheOptions } = {},
): Promise<TestContext> {
  const database = await createTestDatabase()
  const db = connect(database.url)
  await migrateToLatest(db.kysely)
  if (options.tokenCache) tokenCache(db.kysely, options.tokenCache)
  const app = await buildApp({
    db,
    logLevel: options.logStream ? 'info' : 'silent',
    ...(options.logStream ? { logStream: options.logStream as never } : {}),
  })
  await app.ready()
  return {
    app,
    db,
    database,
    async close() {
      await app.close()
      await db.close()
      await database.drop()
    },
  }
}

/** What useTestApp hands out: an app of the calling suite's own, available inside its tests and hooks. */
export type TestApp = Omit<TestContext, 'close'>

/**
 * Builds an app on a database of its own before the calling suite's tests (a `before` hook of the describe
 * it is called in, or of the file at top level), then runs `setUp` with it, and closes both after the
 * suite. Inside a describe, the suite's own `before` hooks registered after this call find the app ready
 * (hooks run in order); at the top level of a file, node:test starts each `before` hook as it is
 * registered, without waiting for the one before: set up there with `setUp`.
 */
export function useTestApp(
  options: Parameters<typeof buildTestApp>[0] & { setUp?: (t: TestApp) => Promise<void> } = {},
): TestApp {
  const { setUp, ...appOptions } = options
  let context: TestContext | undefined
  const current = () => {
    if (!context) {
      throw new Error(
        'useTestApp: the app is not built yet (a top-level before hook of the file? use setUp) or is closed',
      )
    }
    return context
  }
  const handle: TestApp = {
    get app() {
      return current().app
    },
    get db() {
      return current().db
    },
    get database() {
      return current().database
    },
  }
  before(async () => {
    context = await buildTestApp(appOptions)
    await setUp?.(handle)
  })
  after(async () => {
    await context?.close()
    context = undefined
  })
  return handle
}

export type Headers = Record<string, string>
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * Requests to the app of `t`, sent with `auth` unless a call gives its own headers (`{}`: none). `auth` may
 * be a function, for a token made in a hook after this is called. Each returns the injected response.
 */
export function api(t: { readonly app: FastifyInstance }, auth: Headers | (() => Headers) = {}) {
  const headersOf = (headers?: Headers) => headers ?? (typeof auth === 'function' ? auth() : auth)
  const call = (method: Method, url: string, body?: unknown, headers?: Headers) =>
    t.app.inject({
      method,
      url,
      headers: headersOf(headers),
      ...(body === undefined ? {} : { payload: body as object }),
    })
  return {
    call,
    get: (url: string, headers?: Headers) => call('GET', url, undefined, headers),
    post: (url: string, body?: unknown, headers?: Headers) => call('POST', url, body, headers),
    patch: (url: string, body: unknown, headers?: Headers) => call('PATCH', url, body, headers),
    put: (url: string, body: unknown, headers?: Headers) => call('PUT', url, body, headers),
    del: (url: string, headers?: Headers) => call('DELETE', url, undefined, headers),
  }
}

export async function buildWorkspace(db: Db, name = 'Test workspace', settings?: Partial<WorkspaceSettings>) {
  return createWorkspace(db.kysely, { name, ...(settings ? { settings } : {}) })
}

export async function buildToken(
  db: Db,
  workspaceId: string,
  scopes: Scope[] = ['*'],
  expiresAt: string | null = null,
  userId: string | null = null,
) {
  const { row, secret } = await createToken(db.kysely, {
    workspaceId,
    name: 'test token',
    scopes,
    expiresAt,
    userId,
  })
  return { id: row.id, secret, auth: { authorization: `Bearer ${secret}` } }
}

/** A workspace with an all-scopes token: the usual starting point of a test. */
export async function buildTenant(db: Db, scopes: Scope[] = ['*'], settings?: Partial<WorkspaceSettings>) {
  const workspace = await buildWorkspace(db, 'Test workspace', settings)
  const token = await buildToken(db, workspace.id, scopes)
  return { workspaceId: workspace.id, ...token }
}

let clock = Date.parse('2026-02-01T00:00:00.000Z')
/** Distinct, increasing timestamps, so creation order is unambiguous in tests. */
export function nextInstant(): string {
  clock += 1000
  return new Date(clock).toISOString()
}

/** Inserts a customer directly, with optional tax ids, contacts and addresses. */
export async function insertCustomer(
  db: Db,
  workspaceId: string,
  input: {
    name?: string
    taxIds?: { tax: string; tax_value: string }[]
    contacts?: number
    addresses?: number
  } = {},
) {
  const id = uuidv7()
  const at = nextInstant()
  const k = db.kysely
  await k
    .insertInto('customers')
    .values({
      id,
      workspace_id: workspaceId,
      name: input.name ?? 'Customer',
      type: 'company',
      segment_id: null,
      logo: null,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_at: at,
      updated_at: at,
      search_text: customerSearchText({ name: input.name ?? 'Customer' }),
      search_tax: customerSearchTax((input.taxIds ?? []).map((t) => t.tax_value)),
    })
    .execute()
  const taxIds = input.taxIds ?? []
  if (taxIds.length) {
    await k
      .insertInto('customer_tax_ids')
      .values(taxIds.map((t, position) => ({ workspace_id: workspaceId, customer_id: id, position, ...t })))
      .execute()
  }
  const contactIds: string[] = []
  for (let i = 0; i < (input.contacts ?? 0); i++) {
    const row = contactRow(workspaceId, id, i)
    contactIds.push(row.id)
    await k
      .insertInto('contacts')
      .values({ ...row, search_text: contactSearchText(row) })
      .execute()
  }
  const addressIds: string[] = []
  for (let i = 0; i < (input.addresses ?? 0); i++) {
    const row = addressRow(workspaceId, id, i)
    addressIds.push(row.id)
    await k.insertInto('addresses').values(row).execute()
  }
  return { id, contactIds, addressIds, createdAt: at }
}

/** A contact row as the tests insert it directly, the i-th of its customer, created at the next instant. */
export function contactRow(workspaceId: string, customerId: string, i: number) {
  const at = nextInstant()
  return {
    id: uuidv7(),
    workspace_id: workspaceId,
    customer_id: customerId,
    first_name: 'Ada',
    last_name: `Contact ${i}`,
    email: `ada${i}@example.com`,
    phone: null,
    role: '',
    id_crm: null,
    id_erp: null,
    id_accounting: null,
    created_at: at,
    updated_at: at,
  }
}

/** An address row as the tests insert it directly, the i-th of its customer, created at the next instant. */
export function addressRow(workspaceId: string, customerId: string, i: number) {
  const at = nextInstant()
  return {
    id: uuidv7(),
    workspace_id: workspaceId,
    customer_id: customerId,
    contact_id: null,
    type: 'billing' as 'billing' | 'shipping',
    name: null,
    address_line1: `${i + 1} rue de Rivoli`,
    address_line2: null,
    city: 'Paris',
    state: null,
    postal_code: '75001',
    country: 'FR',
    comment: null,
    id_crm: null,
    id_erp: null,
    id_accounting: null,
    created_at: at,
    updated_at: at,
  }
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'quoin-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/**
 * One sample of every resource that has one, made through the API in the token's workspace, parents
 * first (in the order of the list): their ids by resource name.
 */
export async function makeSamples(
  app: FastifyInstance,
  auth: { authorization: string },
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {}
  const call = async (method: 'POST' | 'PATCH', url: string, body: object) => {
    const res = await app.inject({ method, url, headers: auth, payload: body })
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`)
    return { status: res.statusCode, body: res.json() }
  }
  for (const resource of RESOURCES) {
    if (resource.sample) ids[resource.name] = await resource.sample.create({ call, ids })
    const stateful = resource.sample?.stateful
    if (stateful) ids[statefulKey(resource.name)] = await stateful.create({ call, ids })
  }
  return ids
}

/** Where makeSamples keeps the record of a resource's stateful routes (see Resource.sample.stateful). */
const statefulKey = (name: string) => `${name}:stateful`

/** One request to an API route, built from the route list and the samples: what the derived suites send. */
export interface RouteCase {
  /** `METHOD /url` as the route list has it. */
  route: string
  method: Method
  url: string
  /** JSON, or text of `contentType`. */
  body?: object | string
  contentType?: string
  /** The scope the route needs. */
  scope: Scope
  resource: string
  /** What another workspace's token gets: 404 by id, 200 for a list, the intrusion status for a create. */
  intrusion: number
  /**
   * Its answer depends on the state of its record, which its first success changes (see
   * Resource.sample.stateful): the token is let through when the answer is neither a 401, nor a 403 of
   * scope, nor a 5xx.
   */
  stateful?: boolean
}

/**
 * The request of a route given the owner's sample of each resource (see makeSamples): its `:id` is the
 * sample of its resource, a list asks for every record, a create sends the sample's intrusion body (which
 * names the owner's records), a PATCH the sample's patch, a POST on a record its sample's action body, and
 * any other route the request its sample gives it (an export, a file import).
 */
export function routeCase(route: RouteInfo, ids: Record<string, string>): RouteCase {
  const key = `${route.method} ${route.url}`
  const resource = RESOURCES.find((r) => r.name === route.resource)
  if (!resource) throw new Error(`${key} belongs to no resource`)
  if (!route.scope) throw new Error(`${key} needs no token`)
  const method = route.method as Method
  const base = { route: key, method, scope: route.scope as Scope, resource: resource.name }
  const request = resource.sample?.requests?.[key]
  if (request) {
    const { body, contentType, intrusion, url } = request
    return {
      ...base,
      url: url ? url(ids) : route.url,
      ...(body ? { body: body(ids) } : {}),
      ...(contentType ? { contentType } : {}),
      intrusion,
    }
  }
  if (resource.sample?.stateful?.routes.includes(route.url)) {
    const id = ids[statefulKey(resource.name)]
    if (!id) throw new Error(`${resource.name} has no stateful sample: ${key} cannot be checked`)
    const body = method === 'POST' ? resource.sample.actions?.[route.url] : undefined
    return {
      ...base,
      url: route.url.replace(':id', id),
      ...(body ? { body } : {}),
      intrusion: 404,
      stateful: true,
    }
  }
  if (route.url.includes(':id')) {
    const id = ids[resource.name]
    if (!id) throw new Error(`${resource.name} has no sample: its by-id routes cannot be checked`)
    const body =
      method === 'PATCH' || method === 'PUT'
        ? (resource.sample?.patch ?? {})
        : method === 'POST'
          ? resource.sample?.actions?.[route.url]
          : undefined
    return { ...base, url: route.url.replace(':id', id), ...(body ? { body } : {}), intrusion: 404 }
  }
  if (method === 'GET') return { ...base, url: `${route.url}?limit=1000`, intrusion: 200 }
  const intrusion = resource.sample?.intrusion
  if (method === 'POST' && intrusion) {
    // Made afresh for each request that sends it, so that a field unique per workspace (a payment term's
    // api_name) can differ each time.
    return {
      ...base,
      url: route.url,
      get body() {
        return intrusion.body(ids)
      },
      intrusion: intrusion.status,
    }
  }
  throw new Error(`${key}: no request can be derived; give its resource a sample`)
}

/** The headers of a route case's request: `auth`, and the media type of a body that is not JSON. */
export function caseHeaders(c: RouteCase, auth: Headers): Headers {
  return c.contentType ? { ...auth, 'content-type': c.contentType } : auth
}

/** The case of every route of the app that needs a token, in the order the app registered them. */
export function routeCases(app: FastifyInstance, ids: Record<string, string>): RouteCase[] {
  return app.routeList.filter((r) => r.scope).map((r) => routeCase(r, ids))
}

/** Fields that change without any write: a token's use is recorded in passing, by every request. */
const PASSING = new Set(['last_used_at'])
const withoutPassing = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (key, v) => (PASSING.has(key) ? undefined : v)))

/** Each table and the column that says whose it is: tsc asks for a new table here, so snapshots see it. */
const WORKSPACE_COLUMN: Record<keyof Database, 'id' | 'workspace_id'> = {
  workspaces: 'id',
  api_tokens: 'workspace_id',
  segments: 'workspace_id',
  customers: 'workspace_id',
  customer_tax_ids: 'workspace_id',
  contacts: 'workspace_id',
  addresses: 'workspace_id',
  idempotency_keys: 'workspace_id',
  events: 'workspace_id',
  payment_terms: 'workspace_id',
  payment_term_installments: 'workspace_id',
  catalogs: 'workspace_id',
  categories: 'workspace_id',
  product_parents: 'workspace_id',
  product_parent_catalogs: 'workspace_id',
  product_options: 'workspace_id',
  product_option_values: 'workspace_id',
  products: 'workspace_id',
  product_variant_values: 'workspace_id',
  product_categories: 'workspace_id',
  currencies: 'workspace_id',
  taxes: 'workspace_id',
  billing_frequencies: 'workspace_id',
  pricebooks: 'workspace_id',
  pricebook_segments: 'workspace_id',
  prices: 'workspace_id',
  users: 'workspace_id',
  business_units: 'workspace_id',
  custom_fields: 'workspace_id',
  number_counters: 'workspace_id',
  quotes: 'workspace_id',
  quote_sections: 'workspace_id',
  quote_phases: 'workspace_id',
  quote_lines: 'workspace_id',
  approval_rules: 'workspace_id',
  quote_approvals: 'workspace_id',
  quote_history: 'workspace_id',
  orders: 'workspace_id',
}

/**
 * Everything a workspace holds, to compare before and after requests that must change nothing: what every
 * read route of the API answers its owner (status, ETag, body; lists whole, by-id routes for each sample)
 * and every stored row of the workspace, table by table. When a token was last used is left out.
 */
export async function snapshotWorkspace(
  t: { readonly app: FastifyInstance; readonly db: Db },
  owner: { workspaceId: string; auth: Headers },
  ids: Record<string, string>,
) {
  const answers: Record<string, unknown> = {}
  for (const c of routeCases(t.app, ids)) {
    if (c.method !== 'GET') continue
    const res = await t.app.inject({ method: 'GET', url: c.url, headers: owner.auth })
    const json = String(res.headers['content-type']).startsWith('application/json')
    answers[c.route] = {
      status: res.statusCode,
      etag: res.headers.etag,
      body: json ? withoutPassing(res.json()) : res.body,
    }
  }
  const rows: Record<string, unknown> = {}
  for (const [table, column] of Object.entries(WORKSPACE_COLUMN)) {
    const whose = sql`${sql.ref(column)} = ${owner.workspaceId}`
    const found = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} where ${whose}`.execute(t.db.kysely)
    rows[table] = found.rows.map((row) => JSON.stringify(withoutPassing(row))).sort()
  }
  return { answers, rows }
}

interface DocumentedEndpoint {
  method: string
  path: string
  request_body_example: Record<string, unknown> | null
  request_body_template?: Record<string, unknown>
  response_examples: { rendering?: string; body: Record<string, unknown> }[]
}

const EXAMPLES = ['qwoty-catalog.json', 'qwoty-prices.json'].flatMap(
  (file) =>
    (
      JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as {
        endpoints: DocumentedEndpoint[]
      }
    ).endpoints,
)

/**
 * A documented endpoint of Qwoty's catalog and price pages, as found (test/fixtures/qwoty-catalog.json,
 * qwoty-prices.json): its example request body, template and responses. Tests send and compare these, never
 * a copy of them.
 */
export function documented(method: string, path: string): DocumentedEndpoint {
  const found = EXAMPLES.find((e) => e.method === method && e.path === path)
  if (!found) throw new Error(`no documented example for ${method} ${path}`)
  return found
}

/** The documented request example of an endpoint (a copy, so a test may change it). */
export function documentedBody(method: string, path: string): Record<string, unknown> {
  const body = documented(method, path).request_body_example
  if (!body) throw new Error(`${method} ${path} documents no request example`)
  return structuredClone(body)
}
