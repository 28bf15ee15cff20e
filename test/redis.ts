import { Redis } from 'ioredis'

// The Redis the suites use: TEST_REDIS_URL, or a local one if it answers. Like the PostgreSQL pass, Redis
// is needed only when asked for: `npm test` passes without one, and a suite that needs it says why it skips.
export const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379'

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 1000 })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/** The `skip` of a suite that needs Redis: false when there is one, else why it is skipped. */
export const skipRedis: string | false =
  !process.env.TEST_REDIS_URL && !(await redisAnswers(REDIS_URL))
    ? `no Redis at ${REDIS_URL} (set TEST_REDIS_URL to require one)`
    : false
