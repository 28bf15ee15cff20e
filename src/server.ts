import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import type { Config } from './config.ts'
import { connect } from './db/connect.ts'
import { migrateToLatest } from './db/migrate.ts'
import { drain } from './http/drain.ts'
import { scheduleExpiry } from './resources/quotes/expiry.ts'
import { issueToken } from './resources/tokens/store.ts'
import { countWorkspaces, createWorkspace } from './resources/workspaces/store.ts'

// For a grace period the server still answers, but /ready says 503 (a load balancer stops sending) and
// every response closes its connection; then it stops listening, finishes the requests in flight (for
// 30 s at most) and closes the database.
const DRAIN_GRACE_MS = 1000
const DRAIN_DEADLINE_MS = 30_000

/** Migrates, creates a first workspace on an empty database, listens, and drains on SIGTERM/SIGINT. */
export async function serve(
  config: Config,
  print: (line: string) => void = console.error,
): Promise<FastifyInstance> {
  const db = connect(config.databaseUrl)
  let app: FastifyInstance
  try {
    await migrateToLatest(db.kysely)
    if ((await countWorkspaces(db.kysely)) === 0) {
      const workspace = await createWorkspace(db.kysely, { name: 'Default' })
      const { secret } = await issueToken(db.kysely, {
        workspaceId: workspace.id,
        name: 'Initial token',
        scopes: ['*'],
      })
      const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
      print(
        `Created workspace "Default" (${workspace.id}) and an all-scopes API token. It is shown only this once:`,
      )
      print(`  ${secret}`)
      print(`Try it: curl ${base}/api/customers -H "Authorization: Bearer ${secret}"`)
    }
    app = await buildApp({
      db,
      logLevel: config.logLevel,
      rateLimit: config.rateLimit,
      redisUrl: config.redisUrl,
      corsOrigins: config.corsOrigins,
      authFailures: { limit: config.authFailureLimit, windowSeconds: config.authFailureWindowSeconds },
      trustProxy: config.trustProxy,
    })
    scheduleExpiry(app, db.kysely)
  } catch (err) {
    await db.close()
    throw err
  }

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: draining in-flight requests')
    drain(app, db, { graceMs: DRAIN_GRACE_MS, deadlineMs: DRAIN_DEADLINE_MS }).then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  // Registered before listening: a signal that arrives as soon as the server says it listens is handled.
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
  await app.listen({ host: config.host, port: config.port })
  return app
}
