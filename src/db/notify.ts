import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { loadPg } from './connect.ts'

// A PostgreSQL LISTEN channel that knows how far it can be trusted. A cache kept exact by notifications
// is only as good as the connection that receives them: it may drop (then the cache is cleared and not
// trusted until the connection is back, and cleared again), or die silently (a cut network). So the
// channel sends itself a heartbeat NOTIFY every second; PostgreSQL delivers notifications in commit
// order, so once a heartbeat sent at T comes back, every notification committed before T has arrived.
// The channel is trusted while the last heartbeat that came back was sent less than maxStalenessMs ago.

export interface ChannelOptions {
  connectionString: string
  /** The channel's name: lower-case letters, digits and underscores. */
  channel: string
  /** A notification (not a heartbeat) arrived. */
  onMessage: (payload: string) => void
  /** The connection was lost, or is back: what was learnt from the channel may be stale. */
  onReset: () => void
  /** The clock trust is measured with, in milliseconds. */
  now?: () => number
  /** How often a heartbeat is sent: 1000 ms by default. */
  heartbeatMs?: number
  /** How old the last heartbeat that came back may be for the channel to be trusted: 5000 ms by default. */
  maxStalenessMs?: number
  /** Where a lost connection is reported (once per loss). */
  log?: (message: string) => void
}

export interface Channel {
  /** True while every notification committed up to maxStalenessMs ago is known to have arrived. */
  trusted(): boolean
  /**
   * Resolves once every notification committed before the call has arrived: a heartbeat sent after it
   * came back (after the connection is back, if it is down).
   */
  sync(): Promise<void>
  /** The PostgreSQL backend of the listening connection, while connected. */
  backendPid(): number | undefined
  close(): Promise<void>
}

export const HEARTBEAT_MS = 1000
export const MAX_STALENESS_MS = 5000
const RECONNECT_MIN_MS = 100
const RECONNECT_MAX_MS = 5000

export function openChannel(options: ChannelOptions): Channel {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`Invalid channel name ${options.channel}`)
  const now = options.now ?? Date.now
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS
  const maxStalenessMs = options.maxStalenessMs ?? MAX_STALENESS_MS
  const prefix = `hb:${randomUUID()}:`
  let client: pg.Client | undefined
  let connected = false
  let closed = false
  /** When the last heartbeat that came back was sent, by `now`. */
  let confirmedAt = Number.NEGATIVE_INFINITY
  let sent = 0
  let received = 0
  const waiting: { seq: number; resolve: () => void }[] = []
  /** sync() calls made while disconnected: they wait for the first heartbeat of the next connection. */
  let parked: (() => void)[] = []
  let retryMs = RECONNECT_MIN_MS
  let retryTimer: NodeJS.Timeout | undefined
  let reported = false

  const heartbeat = () => {
    if (!connected || !client) return
    const seq = ++sent
    client.query('select pg_notify($1, $2)', [options.channel, `${prefix}${seq}:${now()}`]).catch(() => {})
  }

  const onNotification = (message: pg.Notification) => {
    const payload = message.payload ?? ''
    if (!payload.startsWith('hb:')) {
      options.onMessage(payload)
      return
    }
    if (!payload.startsWith(prefix)) return // another process's heartbeat
    const [seq, at] = payload.slice(prefix.length).split(':').map(Number)
    if (seq === undefined || at === undefined) return
    if (at > confirmedAt) confirmedAt = at
    if (seq > received) received = seq
    while (waiting.length > 0 && waiting[0]!.seq <= received) waiting.shift()!.resolve()
  }

  const lost = (from: pg.Client, why: string) => {
    if (from !== client) return
    client = undefined
    connected = false
    confirmedAt = Number.NEGATIVE_INFINITY
    from.removeAllListeners('notification')
    from.on('error', () => {})
    from.end().catch(() => {})
    options.onReset()
    if (!reported) options.log?.(`notification channel ${options.channel} lost (${why}): reconnecting`)
    reported = true
    schedule()
  }

  const schedule = () => {
    if (closed || retryTimer) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      void connect()
    }, retryMs)
    retryTimer.unref()
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS)
  }

  const connect = async () => {
    if (closed) return
    const next = new (loadPg().Client)({
      connectionString: options.connectionString,
      connectionTimeoutMillis: 3000,
    })
    client = next
    next.on('notification', onNotification)
    next.on('error', (err) => lost(next, err.message))
    next.on('end', () => lost(next, 'connection ended'))
    try {
      await next.connect()
      await next.query(`listen ${options.channel}`)
    } catch (err) {
      lost(next, (err as Error).message)
      return
    }
    if (next !== client || closed) return
    connected = true
    retryMs = RECONNECT_MIN_MS
    if (reported) options.log?.(`notification channel ${options.channel} is back`)
    reported = false
    // Whatever was cached while nobody listened is dropped once more, now that every later change is heard.
    options.onReset()
    heartbeat()
    for (const resolve of parked) waiting.push({ seq: sent, resolve })
    parked = []
  }

  const timer = setInterval(() => {
    // A heartbeat that has not come back for long means a connection that died silently: start afresh.
    if (connected && client && now() - confirmedAt > maxStalenessMs + heartbeatMs && sent > received) {
      lost(client, 'heartbeats are not coming back')
      return
    }
    heartbeat()
  }, heartbeatMs)
  timer.unref()
  void connect()

  return {
    trusted: () => connected && now() - confirmedAt <= maxStalenessMs,
    sync() {
      if (closed) return Promise.resolve()
      return new Promise((resolve) => {
        if (!connected) {
          parked.push(resolve)
          return
        }
        heartbeat()
        waiting.push({ seq: sent, resolve })
      })
    },
    backendPid: () => (connected ? (client as unknown as { processID?: number })?.processID : undefined),
    async close() {
      closed = true
      clearInterval(timer)
      clearTimeout(retryTimer)
      const last = client
      client = undefined
      connected = false
      for (const w of waiting.splice(0)) w.resolve()
      for (const resolve of parked.splice(0)) resolve()
      if (last) {
        last.removeAllListeners()
        last.on('error', () => {})
        await last.end().catch(() => {})
      }
    },
  }
}
