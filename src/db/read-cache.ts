import type { Kysely } from 'kysely'
import { postgresOf, sqliteReader } from './connect.ts'
import type { Database } from './types.ts'

interface State<V> {
  /** The data_version the entries were read at. */
  version: unknown
  entries: Map<string, V>
}

type Reader = NonNullable<ReturnType<typeof sqliteReader>>

const memos = new WeakMap<Reader, { version: unknown; checkedAt: number; read: () => unknown }>()

/** The reader's data_version, read again only once this process wrote or a new request began. */
export function dataVersion(reader: Reader): unknown {
  let memo = memos.get(reader)
  if (!memo) {
    const statement = reader.connection.prepare('pragma data_version').pluck()
    memo = { version: undefined, checkedAt: -1, read: () => statement.get() }
    memos.set(reader, memo)
  }
  if (memo.checkedAt !== reader.epoch) {
    memo.version = memo.read()
    memo.checkedAt = reader.epoch
  }
  return memo.version
}

/**
 * A read-through cache for SQLite that never serves data older than the request reading it: SQLite's
 * `data_version` changes whenever any connection (ours, or another process's) commits, and every change
 * empties the cache. It is read once per request at most: a second cached read of the same request reuses
 * it unless this process wrote meanwhile, so a request sees the database as of its first read or later.
 * Reads inside a transaction, and every read on PostgreSQL, go straight to the database.
 */
export function versionedCache<V>(max = 20_000) {
  const states = new WeakMap<Reader, State<V>>()
  return async function cached(db: Kysely<Database>, key: string, load: () => Promise<V | undefined>) {
    const reader = sqliteReader(db)
    if (!reader) return load()
    let state = states.get(reader)
    if (!state) {
      state = { version: undefined, entries: new Map() }
      states.set(reader, state)
    }
    const version = dataVersion(reader)
    if (version !== state.version) {
      state.entries.clear()
      state.version = version
    }
    const hit = state.entries.get(key)
    if (hit !== undefined) return hit
    const value = await load()
    // Stored only if nothing was committed meanwhile; the data read is at least as new as `version`.
    if (value !== undefined && state.version === version) {
      if (state.entries.size >= max) state.entries.delete(state.entries.keys().next().value as string)
      state.entries.set(key, value)
    }
    return value
  }
}

/** Whether reads of `db` go through revalidatedCache: PostgreSQL, outside a transaction. */
export function isRevalidated(db: Kysely<Database>): boolean {
  return postgresOf(db) !== undefined
}

/**
 * PostgreSQL: records held per process with their version, and revalidated by every read in the same
 * statement: `load(known)` reads the record's version and, only when it is not `known` (-1 when nothing
 * is held), the whole record. An unchanged record costs the database an index lookup instead of its
 * lists, and is answered as the very object held before, so its serialised body is reused too (see
 * recordSender in http/conditional.ts). Exact because every change to what a record shows moves its
 * version, which its ETag relies on as well.
 */
export function revalidatedCache<V>(max = 20_000) {
  const states = new WeakMap<Kysely<Database>, Map<string, { version: number; value: V }>>()
  return async function revalidated(
    db: Kysely<Database>,
    key: string,
    load: (known: number) => Promise<{ version: number; value?: V } | undefined>,
  ): Promise<V | undefined> {
    let entries = states.get(db)
    if (!entries) {
      entries = new Map()
      states.set(db, entries)
    }
    const held = entries.get(key)
    const found = await load(held?.version ?? -1)
    if (!found) {
      entries.delete(key)
      return undefined
    }
    // Without a value, the version is the one held (no version is -1).
    if (found.value === undefined) return held!.value
    const current = entries.get(key)
    if (!current || current.version < found.version) {
      if (!current && entries.size >= max) entries.delete(entries.keys().next().value as string)
      entries.set(key, { version: found.version, value: found.value })
    }
    return found.value
  }
}
