import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type SQLite from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely'
import type pg from 'pg'
import type { Database } from './types.ts'

export interface Db {
  kysely: Kysely<Database>
  /** Answers whether the database responds to a trivial query. */
  ping(): Promise<boolean>
  close(): Promise<void>
}

export class DatabaseUrlError extends Error {
  // Named, so that the command line, which loads this module only when it connects, can recognise it.
  override name = 'DatabaseUrlError'
}

// Each driver is loaded by the first connection that needs it, so a process on SQLite never loads pg and
// the other way round. Synchronously (`connect` is), through require: both drivers are CommonJS.
const require = createRequire(import.meta.url)
let sqliteDriver: typeof SQLite | undefined
let pgDriver: typeof pg | undefined

function loadSqlite(): typeof SQLite {
  sqliteDriver ??= require('better-sqlite3') as typeof SQLite
  return sqliteDriver
}

/** The pg driver, loaded on first use (a process on SQLite never loads it). */
export function loadPg(): typeof pg {
  if (!pgDriver) {
    pgDriver = require('pg') as typeof pg
    // int8 (counts) and numeric come back from pg as strings; counts fit in a JS number.
    pgDriver.types.setTypeParser(pgDriver.types.builtins.INT8, (v) => Number(v))
  }
  return pgDriver
}

export function connect(url: string): Db {
  if (url.startsWith('sqlite:')) return connectSqlite(url.slice('sqlite:'.length))
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return connectPostgres(url)
  throw new DatabaseUrlError(`DATABASE_URL must start with sqlite: or postgres://, got "${redactUrl(url)}"`)
}

interface Reader {
  connection: SQLite.Database
  /**
   * Moves on whenever this process writes, and at the start of every request: a cached read may skip
   * checking data_version only while it has not moved (see read-cache.ts).
   */
  epoch: number
}

const readers = new WeakMap<Kysely<Database>, Reader>()

interface Postgres {
  url: string
  pool: pg.Pool
  /** Run by Db.close() before the pool ends: connections of their own, such as LISTEN channels. */
  closers: Set<() => Promise<void>>
}

const postgres = new WeakMap<Kysely<Database>, Postgres>()

/** The PostgreSQL pool behind `db` and what its close must also close, if `db` is a PostgreSQL handle. */
export function postgresOf(db: Kysely<Database>): Postgres | undefined {
  return postgres.get(db)
}

/**
 * The read-only connection that serves hot-path reads made outside a transaction, if `db` has one.
 * Kysely funnels SQLite through one connection behind a mutex; in WAL mode a second connection reads
 * committed data without waiting for it, and synchronously.
 */
export function sqliteReader(db: Kysely<Database>): Reader | undefined {
  return readers.get(db)
}

/** A request starts: its cached reads check data_version afresh. */
export function beginRequest(db: Kysely<Database>): void {
  const reader = readers.get(db)
  if (reader) reader.epoch++
}

function connectSqlite(path: string): Db {
  if (path === '') throw new DatabaseUrlError('DATABASE_URL sqlite: needs a path, or :memory:')
  const memory = path === ':memory:'
  if (!memory) mkdirSync(dirname(path), { recursive: true })
  const Driver = loadSqlite()
  const sqlite = new Driver(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // An in-memory database exists only on its own connection: there, every read goes through Kysely.
  const reader = memory ? undefined : new Driver(path, { readonly: true })
  const state: Reader | undefined = reader && { connection: withStatementCache(reader), epoch: 0 }
  const onWrite = () => {
    if (state) state.epoch++
  }
  const kysely = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite, onWrite) }),
  })
  if (reader) {
    reader.pragma('busy_timeout = 5000')
    readers.set(kysely, state!)
  }
  return {
    kysely,
    async ping() {
      try {
        sqlite.prepare('select 1').get()
        return true
      } catch {
        return false
      }
    },
    async close() {
      await kysely.destroy()
      reader?.close()
    },
  }
}

/**
 * Kysely prepares every statement on every call; preparing costs more than running a small query.
 * Statements are reused by SQL text (better-sqlite3 runs them synchronously, so reuse is safe).
 */
function withStatementCache(sqlite: SQLite.Database, onWrite?: () => void, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>()
  const prepare = (source: string) => {
    let statement = cache.get(source)
    if (!statement) {
      if (cache.size >= max) cache.delete(cache.keys().next().value as string)
      statement = sqlite.prepare(source)
      cache.set(source, statement)
    }
    // Kysely prepares right before it runs, synchronously: a write is seen here. Only a statement that
    // returns rows and writes nothing is a read: `reader` alone says whether rows come back (true for
    // INSERT … RETURNING), `readonly` whether the file changes (true for COMMIT, which publishes writes).
    if (onWrite && !(statement.reader && statement.readonly)) onWrite()
    return statement
  }
  return new Proxy(sqlite, {
    get(target, key) {
      if (key === 'prepare') return prepare
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/**
 * Every transaction on the writer connection begins IMMEDIATE: it takes SQLite's write lock at BEGIN,
 * waiting for it (busy_timeout) while another connection or process holds it. A deferred BEGIN reads
 * first and upgrades to a write later; in WAL mode that upgrade fails at once with SQLITE_BUSY_SNAPSHOT
 * when another process committed meanwhile, and no wait helps. A statement outside a transaction takes
 * the lock when it starts, so busy_timeout covers it already.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

function connectPostgres(url: string): Db {
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max: Number(process.env.PG_POOL_MAX ?? 10),
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    query_timeout: 15_000,
  })
  // A client that loses its connection emits 'error'; without a listener that would crash the process.
  // The failed query rejects on its own (and becomes a 503); the pool replaces the client later.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const closers = new Set<() => Promise<void>>()
  postgres.set(kysely, { url, pool, closers })
  return {
    kysely,
    async ping() {
      try {
        await pool.query('select 1')
        return true
      } catch {
        return false
      }
    },
    async close() {
      await Promise.all([...closers].map((close) => close()))
      await kysely.destroy()
    },
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
