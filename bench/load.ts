// The load generator: autocannon against BENCH_URL, GET BENCH_PATH{random seeded id} (/api/customers/ by
// default) with the bearer token, or BENCH_METHOD with the JSON body BENCH_BODY, on BENCH_CONNECTIONS (50)
// connections; a 2 s warm-up, then BENCH_DURATION seconds measured. Prints one JSON line.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { stopWithParent } from './child.ts'

export interface LoadResult {
  requestsPerSec: number
  latencyP50Ms: number
  latencyP99Ms: number
  requests: number
  non2xx: number
  errors: number
  timeouts: number
}

const { BENCH_URL, BENCH_TOKEN, BENCH_IDS_FILE } = process.env
if (!BENCH_URL || !BENCH_TOKEN || !BENCH_IDS_FILE) {
  throw new Error('bench/load.ts needs BENCH_URL, BENCH_TOKEN and BENCH_IDS_FILE')
}
const duration = Number(process.env.BENCH_DURATION ?? 10)
const path = process.env.BENCH_PATH ?? '/api/customers/'
const ids = JSON.parse(readFileSync(BENCH_IDS_FILE, 'utf8')) as string[]
const method = (process.env.BENCH_METHOD ?? 'GET') as 'GET' | 'POST'
const body = process.env.BENCH_BODY

function attack(seconds: number) {
  return autocannon({
    url: BENCH_URL!,
    connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
    pipelining: 1,
    duration: seconds,
    headers: {
      authorization: `Bearer ${BENCH_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    requests: [
      {
        method,
        ...(body === undefined ? {} : { body }),
        setupRequest(req) {
          req.path = `${path}${ids[Math.floor(Math.random() * ids.length)]}`
          return req
        },
      },
    ],
  })
}

stopWithParent(async () => {})
await attack(2)
const r = await attack(duration)
const result: LoadResult = {
  requestsPerSec: r.requests.average,
  latencyP50Ms: r.latency.p50,
  latencyP99Ms: r.latency.p99,
  requests: r.requests.total,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
