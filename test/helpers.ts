import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import { buildApp } from '../src/app.ts'
import { connect, type Db } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { contactSearchText, customerSearchTax, customerSearchText } from '../src/db/search.ts'
import type { Scope } from '../src/domain/tokens.ts'
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

export async function buildWorkspace(db: Db, name = 'Test workspace', settings?: Partial<WorkspaceSettings>) {
  return createWorkspace(db.kysely, { name, ...(settings ? { settings } : {}) })
}

export async function buildToken(
  db: Db,
  workspaceId: string,
  scopes: Scope[] = ['*'],
  expiresAt: string | null = null,
) {
  const { row, secret } = await createToken(db.kysely, { workspaceId, name: 'test token', scopes, expiresAt })
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
