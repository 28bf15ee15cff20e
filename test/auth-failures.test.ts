import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { buildApp } from '../src/app.ts'
import { KEY_PREFIX } from '../src/http/rate-limit.ts'
import { tokenCacheOf } from '../src/resources/tokens/cache.ts'
import { revokeToken } from '../src/resources/tokens/store.ts'
import { buildTenant, buildTestApp, buildToken, type TestContext } from './helpers.ts'
import { REDIS_URL, skipRedis } from './redis.ts'

// Failed authentications are limited per client address: a flood of invalid tokens is answered 429 before
// any database lookup, while the requests of a valid token go on.

const LIMIT = 5
const WINDOW_SECONDS = 60

let t: TestContext
before(async () => {
  t = await buildTestApp()
})
after(() => t.close())

function buildClock() {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

async function withApp<T>(
  options: {
    now?: () => number
    redisUrl?: string
    trustProxy?: boolean
    windowSeconds?: number
    redisTimeoutMs?: number
  },
  fn: (app: FastifyInstance) => Promise<T>,
) {
  const app = await buildApp({
    db: t.db,
    logLevel: 'silent',
    authFailures: {
      limit: LIMIT,
      windowSeconds: options.windowSeconds ?? WINDOW_SECONDS,
      now: options.now,
      redisTimeoutMs: options.redisTimeoutMs,
    },
    redisUrl: options.redisUrl,
    trustProxy: options.trustProxy,
  })
  await app.ready()
  try {
    return await fn(app)
  } finally {
    await app.close()
  }
}

const nobody = () => ({ authorization: `Bearer qwoty_${randomBytes(32).toString('base64url')}` })
const get = (app: FastifyInstance, from: string, headers: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/customers?limit=1', headers, remoteAddress: from })
/** How many times a token was read from the database so far. */
const loads = () => tokenCacheOf(t.db.kysely)!.loads

function tally(statuses: number[]) {
  const out: Record<number, number> = {}
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1
  return out
}

describe('failed authentications, per client address', () => {
  it('answer 429 without a database lookup once an address spent its budget, while a valid token goes on', async () => {
    const tenant = await buildTenant(t.db)
    const clock = buildClock()
    await withApp({ now: clock.now }, async (app) => {
      assert.equal((await get(app, '10.0.0.1', tenant.auth)).statusCode, 200)
      const flood: number[] = []
      const valid: number[] = []
      for (let i = 0; i < 40; i++) {
        const before = loads()
        const res = await get(app, '10.0.0.1', nobody())
        flood.push(res.statusCode)
        if (res.statusCode === 429) {
          assert.equal(loads(), before, 'refused without looking the token up')
          assert.equal(res.json().code, 'rate_limited')
          assert.match(res.json().error, /failed authentications/)
          assert.equal(res.headers['retry-after'], String(WINDOW_SECONDS / LIMIT))
        }
        valid.push((await get(app, '10.0.0.1', tenant.auth)).statusCode)
      }
      assert.deepEqual(tally(flood), { 401: LIMIT, 429: 40 - LIMIT })
      assert.deepEqual(flood.slice(0, LIMIT), Array(LIMIT).fill(401))
      assert.deepEqual(tally(valid), { 200: 40 })

      // No token, or a malformed header: failures too, refused alike.
      assert.equal((await get(app, '10.0.0.1', {})).statusCode, 429)
      assert.equal((await get(app, '10.0.0.1', { authorization: 'Basic YWRhOmxvdmVsYWNl' })).statusCode, 429)
      // Another address has a budget of its own.
      assert.equal((await get(app, '10.0.0.2', nobody())).statusCode, 401)
    })
  })

  it('refuse a token this process has not seen valid from an address over budget, and let it in elsewhere', async () => {
    const tenant = await buildTenant(t.db)
    const fresh = await buildToken(t.db, tenant.workspaceId)
    await withApp({ now: buildClock().now }, async (app) => {
      for (let i = 0; i < LIMIT; i++) assert.equal((await get(app, '10.0.0.3', nobody())).statusCode, 401)
      const before = loads()
      assert.equal((await get(app, '10.0.0.3', fresh.auth)).statusCode, 429)
      assert.equal(loads(), before, 'refused without looking the token up')
      assert.equal((await get(app, '10.0.0.4', fresh.auth)).statusCode, 200)
      // Seen valid now: let past the spent budget.
      assert.equal((await get(app, '10.0.0.3', fresh.auth)).statusCode, 200)
    })
  })

  it('never spend the budget on valid tokens, each seen for the first time', async () => {
    const tenant = await buildTenant(t.db)
    const tokens = await Promise.all(
      Array.from({ length: 3 * LIMIT }, () => buildToken(t.db, tenant.workspaceId)),
    )
    await withApp({ now: buildClock().now }, async (app) => {
      for (const token of tokens) assert.equal((await get(app, '10.0.0.5', token.auth)).statusCode, 200)
      const statuses: number[] = []
      for (let i = 0; i <= LIMIT; i++) statuses.push((await get(app, '10.0.0.5', nobody())).statusCode)
      assert.deepEqual(statuses, [...Array(LIMIT).fill(401), 429])
    })
  })

  it('count a revoked or an insufficient token as what it is: a failure, and not one', async () => {
    const tenant = await buildTenant(t.db)
    const narrow = await buildToken(t.db, tenant.workspaceId, ['contacts:read'])
    const doomed = await buildToken(t.db, tenant.workspaceId)
    await withApp({ now: buildClock().now }, async (app) => {
      for (let i = 0; i < 2 * LIMIT; i++)
        assert.equal((await get(app, '10.0.0.6', narrow.auth)).statusCode, 403)
      assert.equal((await get(app, '10.0.0.6', doomed.auth)).statusCode, 200)
      await revokeToken(t.db.kysely, tenant.workspaceId, doomed.id)
      const statuses: number[] = []
      for (let i = 0; i <= LIMIT; i++) statuses.push((await get(app, '10.0.0.6', doomed.auth)).statusCode)
      assert.deepEqual(statuses, [...Array(LIMIT).fill(401), 429])
    })
  })

  it('give one failure back every window / limit seconds, and the whole budget after the window', async () => {
    const clock = buildClock()
    await withApp({ now: clock.now }, async (app) => {
      const fail = async () => (await get(app, '10.0.0.7', nobody())).statusCode
      for (let i = 0; i < LIMIT; i++) assert.equal(await fail(), 401)
      assert.equal(await fail(), 429)
      clock.advance((WINDOW_SECONDS / LIMIT) * 1000 - 1)
      assert.equal(await fail(), 429)
      clock.advance(1)
      assert.deepEqual([await fail(), await fail()], [401, 429])
      clock.advance(WINDOW_SECONDS * 1000)
      const statuses: number[] = []
      for (let i = 0; i <= LIMIT; i++) statuses.push(await fail())
      assert.deepEqual(statuses, [...Array(LIMIT).fill(401), 429])
    })
  })

  it('take the client address from X-Forwarded-For only when told to trust the proxy', async () => {
    const forwarded = (from: string) => ({ ...nobody(), 'x-forwarded-for': from })
    await withApp({ now: buildClock().now, trustProxy: true }, async (app) => {
      for (let i = 0; i < LIMIT; i++) {
        assert.equal((await get(app, '10.0.0.8', forwarded('203.0.113.1'))).statusCode, 401)
      }
      assert.equal((await get(app, '10.0.0.8', forwarded('203.0.113.1'))).statusCode, 429)
      assert.equal((await get(app, '10.0.0.8', forwarded('203.0.113.2'))).statusCode, 401)
    })
    await withApp({ now: buildClock().now }, async (app) => {
      for (let i = 0; i < LIMIT; i++) {
        assert.equal((await get(app, '10.0.0.9', forwarded(`203.0.113.${i}`))).statusCode, 401)
      }
      assert.equal((await get(app, '10.0.0.9', forwarded('203.0.113.99'))).statusCode, 429)
    })
  })

  it('are not limited unless asked for (buildApp without authFailures)', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 3 * LIMIT; i++) statuses.push((await get(t.app, '10.0.0.10', nobody())).statusCode)
    assert.deepEqual(tally(statuses), { 401: 3 * LIMIT })
  })
})

describe('failed authentications through Redis', { skip: skipRedis }, () => {
  let redis: Redis
  const keys: string[] = []
  const address = () => {
    const ip = `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`
    keys.push(`${KEY_PREFIX}auth:${ip}`)
    return ip
  }
  before(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    await redis.ping()
  })
  after(async () => {
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
  })

  /**
   * Until its first connection is made, a limiter uses memory: wait until the app answers from Redis. An
   * address whose bucket is spent in Redis is refused there, while a new one in memory would be let in.
   */
  const untilShared = async (app: FastifyInstance) => {
    for (let i = 0; i < 1000; i++) {
      const ip = address()
      await redis.hset(`${KEY_PREFIX}auth:${ip}`, 'tokens', 0, 'at', 1e15)
      await redis.pexpire(`${KEY_PREFIX}auth:${ip}`, 60_000)
      if ((await get(app, ip, nobody())).statusCode === 429) return
    }
    assert.fail('the app never answered from Redis')
  }

  it('share one budget per address between instances', async () => {
    const tenant = await buildTenant(t.db)
    // Redis refills by its own clock: a day's window gives back nothing while the test runs, however slow.
    // And a loaded machine may answer late: a take that gave up on Redis would count in memory instead.
    const options = { redisUrl: REDIS_URL, windowSeconds: 86_400, redisTimeoutMs: 10_000 }
    await withApp(options, (a) =>
      withApp(options, async (b) => {
        await Promise.all([untilShared(a), untilShared(b)])
        const ip = address()
        for (const app of [a, b]) assert.equal((await get(app, ip, tenant.auth)).statusCode, 200)
        const statuses: number[] = []
        for (let i = 0; i < 4 * LIMIT; i++) statuses.push((await get(i % 2 ? a : b, ip, nobody())).statusCode)
        assert.deepEqual(tally(statuses), { 401: LIMIT, 429: 3 * LIMIT })
        assert.equal((await get(a, ip, tenant.auth)).statusCode, 200)
        assert.equal((await get(b, ip, tenant.auth)).statusCode, 200)
      }),
    )
  })
})
