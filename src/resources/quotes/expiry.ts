import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { expireQuotes } from './lifecycle.ts'

/** How often a server expires the published quotes past their expiration date. */
export const EXPIRY_INTERVAL_MS = 60_000

/**
 * Runs expireQuotes every `intervalMs` while the app is up: a timer that keeps no process alive, stopped when
 * the app closes. A sweep still running when the next is due is not doubled. Accepting an expired quote is
 * refused whatever the sweep has done (see runQuoteAction), so the sweep only brings reads up to date.
 */
export function scheduleExpiry(
  app: FastifyInstance,
  db: Kysely<Database>,
  intervalMs: number = EXPIRY_INTERVAL_MS,
): NodeJS.Timeout {
  let running: Promise<void> | undefined
  const sweep = () => {
    if (running) return
    running = expireQuotes(db)
      .then((expired) => {
        if (expired > 0) app.log.info({ expired }, 'expired quotes past their expiration date')
      })
      .catch((err) => app.log.warn({ err: { message: (err as Error).message } }, 'quote expiry failed'))
      .finally(() => {
        running = undefined
      })
  }
  const timer = setInterval(sweep, intervalMs).unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
  return timer
}
