import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { startServer } from '../../test/fixtures/crash-server.ts'
import { buildTenant, createTestDatabase, insertCustomer, type TestDatabase } from '../../test/helpers.ts'
import { buildApp } from '../app.ts'
import { connect } from '../db/connect.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { findCustomer } from '../resources/customers/store.ts'
import { drain } from './drain.ts'

/** A keep-alive client that GETs `path` in a loop until the server stops answering. */
async function hammer(port: number, path: string, headers: Record<string, string>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const statuses: number[] = []
  let failure: string | undefined
  while (failure === undefined) {
    await new Promise<void>((resolve) => {
      const req = http.get({ port, host: '127.0.0.1', path, headers, agent }, (res) => {
        statuses.push(res.statusCode!)
        res.resume().on('end', resolve)
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        failure = err.code ?? err.message
        resolve()
      })
    })
  }
  agent.destroy()
  return { statuses, failure }
}

function logLines() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      callback()
    },
  })
  return { lines, stream }
}

/** What a client that stops waiting sees: nothing, and the server is told so. */
const CLIENT_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'socket hang up', 'EPIPE'])

describe('stopping under load', () => {
  let database: TestDatabase | undefined
  after(() => database?.drop())

  it('finishes every request in flight, one whose client left included, before closing the database', async () => {
    database = await createTestDatabase()
    const db = connect(database.url)
    await migrateToLatest(db.kysely)
    const tenant = await buildTenant(db)
    const { id } = await insertCustomer(db, tenant.workspaceId)
    const log = logLines()
    const app = await buildApp({ db, logLevel: 'info', logStream: log.stream })

    // A route that stays in its handler until the server has closed every connection, then reads.
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered!: () => void
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve
    })
    let slowRead: 'pending' | 'found' | string = 'pending'
    app.get('/api/slow', { config: { scope: 'customers:read' }, schema: {} }, async (request) => {
      entered()
      await gate
      try {
        slowRead = (await findCustomer(db.kysely, request.auth.workspaceId, id)) ? 'found' : 'missing'
      } catch (err) {
        slowRead = (err as Error).message
      }
      return { ok: true }
    })
    app.addHook('onClose', async () => {
      setImmediate(release)
    })
    let readWhenClosed: string | undefined
    const close = db.close.bind(db)
    db.close = () => {
      readWhenClosed = slowRead
      return close()
    }

    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as AddressInfo
    const loads = Array.from({ length: 8 }, () => hammer(port, `/api/customers/${id}`, tenant.auth))
    const slow = http.get({ port, host: '127.0.0.1', path: '/api/slow', headers: tenant.auth })
    slow.on('error', () => {})
    await inHandler
    slow.destroy() // its client leaves: Fastify no longer counts its connection

    await drain(app, db, { graceMs: 0, deadlineMs: 20_000 })
    const results = await Promise.all(loads)

    assert.equal(readWhenClosed, 'found', 'the database closed before the request in flight had read')
    for (const r of results) {
      assert.ok(r.statuses.length > 0)
      assert.deepEqual(
        r.statuses.filter((s) => s !== 200),
        [],
      )
      assert.ok(CLIENT_GONE.has(r.failure!), r.failure)
    }
    const requests = log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request')
    assert.ok(requests.length > 8)
    assert.deepEqual(
      requests.filter((l) => l.status >= 500),
      [],
    )
    assert.deepEqual(
      log.lines.filter((l) => /destroyed|drain deadline/.test(l)),
      [],
    )
  })

  it('quoin serve exits 0 on SIGTERM under load, with no 5xx and nothing reaching a closed database', async () => {
    const served = await createTestDatabase()
    try {
      const db = connect(served.url)
      await migrateToLatest(db.kysely)
      const tenant = await buildTenant(db)
      const { id } = await insertCustomer(db, tenant.workspaceId)
      await db.close()
      const server = await startServer({ DATABASE_URL: served.url, LOG_LEVEL: 'info' }, tenant.auth)
      const loads = Array.from({ length: 8 }, () => hammer(server.port, `/api/customers/${id}`, tenant.auth))
      await server.outputMatching(/"status":200/)
      const code = await server.stop('SIGTERM')
      const results = await Promise.all(loads)

      assert.equal(code, 0, server.output())
      for (const r of results) {
        assert.deepEqual(
          r.statuses.filter((s) => s !== 200),
          [],
        )
        assert.ok(CLIENT_GONE.has(r.failure!), r.failure)
      }
      assert.doesNotMatch(server.output(), /destroyed|"status":5\d\d|drain deadline/)
    } finally {
      await served.drop()
    }
  })
})
