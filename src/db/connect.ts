import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './types.ts'

export type DialectName = 'sqlite' | 'postgres'

export interface Db {
  kysely: Kysely<Database>
  dialect: DialectName
  /** Answers whether the database responds to a trivial query. */
  ping(): Promise<boolean>
  close(): Promise<void>
}

export class DatabaseUrlError extends Error {}

// int8 (counts) and numeric come back from pg as strings; counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export function connect(url: string): Db {
  if (url.startsWith('sqlite:')) return connectSqlite(url.slice('sqlite:'.length))
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return connectPostgres(url)
  throw new DatabaseUrlError(`DATABASE_URL must start with sqlite: or postgres://, got "${redactUrl(url)}"`)
}

const readers = new WeakMap<Kysely<Database>, SQLite.Database>()

/**
 * The read-only connection that serves hot-path reads made outside a transaction, if `db` has one.
 * Kysely funnels SQLite through one connection behind a mutex; in WAL mode a second connection reads
 * committed data without waiting for it, and synchronously.
 */
export function sqliteReader(db: Kysely<Database>): SQLite.Database | undefined {
  return readers.get(db)
}

function connectSqlite(path: string): Db {
  if (path === '') throw new DatabaseUrlError('DATABASE_URL sqlite: needs a path, or :memory:')
  const memory = path === ':memory:'
  if (!memory) mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  })
  // An in-memory database exists only on its own connection: there, every read goes through Kysely.
  const reader = memory ? undefined : new SQLite(path, { readonly: true })
  if (reader) {
    reader.pragma('busy_timeout = 5000')
    readers.set(kysely, withStatementCache(reader))
  }
  return {
    kysely,
    dialect: 'sqlite',
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
function withStatementCache(sqlite: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>()
  const prepare = (source: string) => {
    let statement = cache.get(source)
    if (!statement) {
      if (cache.size >= max) cache.delete(cache.keys().next().value as string)
      statement = sqlite.prepare(source)
      cache.set(source, statement)
    }
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

function connectPostgres(url: string): Db {
  const pool = new pg.Pool({
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
  return {
    kysely,
    dialect: 'postgres',
    async ping() {
      try {
        await pool.query('select 1')
        return true
      } catch {
        return false
      }
    },
    close: () => kysely.destroy(),
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
