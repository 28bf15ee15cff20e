export interface Config {
  databaseUrl: string
  host: string
  port: number
  logLevel: string
  redisUrl: string | undefined
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${env.PORT}"`)
  }
  const logLevel = env.LOG_LEVEL ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  return {
    databaseUrl: env.DATABASE_URL || 'sqlite:./data/quoin.db',
    host: env.HOST || '127.0.0.1',
    port,
    logLevel,
    redisUrl: env.REDIS_URL || undefined,
  }
}
