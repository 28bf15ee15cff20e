import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'

// ioredis loads only with REDIS_URL: a start without it is spared its tens of milliseconds.
const require = createRequire(import.meta.url)

/** What a request may do now, and what to tell the client about it (see rateLimitHeaders). */
export interface RateLimitDecision {
  allowed: boolean
  /** The bucket's capacity: how many requests may arrive at once. */
  limit: number
  /** Whole tokens left after this request. */
  remaining: number
  /** Whole seconds until the bucket is full again. */
  resetSeconds: number
  /** Whole seconds until one token is back; 0 when allowed. */
  retryAfterSeconds: number
}

export interface RateLimiter {
  /** Spends one token of `key`'s bucket, if it has one. */
  take(key: string): Promise<RateLimitDecision>
  /** Gives back a token a take spent (never above the burst): for a take that reserved a budget. */
  refund(key: string): Promise<void>
  close(): Promise<void>
}

/** The part of a pino logger the limiter uses. */
export interface Logger {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

export interface RateLimiterOptions {
  /** Requests per second a workspace may sustain; 0 turns rate limiting off. */
  rate: number
  /** How many requests may arrive at once: 2 × rate by default (at least 1). */
  burst?: number
  /** When given, every instance pointing at this Redis shares one budget per workspace. */
  redisUrl?: string
  /** How long a take waits for Redis before answering from memory: 50 ms by default. */
  redisTimeoutMs?: number
  log: Logger
  /**
   * Clock of the in-memory buckets and of the Redis probes while it fails, in milliseconds; Redis buckets
   * use the Redis server's clock.
   */
  now?: () => number
}

export interface MemoryRateLimiter extends RateLimiter {
  /** How many buckets are held: idle workspaces are forgotten once their bucket is full. */
  readonly size: number
  /** Forgets full buckets now (a timer does it every SWEEP_MS). */
  sweep(): void
}

export const KEY_PREFIX = 'quoin:rl:'
const SWEEP_MS = 10_000
// A Redis round trip on a network is well under a millisecond: an answer that takes longer than this
// will not come, and the request goes on with the in-memory budget instead.
const REDIS_TIMEOUT_MS = 50
const CONNECT_TIMEOUT_MS = 1000
// While Redis is failing, one request a second tries it; the others do not wait for it.
const PROBE_MS = 1000
const FAILURES_BEFORE_FAULT = 3
// Refill arithmetic on floats: at 6 a second, 1000 / 6 ms must give back a whole token.
const EPSILON = 1e-9

/**
 * A token bucket per workspace: `rate` tokens a second up to `burst`, one token per request.
 * Returns undefined when `rate` is 0: rate limiting is off and no header is sent.
 * With `redisUrl` the buckets live in Redis; when Redis fails, each instance limits with its own
 * in-memory buckets until Redis answers again (logged once when it starts failing, once when it recovers).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter | undefined {
  const { rate } = options
  if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`rate must be a number ≥ 0, got ${rate}`)
  if (rate === 0) return undefined
  const burst = options.burst ?? Math.max(1, Math.round(2 * rate))
  if (!Number.isInteger(burst) || burst < 1)
    throw new RangeError(`burst must be an integer ≥ 1, got ${burst}`)
  const now = options.now ?? (() => performance.now())
  const memory = createMemoryLimiter({ rate, burst, now })
  if (!options.redisUrl) return memory
  const timeoutMs = options.redisTimeoutMs ?? REDIS_TIMEOUT_MS
  return createRedisLimiter({ url: options.redisUrl, timeoutMs, rate, burst, log: options.log, memory, now })
}

/** How many failed authentications a client address may make (see registerAuth in auth.ts). */
export interface AuthFailureBudget {
  /** Failures in a row, at once; 0 turns the budget off. */
  limit: number
  /** Seconds the budget takes to refill entirely: one failure more every windowSeconds / limit. */
  windowSeconds: number
}

export const DEFAULT_AUTH_FAILURES: AuthFailureBudget = { limit: 20, windowSeconds: 60 }

/** A limiter for failed authentications, per client address; undefined when the budget is off. */
export function createAuthFailureLimiter(
  budget: AuthFailureBudget,
  options: { redisUrl?: string; redisTimeoutMs?: number; log: Logger; now?: () => number },
): RateLimiter | undefined {
  const { limit, windowSeconds } = budget
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be an integer ≥ 0, got ${limit}`)
  if (limit === 0) return undefined
  if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be > 0, got ${windowSeconds}`)
  return createRateLimiter({ ...options, rate: limit / windowSeconds, burst: limit })
}

/** RateLimit-Limit, -Remaining and -Reset (draft-ietf-httpapi-ratelimit-headers-06), and Retry-After on refusal. */
export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
  }
  if (!d.allowed) headers['Retry-After'] = String(d.retryAfterSeconds)
  return headers
}

function decide(allowed: boolean, tokens: number, rate: number, burst: number): RateLimitDecision {
  return {
    allowed,
    limit: burst,
    remaining: Math.max(0, Math.floor(tokens + EPSILON)),
    resetSeconds: Math.max(0, Math.ceil((burst - tokens) / rate - EPSILON)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / rate - EPSILON)),
  }
}

interface Bucket {
  tokens: number
  at: number
}

export function createMemoryLimiter(options: {
  rate: number
  burst: number
  now: () => number
}): MemoryRateLimiter {
  const { rate, burst, now } = options
  const perMs = rate / 1000
  const buckets = new Map<string, Bucket>()
  const sweep = () => {
    const t = now()
    for (const [id, b] of buckets) if (b.tokens + (t - b.at) * perMs >= burst) buckets.delete(id)
  }
  const timer = setInterval(sweep, SWEEP_MS).unref()
  const refill = (key: string) => {
    const t = now()
    let b = buckets.get(key)
    if (b === undefined) {
      b = { tokens: burst, at: t }
      buckets.set(key, b)
    } else if (t > b.at) {
      b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs)
      b.at = t
    }
    return b
  }
  return {
    async take(key) {
      const b = refill(key)
      const allowed = b.tokens >= 1 - EPSILON
      if (allowed) b.tokens -= 1
      return decide(allowed, b.tokens, rate, burst)
    },
    async refund(key) {
      if (!buckets.has(key)) return
      const b = refill(key)
      b.tokens = Math.min(burst, b.tokens + 1)
    },
    async close() {
      clearInterval(timer)
    },
    get size() {
      return buckets.size
    },
    sweep,
  }
}

/**
 * KEYS[1]: the bucket, a hash {tokens, at}; ARGV: rate (tokens/s), burst, TTL (ms), cost (1 takes a
 * token, -1 gives one back).
 * Returns {1 if allowed, tokens left as a string} (a Lua number would be truncated to an integer).
 * Time is the Redis server's, so the instances' clocks do not matter. A refusal writes nothing: the
 * stored state already gives the same refill.
 */
const TAKE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
end
if tonumber(ARGV[4]) < 0 then
  tokens = math.min(burst, tokens + 1)
elseif tokens < 1 - 1e-9 then
  return {0, string.format('%.17g', tokens)}
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, string.format('%.17g', tokens)}
`

interface TakeCommand {
  quoinRateLimitTake(
    key: string,
    rate: number,
    burst: number,
    ttlMs: number,
    cost: 1 | -1,
  ): Promise<[number, string]>
}

function createRedisLimiter(options: {
  url: string
  timeoutMs: number
  rate: number
  burst: number
  log: Logger
  memory: MemoryRateLimiter
  now: () => number
}): RateLimiter {
  const { rate, burst, log, memory, now } = options
  // The key outlives a full refill a little: a key that expired was a full bucket anyway.
  const ttlMs = Math.ceil((burst / rate) * 1000) + 1000
  const { Redis: Client } = require('ioredis') as typeof import('ioredis')
  const redis = new Client(options.url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: options.timeoutMs,
    // Never queue a take while disconnected, never retry or resend one: it would spend a token twice.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  }) as Redis & TakeCommand
  redis.defineCommand('quoinRateLimitTake', { numberOfKeys: 1, lua: TAKE_SCRIPT })

  let closed = false
  let failures = 0
  let failingSince: number | undefined
  let probeAt = 0
  const fault = (err: unknown) => {
    probeAt = now() + PROBE_MS
    if (failingSince !== undefined || closed) return
    failingSince = Date.now()
    log.warn(
      { err: { message: err instanceof Error ? err.message : String(err) } },
      'Redis is not answering: rate limits are kept per instance, in memory, until it does',
    )
  }
  redis.on('error', fault)
  redis.on('ready', () => {
    probeAt = 0
  })
  // Until the first connection attempt ends, takes wait for it (for the timeout at most) rather than
  // escape the shared budget: an instance is often asked before it has connected.
  const events = ['ready', 'error', 'close', 'end'] as const
  let starting: Promise<void> | undefined = new Promise<void>((resolve) => {
    const started = () => {
      for (const event of events) redis.off(event, started)
      starting = undefined
      resolve()
    }
    for (const event of events) redis.on(event, started)
  })

  /** Runs the script on Redis while it answers; on memory (take, or refund) while it does not. */
  const run = async (key: string, cost: 1 | -1): Promise<RateLimitDecision | undefined> => {
    const fallback = () => (cost === 1 ? memory.take(key) : memory.refund(key).then(() => undefined))
    if (starting) await waitAtMost(starting, options.timeoutMs)
    if (redis.status !== 'ready') {
      if (failingSince === undefined && !starting) fault(new Error(`Redis connection is ${redis.status}`))
      return fallback()
    }
    if (failingSince !== undefined) {
      if (now() < probeAt) return fallback()
      probeAt = now() + PROBE_MS
    }
    try {
      const [allowed, tokens] = await redis.quoinRateLimitTake(KEY_PREFIX + key, rate, burst, ttlMs, cost)
      failures = 0
      if (failingSince !== undefined && !closed) {
        log.info({ down_ms: Date.now() - failingSince }, 'Redis answers again: rate limits are shared again')
        failingSince = undefined
      }
      return decide(allowed === 1, Number(tokens), rate, burst)
    } catch (err) {
      // One late answer (an event loop held up past the timeout) is not an outage: that request alone
      // uses memory. A lost connection, or failures in a row, are.
      if (++failures >= FAILURES_BEFORE_FAULT) fault(err)
      return fallback()
    }
  }

  return {
    async take(key) {
      return (await run(key, 1))!
    },
    async refund(key) {
      await run(key, -1)
    },
    async close() {
      if (closed) return
      closed = true
      await memory.close()
      try {
        await redis.quit()
      } catch {
        // Not connected, or not answering: nothing to wait for.
      } finally {
        redis.disconnect()
      }
    },
  }
}

function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms).unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
