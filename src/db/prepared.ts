import { createHash } from 'node:crypto'
import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import { postgresOf, sqliteReader } from './connect.ts'
import type { Database } from './types.ts'

const SENTINEL = '\u0000quoin-param:'

type Params = Record<string, string | number>

/** cached plan must not change result type; prepared statement does not exist. */
const STALE_STATEMENT = new Set(['0A000', '26000'])
type Runner<P, R> = (params: P) => Promise<R[]>

/**
 * A query written with the type-safe builder but built and compiled once per database handle, then
 * run with new values: hot paths skip Kysely's per-call building and compiling (about 7 µs a query).
 * On SQLite, outside a transaction, they run on the read-only connection (see sqliteReader); on
 * PostgreSQL, outside a transaction, as named prepared statements of the pool's connections.
 * `build` receives stand-ins for the parameters: use them only as plain values to compare with.
 */
export function prepared<P extends Params, R>(
  build: (db: Kysely<Database>, params: P) => Compilable<R>,
): (db: Kysely<Database>, params: P) => Promise<R[]> {
  const runners = new WeakMap<Kysely<Database>, Runner<P, R>>()
  return (db, params) => {
    let run = runners.get(db)
    if (!run) {
      run = compile(db, build)
      runners.set(db, run)
    }
    return run(params)
  }
}

function compile<P extends Params, R>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, params: P) => Compilable<R>,
): Runner<P, R> {
  const stand = new Proxy({} as P, { get: (_t, key) => `${SENTINEL}${String(key)}` })
  const compiled = build(db, stand).compile()
  const slots = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(SENTINEL) ? p.slice(SENTINEL.length) : undefined,
  )
  const reader = sqliteReader(db)?.connection
  const pool = postgresOf(db)?.pool // a root handle's: never a transaction's
  // A named statement is parsed and planned once per connection, then only bound and run.
  const name = `quoin_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 32)}`
  return async (params) => {
    const parameters = slots.map((slot, i) => (slot === undefined ? compiled.parameters[i] : params[slot]))
    if (reader) return reader.prepare(compiled.sql).all(parameters) as R[]
    const query: CompiledQuery<R> = { ...compiled, parameters }
    if (pool) {
      try {
        return (await pool.query({ name, text: compiled.sql, values: parameters as unknown[] })).rows as R[]
      } catch (err) {
        // A statement prepared before a migration changed what it returns, or lost behind a pooler: pg-pool
        // drops the connection that failed, and this read runs unnamed.
        if (!STALE_STATEMENT.has((err as { code?: unknown }).code as string)) throw err
      }
    }
    return (await db.executeQuery(query)).rows
  }
}
