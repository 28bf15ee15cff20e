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
  }
}
