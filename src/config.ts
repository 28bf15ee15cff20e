import { isIP } from 'node:net'

export interface Config {
  databaseUrl: string
  host: string
  port: number
  logLevel: string
  redisUrl: string | undefined
  /** Requests per second per workspace; 0 turns rate limiting off. Bursts of twice that. */
  rateLimit: number
  /** Origins allowed to call the API from a browser; empty means CORS is off. */
  corsOrigins: string[]
  /** Failed authentications a client address may make at once (0: no limit), refilled over the window. */
  authFailureLimit: number
  authFailureWindowSeconds: number
  /** Fastify's trustProxy: whom to believe about the client's address (X-Forwarded-For). */
  trustProxy: boolean | string
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ConfigError(`${name} must be an integer between 0 and ${max}, got "${raw}"`)
  }
  return value
}

function origins(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  for (const origin of list) {
    if (origin === '*') continue
    let url: URL | undefined
    try {
      url = new URL(origin)
    } catch {}
    if (!url || url.origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS entries must be origins such as https://app.example.com, got "${origin}"`,
      )
    }
  }
  return list
}

/** An IP address, a CIDR range, or one of proxy-addr's names (loopback, linklocal, uniquelocal). */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128))
}

function positive(value: number, name: string): number {
  if (value === 0) throw new ConfigError(`${name} must be at least 1`)
  return value
}

/**
 * TRUST_PROXY: unset or false, nobody (the client's address is the connection's); true, whoever connects
 * (only when every connection comes through the proxies); otherwise addresses or CIDR ranges of the
 * proxies, comma separated. No count of hops: Fastify refuses it, as it cannot tell a proxy from a client.
 */
function trustProxy(raw: string | undefined): boolean | string {
  const value = (raw ?? '').trim()
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (!isProxyAddress(entry)) {
      throw new ConfigError(
        `TRUST_PROXY must be true, false, or the proxies' addresses or CIDR ranges, got "${entry}"`,
      )
    }
  }
  return value
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  return {
    databaseUrl: env.DATABASE_URL || 'sqlite:./data/quoin.db',
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 3000, 65535),
    logLevel,
    redisUrl: env.REDIS_URL || undefined,
    rateLimit: integer(env, 'RATE_LIMIT', 100, 1_000_000),
    corsOrigins: origins(env.CORS_ORIGINS),
    authFailureLimit: integer(env, 'AUTH_FAILURE_LIMIT', 20, 1_000_000),
    authFailureWindowSeconds: positive(
      integer(env, 'AUTH_FAILURE_WINDOW', 60, 86_400),
      'AUTH_FAILURE_WINDOW',
    ),
    trustProxy: trustProxy(env.TRUST_PROXY),
  }
}
