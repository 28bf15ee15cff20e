import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTenant, createTestDatabase, type TestDatabase, useTestApp } from '../../test/helpers.ts'
import { buildApp } from '../app.ts'
import { connect, type Db } from '../db/connect.ts'
import { migrateToLatest } from '../db/migrate.ts'

let tenant: Awaited<ReturnType<typeof buildTenant>>
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
  },
})

describe('request bodies', () => {
  it('answers 413 to a JSON body over 1 MiB', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: { ...tenant.auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024), type: 'company' }),
    })
    assert.equal(res.statusCode, 413)
    assert.equal(res.json().code, 'payload_too_large')
  })

  it('answers 415 to a body that is not JSON, and 400 to broken JSON', async () => {
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: { ...tenant.auth, 'content-type': 'text/plain' },
      payload: 'name=Acme',
    })
    assert.equal(text.statusCode, 415)
    assert.equal(text.json().code, 'unsupported_media_type')
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: { ...tenant.auth, 'content-type': 'application/json' },
      payload: '{"name": "Acme",',
    })
    assert.equal(broken.statusCode, 400)
    assert.equal(broken.json().code, 'invalid_json')
  })

  it('refuses a body that is not an object', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: tenant.auth,
      payload: [1, 2],
    })
    assert.equal(res.statusCode, 400)
  })
})

describe('security headers', () => {
  it('are on every API response, errors included', async () => {
    for (const url of ['/api/customers', '/api/nothing', '/health']) {
      const res = await t.app.inject({ method: 'GET', url, headers: tenant.auth })
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url)
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url)
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/, url)
      assert.equal(res.headers['cache-control'], 'no-store', url)
    }
  })

  it('leave the reference pages able to run their scripts', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' })
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.doesNotMatch(String(res.headers['content-security-policy'] ?? ''), /default-src 'none'/)
  })
})

describe('CORS', () => {
  it('is off by default: no Access-Control-Allow-Origin', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/customers',
      headers: { ...tenant.auth, origin: 'https://evil.example' },
    })
    assert.equal(res.headers['access-control-allow-origin'], undefined)
  })

  it('allows the configured origins only, with the headers a client needs', async () => {
    const app = await buildApp({ db: t.db, logLevel: 'silent', corsOrigins: ['https://app.example.com'] })
    try {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/api/customers',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      })
      assert.ok(preflight.statusCode < 300)
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.com')
      assert.match(String(preflight.headers['access-control-allow-headers']), /Idempotency-Key/)
      const get = await app.inject({
        method: 'GET',
        url: '/api/customers',
        headers: { ...tenant.auth, origin: 'https://app.example.com' },
      })
      assert.equal(get.headers['access-control-allow-origin'], 'https://app.example.com')
      assert.match(String(get.headers['access-control-expose-headers']), /ETag/)
      const other = await app.inject({
        method: 'GET',
        url: '/api/customers',
        headers: { ...tenant.auth, origin: 'https://evil.example' },
      })
      assert.equal(other.headers['access-control-allow-origin'], undefined)
    } finally {
      await app.close()
    }
  })
})

describe('unexpected errors', () => {
  let database: TestDatabase
  let db: Db
  let app: FastifyInstance
  const logs: string[] = []

  before(async () => {
    database = await createTestDatabase()
    db = connect(database.url)
    await migrateToLatest(db.kysely)
    const stream = new PassThrough()
    stream.on('data', (c: Buffer) => logs.push(...c.toString().split('\n').filter(Boolean)))
    app = await buildApp({ db, logLevel: 'info', logStream: stream })
    app.get('/api/boom', { config: { scope: 'customers:read' } }, async () => {
      throw new Error('secret internals: connection string postgres://admin:hunter2@db')
    })
    await app.ready()
  })
  after(async () => {
    await app.close()
    await db.close()
    await database.drop()
  })

  it('answer 500 "Internal error" with the request id and nothing else; the log has the stack', async () => {
    const tenantHere = await buildTenant(db)
    const res = await app.inject({
      method: 'GET',
      url: '/api/boom',
      headers: { ...tenantHere.auth, 'x-request-id': 'req-500' },
    })
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Internal error',
      code: 'internal_error',
      request_id: 'req-500',
    })
    assert.doesNotMatch(res.body, /hunter2|internals/)
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'req-500' && l.level === 50)
    assert.ok(line, 'an error line for the request')
    assert.match(line.err.stack, /secret internals/)
  })
})
