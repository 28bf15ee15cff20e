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

function connectSqlite(path: string): Db {
  if (path === '') throw new DatabaseUrlError('DATABASE_URL sqlite: needs a path, or :memory:')
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
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
    close: () => kysely.destroy(),
  }
}

function connectPostgres(url: string): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: Number(process.env.PG_POOL_MAX ?? 10),
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    query_timeout: 15_000,
  })
  // An idle client that loses its connection emits here; the pool drops it and reconnects later.
  pool.on('error', () => {})
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
