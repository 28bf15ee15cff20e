import type { Kysely } from 'kysely'
import { postgresOf, sqliteReader } from '../../db/connect.ts'
import { type Channel, openChannel } from '../../db/notify.ts'
import { dataVersion } from '../../db/read-cache.ts'
import type { Database } from '../../db/types.ts'

// Tokens as the auth hook needs them, held in memory and kept exact by revocation:
// - SQLite: every commit, by any connection or process, moves data_version, which empties the cache
//   (read once per request at most: see read-cache.ts).
// - PostgreSQL: revokeToken sends pg_notify(TOKEN_CHANNEL, <token hash>) in its own statement; every
//   process listens on a connection of its own and drops the entry. While that channel is not trusted
//   (down, or its heartbeat late: see db/notify.ts) the cache is bypassed, and emptied when it is back.
//   Entries also expire after maxAgeMs, for changes made by hand in the database.
// - An in-memory SQLite database: no cache.

/** A token the hash of a secret names, valid or not: the caller checks revocation and expiry. */
export interface KnownToken {
  tokenId: string
  workspaceId: string
  /** The user the token acts as (api_tokens.user_id), or null. */
  userId: string | null
  scopes: string[]
  /** ISO 8601, or null when it never expires. */
  expiresAt: string | null
  /** expiresAt in milliseconds; Infinity when it never expires. */
  expiresAtMs: number
  revoked: boolean
}

export const TOKEN_CHANNEL = 'quoin_tokens'
/** PostgreSQL: the longest an entry is used without reading it again. */
export const MAX_AGE_MS = 60_000
const MAX_ENTRIES = 10_000

export interface TokenCacheOptions {
  /** The clock that token expiry and the channel's trust are measured with. */
  now?: () => number
  /** PostgreSQL: see db/notify.ts. */
  heartbeatMs?: number
  maxStalenessMs?: number
  maxAgeMs?: number
  log?: (message: string) => void
}

export interface TokenCache {
  readonly now: () => number
  /** The token, synchronously when it is held; undefined when no token has this hash. */
  find(hash: string): KnownToken | undefined | Promise<KnownToken | undefined>
  /** Forgets a token (revoked by this process: the notification will say so too). */
  drop(hash: string): void
  /** PostgreSQL: the notification channel; undefined on SQLite. */
  readonly channel: Channel | undefined
  /** How many times a token was read from the database. */
  readonly loads: number
}

type Load = (db: Kysely<Database>, hash: string) => Promise<KnownToken | undefined>

const caches = new WeakMap<Kysely<Database>, TokenCache>()

/** The token cache of a database handle (a root handle, not a transaction), made on first use. */
export function tokenCacheOf(db: Kysely<Database>): TokenCache | undefined {
  return caches.get(db)
}

export function createTokenCache(db: Kysely<Database>, load: Load, options: TokenCacheOptions = {}) {
  if (caches.has(db)) throw new Error('This database handle has a token cache already')
  const now = options.now ?? Date.now
  const entries = new Map<string, { token: KnownToken; at: number }>()
  let generation = 0
  const clear = () => {
    entries.clear()
    generation++
  }
  const drop = (hash: string) => {
    entries.delete(hash)
    generation++
  }

  let usable: () => boolean = () => false
  let maxAgeMs = Number.POSITIVE_INFINITY
  let channel: Channel | undefined
  const reader = sqliteReader(db)
  const pg = postgresOf(db)
  if (reader) {
    let version: unknown
    usable = () => {
      const current = dataVersion(reader)
      if (current !== version) {
        version = current
        clear()
      }
      return true
    }
  } else if (pg) {
    const opened = openChannel({
      connectionString: pg.url,
      channel: TOKEN_CHANNEL,
      onMessage: (payload) => (/^[0-9a-f]{64}$/.test(payload) ? drop(payload) : clear()),
      onReset: clear,
      now,
      heartbeatMs: options.heartbeatMs,
      maxStalenessMs: options.maxStalenessMs,
      log: options.log,
    })
    pg.closers.add(() => opened.close())
    channel = opened
    usable = opened.trusted
    maxAgeMs = options.maxAgeMs ?? MAX_AGE_MS
  }

  let loads = 0
  const cache: TokenCache = {
    now,
    channel,
    drop,
    get loads() {
      return loads
    },
    find(hash) {
      const trusted = usable()
      if (trusted) {
        const held = entries.get(hash)
        if (held && now() - held.at <= maxAgeMs) return held.token
      }
      loads++
      const seen = generation
      const at = now()
      const loading = load(db, hash)
      if (!trusted) return loading
      return loading.then((token) => {
        // Kept only if nothing was invalidated meanwhile: what was read is then still current.
        if (token && usable() && seen === generation) {
          if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string)
          entries.set(hash, { token, at })
        }
        return token
      })
    },
  }
  caches.set(db, cache)
  return cache
}
