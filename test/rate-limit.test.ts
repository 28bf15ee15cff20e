import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { buildTenant, useTestApp } from './helpers.ts'
import { startProxy } from './tcp-proxy.ts'

const REDIS_PORT = 6379

const t = useTestApp()

async function withApp<T>(
  options: {
    rateLimit: number
    rateBurst?: number
    rateClock?: () => number
    redisUrl?: string
    logs?: string[]
  },
  fn: (app: FastifyInstance) => Promise<T>,
) {
  const { PassThrough } = await import('node:stream')
  const stream = new PassThrough()
  stream.on('data', (c: Buffer) => options.logs?.push(...c.toString().split('\n').filter(Boolean)))
  const app = await buildApp({
    db: t.db,
    logLevel: 'info',
    logStream: stream,
    rateLimit: options.rateLimit,
    ...(options.rateBurst !== undefined ? { rateBurst: options.rateBurst } : {}),
    ...(options.rateClock ? { rateClock: options.rateClock } : {}),
    redisUrl: options.redisUrl,
  })
  await app.ready()
  try {
    return await fn(app)
  } finally {
    await app.close()
  }
}

const get = (app: FastifyInstance, auth: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/customers?limit=1', headers: auth })

describe('rate limits', () => {
  it('allow a burst of twice the rate per workspace, then answer 429 with Retry-After', async () => {
    const tenant = await buildTenant(t.db)
    const other = await buildTenant(t.db)
    // The clock stands still: nothing refills however long the requests take.
    await withApp({ rateLimit: 5, rateClock: () => 0 }, async (app) => {
      const statuses: number[] = []
      for (let i = 0; i < 12; i++) statuses.push((await get(app, tenant.auth)).statusCode)
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200))
      assert.equal(statuses.at(-1), 429)
      const refused = await get(app, tenant.auth)
      assert.equal(refused.statusCode, 429)
      assert.equal(refused.json().code, 'rate_limited')
      assert.ok(Number(refused.headers['retry-after']) >= 1)
      assert.equal(refused.headers['ratelimit-remaining'], '0')
      // Another workspace has a budget of its own.
      const fresh = await get(app, other.auth)
      assert.equal(fresh.statusCode, 200)
      assert.equal(fresh.headers['ratelimit-limit'], '10')
      assert.equal(fresh.headers['ratelimit-remaining'], '9')
      assert.ok(fresh.headers['ratelimit-reset'] !== undefined)
    })
  })

  it('send no RateLimit headers and never refuse when RATE_LIMIT is 0', async () => {
    const tenant = await buildTenant(t.db)
    await withApp({ rateLimit: 0 }, async (app) => {
      for (let i = 0; i < 30; i++) assert.equal((await get(app, tenant.auth)).statusCode, 200)
      assert.equal((await get(app, tenant.auth)).headers['ratelimit-limit'], undefined)
    })
  })

  it('are not spent by requests without a valid token', async () => {
    const tenant = await buildTenant(t.db)
    await withApp({ rateLimit: 1 }, async (app) => {
      for (let i = 0; i < 5; i++)
        assert.equal((await get(app, { authorization: 'Bearer nope' })).statusCode, 401)
      assert.equal((await get(app, tenant.auth)).statusCode, 200)
    })
  })

  it('are shared through Redis by two instances', async () => {
    const tenant = await buildTenant(t.db)
    const redisUrl = `redis://127.0.0.1:${REDIS_PORT}`
    // A burst of 10 refilled by one request every 1000 s: Redis's clock cannot refill it during the test.
    const options = { rateLimit: 0.001, rateBurst: 10, redisUrl }
    await withApp(options, (a) =>
      withApp(options, async (b) => {
        let allowed = 0
        for (let i = 0; i < 20; i++) {
          const res = await get(i % 2 ? a : b, tenant.auth)
          if (res.statusCode === 200) allowed++
          else assert.equal(res.statusCode, 429)
        }
        // One budget of 10, not two of 10.
        assert.equal(allowed, 10)
      }),
    )
  })

  it('serve requests when Redis stops answering, and log the fault once', async () => {
    const tenant = await buildTenant(t.db)
    const proxy = await startProxy(REDIS_PORT)
    const logs: string[] = []
    try {
      await withApp({ rateLimit: 1000, redisUrl: `redis://127.0.0.1:${proxy.port}`, logs }, async (app) => {
        assert.equal((await get(app, tenant.auth)).statusCode, 200)
        proxy.cut()
        for (let i = 0; i < 20; i++) assert.equal((await get(app, tenant.auth)).statusCode, 200)
        const faults = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 40 && /redis/i.test(l.msg))
        assert.equal(faults.length, 1, JSON.stringify(faults))
      })
    } finally {
      await proxy.close()
    }
  })
})
