import type { Kysely } from 'kysely'
import { sqliteReader } from './connect.ts'
import type { Database } from './types.ts'

interface State<V> {
  version: unknown
  entries: Map<string, V>
  dataVersion: () => unknown
}

/**
 * A read-through cache for SQLite that can never serve stale data: SQLite's `data_version` changes
 * whenever any connection (ours, or another process's) commits, and every change empties the cache.
 * Reads inside a transaction, and every read on PostgreSQL, go straight to the database.
 */
export function versionedCache<V>(max = 20_000) {
  const states = new WeakMap<Kysely<Database>, State<V>>()
  return async function cached(db: Kysely<Database>, key: string, load: () => Promise<V | undefined>) {
    const reader = sqliteReader(db)
    if (!reader) return load()
    let state = states.get(db)
    if (!state) {
      const statement = reader.prepare('pragma data_version').pluck()
      state = { version: undefined, entries: new Map(), dataVersion: () => statement.get() }
      states.set(db, state)
    }
    const version = state.dataVersion()
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
