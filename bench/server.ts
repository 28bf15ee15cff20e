// Quoin as the bench runs it: DATABASE_URL from the environment, 127.0.0.1, an ephemeral port.
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { connect } from '../src/db/connect.ts'
import { drain } from '../src/http/drain.ts'
import { announcePort, stopWithParent } from './child.ts'

const url = process.env.DATABASE_URL
if (!url) throw new Error('bench/server.ts needs DATABASE_URL')

const db = connect(url)
// RATE_LIMIT as `quoin serve` reads it, 0 (off) unless the bench sets it.
const { rateLimit, redisUrl } = loadConfig({ ...process.env, RATE_LIMIT: process.env.RATE_LIMIT ?? '0' })
const app = await buildApp({ db, logLevel: 'warn', rateLimit, redisUrl })
// Stopped under load as `quoin serve` is: the requests in flight finish before the database closes.
stopWithParent(() => drain(app, db))
await app.listen({ host: '127.0.0.1', port: 0 })
announcePort((app.server.address() as AddressInfo).port)
