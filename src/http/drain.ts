import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Db } from '../db/connect.ts'

// A graceful stop: stop accepting, let every request in flight finish, and only then close the database.
// Requests are counted from their first hook until their response is written. Counting connections is not
// enough: a client that goes away leaves its request running, and Fastify closes as soon as the last
// connection has, with that request still about to query the database.

interface Tracker {
  inFlight: number
  idle: (() => void)[]
}

const trackers = new WeakMap<FastifyInstance, Tracker>()

/** Counts the requests in flight; call it before any other hook is added, so that every request counts. */
export function trackRequests(app: FastifyInstance): void {
  const tracker: Tracker = { inFlight: 0, idle: [] }
  trackers.set(app, tracker)
  const settle = () => {
    if (--tracker.inFlight === 0) for (const resolve of tracker.idle.splice(0)) resolve()
  }
  // 'close' comes after the response is written, or when the client leaves first: then the request is
  // still running, and it settles when it writes its (unread) response.
  function onClose(this: ServerResponse) {
    if (this.writableEnded) return settle()
    const end = this.end
    this.end = function (this: ServerResponse, ...args: Parameters<ServerResponse['end']>) {
      this.end = end
      settle()
      return end.apply(this, args)
    } as ServerResponse['end']
  }
  app.addHook('onRequest', (_request, reply, done) => {
    tracker.inFlight++
    reply.raw.on('close', onClose) // emitted once
    done()
  })
}

/** How many requests are in flight. */
export function requestsInFlight(app: FastifyInstance): number {
  return trackers.get(app)?.inFlight ?? 0
}

export interface DrainOptions {
  /**
   * How long the server keeps answering first, /ready saying 503 and every response closing its
   * connection, so that a load balancer stops sending and clients leave keep-alive connections.
   */
  graceMs?: number
  /** The longest the requests in flight are waited for, after the grace period. */
  deadlineMs?: number
}

/**
 * Stops the app and closes its database: after the grace period it stops listening, waits for the
 * requests in flight (up to the deadline, then cuts the connections left), and closes the database last.
 */
export async function drain(app: FastifyInstance, db: Db, options: DrainOptions = {}): Promise<void> {
  const { graceMs = 0, deadlineMs = 30_000 } = options
  app.draining = true
  if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs))
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs)
  })
  try {
    // Closing stops accepting; requests arriving on connections still open are served, each response
    // closing its connection, and it resolves once the last connection is gone.
    const closed = app.close()
    if ((await Promise.race([closed, deadline])) === 'deadline') app.server.closeAllConnections()
    const tracker = trackers.get(app)
    if (tracker && tracker.inFlight > 0) {
      const idle = new Promise<void>((resolve) => tracker.idle.push(resolve))
      if ((await Promise.race([idle, deadline])) === 'deadline') {
        app.log.warn({ in_flight: tracker.inFlight }, 'drain deadline passed: closing the database anyway')
      }
    }
    await Promise.race([closed, deadline])
  } finally {
    clearTimeout(timer)
  }
  await db.close()
}
