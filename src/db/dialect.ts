// Everything that differs between SQLite and PostgreSQL, or between their drivers, lives here.
import { type Kysely, PostgresAdapter, type Simplify, sql } from 'kysely'
import { jsonArrayFrom as pgJsonArrayFrom } from 'kysely/helpers/postgres'
import { jsonArrayFrom as sqliteJsonArrayFrom } from 'kysely/helpers/sqlite'
import { isUuid } from '../domain/ids.ts'
import type { Database } from './types.ts'

export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/** A subquery's rows as one JSON array column; read it back with parseJsonArray. */
export function jsonArrayFrom<O>(db: Kysely<Database>, expr: Parameters<typeof sqliteJsonArrayFrom<O>>[0]) {
  return isPostgres(db) ? pgJsonArrayFrom(expr) : sqliteJsonArrayFrom(expr)
}

/** pg parses json columns itself; SQLite returns them as text. */
export function parseJsonArray<O>(value: Simplify<O>[] | string): Simplify<O>[] {
  return typeof value === 'string' ? (JSON.parse(value) as Simplify<O>[]) : value
}

/** The current instant as stored: ISO 8601 UTC with milliseconds (kept for ordering). */
export function nowIso(): string {
  return new Date().toISOString()
}

/** A stored timestamp (Date from pg, string from SQLite) as the wire shows it: second precision, UTC. */
export function toWireTime(value: Date | string): string {
  const iso = typeof value === 'string' ? value : value.toISOString()
  return `${iso.slice(0, 19)}Z`
}

/** A stored timestamp as a full-precision ISO string, for cursors and comparisons. */
export function toStoredTime(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString()
}

const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006'])
const NET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
])
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/

/** True when an error means "the database cannot answer now", as opposed to a bug or a bad query. */
export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (PG_UNAVAILABLE.has(code) || NET_UNAVAILABLE.has(code) || SQLITE_UNAVAILABLE.test(code)) return true
  }
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection is closed|Client has encountered a connection error|driver has already been destroyed|Cannot use a pool after calling end/i.test(
    err.message,
  )
}

const PG_RETRYABLE = new Set(['40001', '40P01'])

/**
 * True when a transaction failed only because another one raced it (PostgreSQL: serialization failure,
 * deadlock; SQLite: the database was busy): run again, it may well succeed. Never a bug of the request.
 */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (PG_RETRYABLE.has(code) || /^SQLITE_BUSY/.test(code))
}

/** True when an error is a foreign-key violation (a referenced row vanished meanwhile). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** `column` equals the id `value`, ignoring case; an id that is not a UUID matches nothing. */
export function idEquals(column: string, value: string) {
  return isUuid(value) ? sql<boolean>`${sql.ref(column)} = ${value.toLowerCase()}` : sql<boolean>`1 = 0`
}

/** Runs `fn` in a transaction, or in the caller's when `db` is one already. */
export function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn)
}

/** A boolean as both databases store it: 0/1 on SQLite, which PostgreSQL reads as a boolean too. */
export function flag(value: boolean): 0 | 1 {
  return value ? 1 : 0
}

/** A stored boolean (true/false on PostgreSQL, 1/0 on SQLite) as a boolean. */
export function isSet(value: boolean | number): boolean {
  return value === true || value === 1
}

/**
 * A stored decimal (numeric on PostgreSQL, read back as text; text on SQLite) as the JSON number Qwoty
 * serves: "33.3300" → 33.33. Null stays null.
 */
export function decimalNumber(value: string | null): number | null {
  return value === null ? null : Number(value)
}

/** The length of the JSON array a text column holds (null for null). */
export function jsonArrayLength(db: Kysely<Database>, column: string) {
  return isPostgres(db)
    ? sql<number | null>`json_array_length(${sql.ref(column)}::json)`
    : sql<number | null>`json_array_length(${sql.ref(column)})`
}

/** Whether the JSON object a text column holds (null: none) has the key `key`, a snake_case api_name. */
export function jsonHasKey(db: Kysely<Database>, column: string, key: string) {
  return isPostgres(db)
    ? sql<boolean>`jsonb_exists(${sql.ref(column)}::jsonb, ${key})`
    : sql<boolean>`json_type(${sql.ref(column)}, ${`$.${key}`}) is not null`
}
