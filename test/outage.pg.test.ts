import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { connect, type Db } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { buildTenant, createTestDatabase, insertCustomer, type TestDatabase } from './helpers.ts'
import { startProxy } from './tcp-proxy.ts'

describe('PostgreSQL outage', () => {
  let database: TestDatabase
  let proxy: Awaited<ReturnType<typeof startProxy>>
  let db: Db
  let app: FastifyInstance
  let auth: Record<string, string>
  let customerId: string

  before(async () => {
    database = await createTestDatabase()
    const url = new URL(database.url)
    proxy = await startProxy(Number(url.port || 5432), url.hostname)
    url.host = `127.0.0.1:${proxy.port}`
    db = connect(url.toString())
    await migrateToLatest(db.kysely)
    const tenant = await buildTenant(db)
    auth = tenant.auth
    customerId = (await insertCustomer(db, tenant.workspaceId)).id
    app = await buildApp({ db, logLevel: 'silent' })
  })
  after(async () => {
    await app?.close()
    await db?.close()
    await proxy?.close()
    await database?.drop()
  })

  const get = () => app.inject({ method: 'GET', url: `/api/customers/${customerId}`, headers: auth })

  it('answers 503 while the database is cut off, and serves again once it is back, without a restart', async () => {
    assert.equal((await get()).statusCode, 200)

    proxy.cut()
    for (let i = 0; i < 3; i++) {
      const res = await get()
      assert.equal(res.statusCode, 503)
      assert.deepEqual(res.json(), {
        success: false,
        error: 'Database unavailable, try again shortly',
        code: 'database_unavailable',
      })
      assert.equal(res.headers['retry-after'], '1')
    }
    const ready = await app.inject({ method: 'GET', url: '/ready' })
    assert.equal(ready.statusCode, 503)
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)

    proxy.restore()
    // The pool may still hold a connection the cut broke: poll, on a generous deadline, until it serves
    // again. Meanwhile every answer is the 503 above, never another status.
    const deadline = Date.now() + 30_000
    let res = await get()
    while (res.statusCode !== 200 && Date.now() < deadline) {
      assert.equal(res.statusCode, 503, res.body)
      await new Promise((r) => setTimeout(r, 20))
      res = await get()
    }
    assert.equal(res.statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  })
})
