import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as pause } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { REDIS_URL, skipRedis } from '../../test/redis.ts'
import { startProxy } from '../../test/tcp-proxy.ts'
import {
  createMemoryLimiter,
  createRateLimiter,
  KEY_PREFIX,
  type RateLimitDecision,
  type RateLimiter,
  rateLimitHeaders,
} from './rate-limit.ts'

function buildLog() {
  const lines: { level: 'warn' | 'info'; obj: object; msg: string }[] = []
  return {
    lines,
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj, msg }),
    info: (obj: object, msg: string) => lines.push({ level: 'info', obj, msg }),
    count: (level: 'warn' | 'info') => lines.filter((l) => l.level === level).length,
  }
}

const levels = (log: ReturnType<typeof buildLog>) => log.lines.map((l) => l.level)

function buildClock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

function buildMemoryLimiter(rate: number, burst?: number) {
  const clock = buildClock()
  const limiter = createRateLimiter({ rate, burst, log: buildLog(), now: clock.now })!
  return { limiter, clock }
}

async function takeMany(limiter: RateLimiter, workspaceId: string, n: number) {
  const decisions: RateLimitDecision[] = []
  for (let i = 0; i < n; i++) decisions.push(await limiter.take(workspaceId))
  return decisions
}

const allowedCount = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length

describe('in-memory rate limiter', () => {
  it('allows a burst of twice the rate, then refuses', async () => {
    const { limiter } = buildMemoryLimiter(5)
    const decisions = await takeMany(limiter, 'w1', 12)
    assert.deepEqual(
      decisions.map((d) => d.allowed),
      [...Array(10).fill(true), false, false],
    )
    assert.deepEqual(
      decisions.map((d) => d.remaining),
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0],
    )
    assert.ok(decisions.every((d) => d.limit === 10))
    await limiter.close()
  })

  it('tells when one token is back and when the bucket is full again', async () => {
    const { limiter, clock } = buildMemoryLimiter(0.5, 3)
    const [first, , , refused] = await takeMany(limiter, 'w1', 4)
    assert.deepEqual(first, { allowed: true, limit: 3, remaining: 2, resetSeconds: 2, retryAfterSeconds: 0 })
    assert.deepEqual(refused, {
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 6,
      retryAfterSeconds: 2,
    })
    clock.advance(800)
    assert.deepEqual(await limiter.take('w1'), {
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 6,
      retryAfterSeconds: 2,
    })
    clock.advance(700)
    assert.deepEqual(await limiter.take('w1'), {
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 5,
      retryAfterSeconds: 1,
    })
    clock.advance(500)
    assert.deepEqual(await limiter.take('w1'), {
      allowed: true,
      limit: 3,
      remaining: 0,
      resetSeconds: 6,
      retryAfterSeconds: 0,
    })
    await limiter.close()
  })

  it('refills with elapsed time, never above the burst', async () => {
    const { limiter, clock } = buildMemoryLimiter(10)
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 25)), 20)
    clock.advance(250)
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 5)), 2)
    clock.advance(3_600_000)
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 25)), 20)
    await limiter.close()
  })

  it('gives back a whole token every sixth of a second at 6 per second, despite float rounding', async () => {
    const { limiter, clock } = buildMemoryLimiter(6, 1)
    assert.equal((await limiter.take('w1')).allowed, true)
    for (let i = 0; i < 10; i++) {
      clock.advance(1000 / 6)
      assert.equal((await limiter.take('w1')).allowed, true, `take ${i + 2}`)
    }
    await limiter.close()
  })

  it('keeps one budget per workspace', async () => {
    const { limiter } = buildMemoryLimiter(1)
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 5)), 2)
    assert.equal(allowedCount(await takeMany(limiter, 'w2', 5)), 2)
    assert.equal((await limiter.take('w1')).allowed, false)
    await limiter.close()
  })

  it('forgets a workspace once its bucket is full again', async () => {
    const clock = buildClock()
    const limiter = createMemoryLimiter({ rate: 2, burst: 4, now: clock.now })
    for (const id of ['w1', 'w2', 'w3']) await limiter.take(id)
    await takeMany(limiter, 'w1', 4)
    assert.equal(limiter.size, 3)
    clock.advance(500)
    limiter.sweep()
    assert.equal(limiter.size, 1, 'w2 and w3 are full again, w1 is not')
    assert.equal((await limiter.take('w2')).remaining, 3)
    clock.advance(2000)
    limiter.sweep()
    assert.equal(limiter.size, 0)
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 6)), 4)
    await limiter.close()
  })

  it('gives back a token a take spent, never above the burst', async () => {
    const clock = buildClock()
    const limiter = createMemoryLimiter({ rate: 0.001, burst: 2, now: clock.now })
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 3)), 2)
    await limiter.refund('w1')
    assert.deepEqual(
      (await takeMany(limiter, 'w1', 2)).map((d) => d.allowed),
      [true, false],
    )
    for (let i = 0; i < 5; i++) await limiter.refund('w1')
    assert.equal(allowedCount(await takeMany(limiter, 'w1', 5)), 2)
    await limiter.refund('w2')
    assert.equal(limiter.size, 1, 'a refund to a bucket never taken from keeps nothing')
    await limiter.close()
  })

  it('is off when the rate is 0', () => {
    assert.equal(createRateLimiter({ rate: 0, log: buildLog() }), undefined)
    assert.equal(createRateLimiter({ rate: 0, redisUrl: 'redis://127.0.0.1:1', log: buildLog() }), undefined)
  })

  it('rejects a negative rate and a burst below one', () => {
    assert.throws(() => createRateLimiter({ rate: -1, log: buildLog() }), RangeError)
    assert.throws(() => createRateLimiter({ rate: Number.NaN, log: buildLog() }), RangeError)
    assert.throws(() => createRateLimiter({ rate: 1, burst: 0, log: buildLog() }), RangeError)
    assert.throws(() => createRateLimiter({ rate: 1, burst: 1.5, log: buildLog() }), RangeError)
  })
})

describe('rateLimitHeaders', () => {
  it('sends the limit, what remains and when the bucket is full', () => {
    const headers = rateLimitHeaders({
      allowed: true,
      limit: 20,
      remaining: 19,
      resetSeconds: 1,
      retryAfterSeconds: 0,
    })
    assert.deepEqual(headers, {
      'RateLimit-Limit': '20',
      'RateLimit-Remaining': '19',
      'RateLimit-Reset': '1',
    })
  })

  it('adds Retry-After when the request is refused', () => {
    const headers = rateLimitHeaders({
      allowed: false,
      limit: 20,
      remaining: 0,
      resetSeconds: 2,
      retryAfterSeconds: 1,
    })
    assert.deepEqual(headers, {
      'RateLimit-Limit': '20',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '2',
      'Retry-After': '1',
    })
  })
})

/** How long a condition that waits on the network (a connection refused, made again) may take to hold. */
const NETWORK_DEADLINE_MS = 30_000

/** A loopback proxy that can stop forwarding while keeping connections open, as a hung Redis does. */
async function startStallingProxy(targetPort: number, targetHost: string) {
  const sockets = new Set<net.Socket>()
  let stalled = false
  let sentWhileStalled = ''
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.on('data', (chunk) => {
      if (stalled) sentWhileStalled += chunk.toString('latin1')
      else upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (!stalled) client.write(chunk)
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    stall: () => {
      stalled = true
    },
    sentWhileStalled: () => sentWhileStalled,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Takes until `done()` holds, for conditions that wait on the network (an error event, a reconnection);
 * fails past a generous deadline. Nothing asserted depends on how long it took: only on what happened.
 */
async function takeUntil(limiter: RateLimiter, id: string, done: () => boolean, what: string) {
  const deadline = Date.now() + NETWORK_DEADLINE_MS
  const decisions: RateLimitDecision[] = []
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${NETWORK_DEADLINE_MS} ms`)
    decisions.push(await limiter.take(id))
    await pause(5)
  }
  return decisions
}

describe('Redis rate limiter', { skip: skipRedis }, () => {
  const redisUrl = new URL(REDIS_URL)
  let redis: Redis
  const limiters: RateLimiter[] = []
  const workspaces: string[] = []

  const workspace = () => {
    const id = randomUUID()
    workspaces.push(id)
    return id
  }
  // Tests of the shared budget give Redis time to answer on a loaded machine; the hang tests keep 50 ms.
  const build = (options: {
    rate: number
    burst?: number
    url?: string
    now?: () => number
    redisTimeoutMs?: number
  }) => {
    const log = buildLog()
    const limiter = createRateLimiter({
      redisTimeoutMs: 2000,
      ...options,
      redisUrl: options.url ?? REDIS_URL,
      log,
    })!
    limiters.push(limiter)
    return { limiter, log }
  }
  const viaUrl = (port: number) => {
    const url = new URL(REDIS_URL)
    url.hostname = '127.0.0.1'
    url.port = String(port)
    return url.toString()
  }
  /**
   * Until its first connection is made a limiter quietly uses memory: wait until Redis answers a take in
   * time. A bucket drained in Redis refuses, while a new one in memory would allow.
   */
  const untilShared = async (limiter: RateLimiter, tick = () => {}) => {
    const deadline = Date.now() + NETWORK_DEADLINE_MS
    while (Date.now() < deadline) {
      // A limiter with a clock of the test's needs it to move, to probe a Redis it gave up on meanwhile.
      tick()
      const id = workspace()
      await redis.hset(KEY_PREFIX + id, 'tokens', 0, 'at', 1e15)
      await redis.pexpire(KEY_PREFIX + id, 60_000)
      if (!(await limiter.take(id)).allowed) return
      await pause(10)
    }
    assert.fail('Redis never answered the limiter')
  }

  before(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    redis.on('error', () => {})
    await redis.ping()
  })
  after(async () => {
    await Promise.all(limiters.map((l) => l.close()))
    if (redis.status === 'ready' && workspaces.length)
      await redis.del(...workspaces.map((id) => KEY_PREFIX + id))
    redis.disconnect()
  })

  it('gives two instances exactly one burst between them', async () => {
    const a = build({ rate: 0.1, burst: 10 }).limiter
    const b = build({ rate: 0.1, burst: 10 }).limiter
    await Promise.all([untilShared(a), untilShared(b)])
    const id = workspace()
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take(id)))
    const allowed = decisions.filter((d) => d.allowed)
    assert.equal(allowed.length, 10)
    assert.deepEqual(
      allowed.map((d) => d.remaining).sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    )
    assert.ok(decisions.every((d) => d.limit === 10))
    const ttl = await redis.pttl(KEY_PREFIX + id)
    assert.ok(ttl > 100_000 && ttl <= 101_000, `TTL ${ttl} ms is a bit longer than a full refill`)
  })

  it('answers a refusal with Retry-After and Reset from the shared bucket', async () => {
    const { limiter } = build({ rate: 0.5, burst: 2 })
    await untilShared(limiter)
    const [first, , refused] = await takeMany(limiter, workspace(), 3)
    assert.deepEqual(first, { allowed: true, limit: 2, remaining: 1, resetSeconds: 2, retryAfterSeconds: 0 })
    assert.deepEqual(refused, {
      allowed: false,
      limit: 2,
      remaining: 0,
      resetSeconds: 4,
      retryAfterSeconds: 2,
    })
  })

  it("refills by the Redis server's clock, whatever the instances' clocks say", async () => {
    // One token every 1000 s: nothing comes back while the test runs, however slow the machine.
    const a = build({ rate: 0.001, burst: 1, now: () => 0 }).limiter
    const b = build({ rate: 0.001, burst: 1, now: () => 9e12 }).limiter
    await Promise.all([untilShared(a), untilShared(b)])
    const id = workspace()
    assert.equal((await a.take(id)).allowed, true)
    assert.equal((await b.take(id)).allowed, false)
    // 1000 s pass on the Redis server's clock: the bucket's last take moves that far back.
    const at = Number(await redis.hget(KEY_PREFIX + id, 'at'))
    await redis.hset(KEY_PREFIX + id, 'at', String(at - 1_000_000))
    assert.equal((await b.take(id)).allowed, true)
    assert.equal((await a.take(id)).allowed, false)
  })

  it('gives back a token a take spent, shared by every instance, never above the burst', async () => {
    const a = build({ rate: 0.001, burst: 2 }).limiter
    const b = build({ rate: 0.001, burst: 2 }).limiter
    await Promise.all([untilShared(a), untilShared(b)])
    const id = workspace()
    assert.equal(allowedCount(await takeMany(a, id, 3)), 2)
    await b.refund(id)
    assert.deepEqual(
      (await takeMany(a, id, 2)).map((d) => d.allowed),
      [true, false],
    )
    for (let i = 0; i < 5; i++) await a.refund(id)
    assert.equal(Number(await redis.hget(KEY_PREFIX + id, 'tokens')), 2)
    assert.equal(allowedCount(await takeMany(b, id, 5)), 2)
  })

  it('waits for its first connection rather than let the first requests escape the shared budget', async () => {
    const { limiter, log } = build({ rate: 0.1, burst: 3 })
    const id = workspace()
    assert.equal((await limiter.take(id)).remaining, 2)
    assert.equal(await redis.hget(KEY_PREFIX + id, 'tokens'), '2')
    assert.deepEqual(log.lines, [])
  })

  it('waits at most the timeout for a first connection that hangs, then warns once', async () => {
    const sockets = new Set<net.Socket>()
    const silent = net.createServer((socket) => sockets.add(socket.on('error', () => {})))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as net.AddressInfo).port
      // The in-memory clock stands still: its bucket gives exactly its burst.
      const { limiter, log } = build({
        rate: 0.1,
        burst: 5,
        url: viaUrl(port),
        redisTimeoutMs: 50,
        now: () => 0,
      })
      // Every take answers (a hang would end the test at its timeout), from memory, until Redis is given up.
      const decisions = await takeUntil(limiter, 'hung', () => log.count('warn') > 0, 'a warning')
      decisions.push(...(await takeMany(limiter, 'hung', 10)))
      assert.equal(allowedCount(decisions), 5, 'the in-memory bucket of this instance limits meanwhile')
      assert.equal(log.count('warn'), 1, JSON.stringify(log.lines))
      assert.equal(log.count('info'), 0)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it('serves requests from memory and warns once when Redis is unreachable', async () => {
    const { limiter, log } = build({ rate: 0.1, burst: 2, url: viaUrl(await closedPort()), now: () => 0 })
    const id = workspace()
    const decisions = await takeUntil(limiter, id, () => log.count('warn') > 0, 'a warning')
    decisions.push(...(await takeMany(limiter, id, 50)))
    assert.equal(allowedCount(decisions), 2, 'the in-memory bucket of this instance limits meanwhile')
    assert.equal(log.count('warn'), 1)
    assert.equal(log.count('info'), 0)
    assert.match(log.lines[0]!.msg, /Redis/)
  })

  it('logs once when Redis fails and once when it recovers', async () => {
    const proxy = await startProxy(Number(redisUrl.port || 6379), redisUrl.hostname)
    try {
      const { limiter, log } = build({ rate: 1000, url: viaUrl(proxy.port) })
      await untilShared(limiter)
      const id = workspace()
      await limiter.take(id)
      assert.equal(log.lines.length, 0)

      proxy.cut()
      const cut = await takeUntil(limiter, id, () => log.count('warn') > 0, 'a warning')
      cut.push(...(await takeMany(limiter, id, 20)))
      assert.ok(
        cut.every((d) => d.allowed),
        'served from memory meanwhile',
      )
      assert.deepEqual(levels(log), ['warn'], JSON.stringify(log.lines))

      proxy.restore()
      await takeUntil(limiter, id, () => log.count('info') > 0, 'the recovery')
      await takeMany(limiter, id, 10)
      assert.deepEqual(levels(log), ['warn', 'info'], JSON.stringify(log.lines))
      await redis.del(KEY_PREFIX + id)
      await limiter.take(id)
      assert.equal(await redis.exists(KEY_PREFIX + id), 1, 'takes reach Redis again')

      proxy.cut()
      await takeUntil(limiter, id, () => log.count('warn') > 1, 'a second warning')
      await takeMany(limiter, id, 10)
      assert.deepEqual(levels(log), ['warn', 'info', 'warn'], JSON.stringify(log.lines))
    } finally {
      await proxy.close()
    }
  })

  it('waits at most the command timeout when Redis hangs, then tries it once a second', {
    timeout: 20_000,
  }, async () => {
    const proxy = await startStallingProxy(Number(redisUrl.port || 6379), redisUrl.hostname)
    try {
      // The limiter's clock, which spaces the probes of a failing Redis, is driven by the test.
      let now = 0
      const { limiter, log } = build({
        rate: 0.1,
        burst: 5,
        url: viaUrl(proxy.port),
        redisTimeoutMs: 50,
        now: () => now,
      })
      await untilShared(limiter, () => {
        now += 1000
      })
      // Redis answered the last take: whatever was logged while connecting is over.
      const logged = log.lines.length
      const warnings = () => log.lines.slice(logged).filter((l) => l.level === 'warn').length
      proxy.stall()
      const id = workspace()
      const sent = () => proxy.sentWhileStalled().split(KEY_PREFIX + id).length - 1
      // Each of these answers once its command times out: a hang would end the test at its timeout.
      const decisions: RateLimitDecision[] = []
      for (let i = 0; i < 3; i++) {
        decisions.push(await limiter.take(id))
        if (i === 0)
          assert.equal(warnings(), 0, `one late answer is not an outage: ${JSON.stringify(log.lines)}`)
      }
      assert.equal(warnings(), 1, 'three in a row are')
      decisions.push(...(await takeMany(limiter, id, 50)))
      assert.equal(allowedCount(decisions), 5, 'the in-memory bucket of this instance limits meanwhile')
      assert.equal(sent(), 3, 'no take went to the hung Redis within the second')
      now += 999
      await takeMany(limiter, id, 10)
      assert.equal(sent(), 3)
      now += 1
      await takeMany(limiter, id, 10)
      assert.equal(sent(), 4, 'one probe a second')
      now += 1000
      await takeMany(limiter, id, 10)
      assert.equal(sent(), 5)
      assert.equal(warnings(), 1)
    } finally {
      await proxy.close()
    }
  })
})
