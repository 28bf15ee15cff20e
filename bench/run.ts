// npm run bench: GET /api/customers/{id} under load, Quoin against a bare node:http baseline.
// See bench/README.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { connect } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import type { LoadResult } from './load.ts'
import { peakRssMb, runLoad, startServer, stop, stopAll } from './processes.ts'
import { type BenchDatabase, createBenchDatabase, exportCustomers, seed } from './seed.ts'

const CONNECTIONS = 50 // bench/load.ts
const TARGET_RATIO = 0.5
const TARGET_P99_MS = 25

function positive(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`)
  }
  return value
}

interface Row extends LoadResult {
  name: string
  peakRssMb: number | undefined
  sample: { status: number; body: unknown }
}

const tmp = mkdtempSync(join(tmpdir(), 'quoin-bench-'))
let database: BenchDatabase | undefined
let cleaning: Promise<void> | undefined
let interrupted = false

/** Stops every child, drops the PostgreSQL schema, removes the temp dir; once, whatever happened. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll()
    await database
      ?.drop()
      .catch((err: Error) => console.error(`Could not drop the bench schema: ${err.message}`))
    rmSync(tmp, { recursive: true, force: true })
  })()
  return cleaning
}
process.once('exit', () => rmSync(tmp, { recursive: true, force: true }))
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true
    console.error(`\n${signal}: stopping the bench`)
    void cleanUp().finally(() => process.exit(130))
  })
}

async function main(): Promise<void> {
  const customerCount = positive('BENCH_CUSTOMERS', 10_000, true)
  const duration = positive('BENCH_DURATION', 10, false)
  const postgresUrl = process.env.BENCH_DATABASE_URL || undefined
  if (postgresUrl && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new Error('BENCH_DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)')
  }
  const rateLimit = process.env.BENCH_RATE_LIMIT || undefined

  database = await createBenchDatabase(tmp, postgresUrl)
  const dialectName = database.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'
  console.log(
    `Quoin bench: GET /api/customers/{id}, ${customerCount} customers on ${dialectName}, ` +
      `${CONNECTIONS} connections, 2 s warm-up then ${duration} s measured`,
  )

  const db = connect(database.url)
  let tenant: Awaited<ReturnType<typeof seed>>
  try {
    await migrateToLatest(db.kysely)
    const started = performance.now()
    tenant = await seed(db, customerCount)
    console.log(
      `Seeded ${customerCount} customers (${2 * customerCount} tax ids, ${2 * customerCount} contacts, ` +
        `${customerCount} addresses) in ${seconds(started)} s`,
    )
    const exported = performance.now()
    const customers = await exportCustomers(db, tenant.workspaceId, tenant.ids)
    writeFileSync(join(tmp, 'customers.json'), JSON.stringify(customers))
    writeFileSync(join(tmp, 'ids.json'), JSON.stringify(tenant.ids))
    console.log(`Exported them through findCustomer for the baseline in ${seconds(exported)} s`)
  } finally {
    await db.close()
  }

  const loadEnv = {
    ...process.env,
    BENCH_TOKEN: tenant.secret,
    BENCH_IDS_FILE: join(tmp, 'ids.json'),
    BENCH_DURATION: String(duration),
  }
  const measure = async (name: string, script: string, env: NodeJS.ProcessEnv): Promise<Row> => {
    console.log(`\n${name}: starting bench/${script}`)
    const { child, port } = await startServer(script, env)
    try {
      const url = `http://127.0.0.1:${port}`
      const res = await fetch(`${url}/api/customers/${tenant.ids[0]}`, {
        headers: { authorization: `Bearer ${tenant.secret}` },
      })
      const sample = { status: res.status, body: await res.json() }
      console.log(`${name}: measuring on ${url}`)
      const result = await runLoad({ ...loadEnv, BENCH_URL: url })
      return { name, ...result, peakRssMb: peakRssMb(child.pid), sample }
    } finally {
      await stop(child)
    }
  }

  const serverEnv = { ...process.env, DATABASE_URL: database.url }
  const rows = [await measure('quoin', 'server.ts', serverEnv)]
  if (rateLimit) {
    rows.push(await measure('quoin (rate limit on)', 'server.ts', { ...serverEnv, RATE_LIMIT: rateLimit }))
  }
  const baseline = await measure('baseline', 'baseline.ts', {
    ...process.env,
    BENCH_CUSTOMERS_FILE: join(tmp, 'customers.json'),
    BENCH_TOKEN_HASH: tenant.tokenHash,
    BENCH_WORKSPACE_ID: tenant.workspaceId,
  })
  rows.push(baseline)
  report(rows, baseline, database.dialect === 'sqlite')
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1)
}

function report(rows: Row[], baseline: Row, sqlite: boolean): void {
  const quoin = rows[0]!
  const table = [
    ['run', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'requests', 'non-2xx', 'errors'],
    ...rows.map((r) => [
      r.name,
      r.requestsPerSec.toFixed(0),
      String(r.latencyP50Ms),
      String(r.latencyP99Ms),
      r.peakRssMb === undefined ? 'n/a' : r.peakRssMb.toFixed(0),
      String(r.requests),
      String(r.non2xx),
      String(r.errors),
    ]),
  ]
  const widths = table[0]!.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)))
  console.log('')
  for (const cells of table) {
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
  }
  console.log('')
  for (const r of rows) {
    if (r === baseline) continue
    console.log(`Throughput ${r.name} / baseline: ${(r.requestsPerSec / baseline.requestsPerSec).toFixed(2)}`)
  }

  const ratio = quoin.requestsPerSec / baseline.requestsPerSec
  console.log(`\nTargets${sqlite ? '' : ' (set for SQLite; informative only on PostgreSQL)'}:`)
  const target = (met: boolean, text: string) => console.log(`  ${met ? 'MET   ' : 'MISSED'}  ${text}`)
  target(ratio >= TARGET_RATIO, `throughput quoin / baseline >= ${TARGET_RATIO}: ${ratio.toFixed(2)}`)
  target(
    quoin.latencyP99Ms < TARGET_P99_MS,
    `quoin p99 latency < ${TARGET_P99_MS} ms: ${quoin.latencyP99Ms} ms`,
  )

  if (!isDeepStrictEqual(quoin.sample, baseline.sample)) {
    console.log('\n!!! The baseline does not answer what Quoin answers for the same customer:')
    console.log(`    quoin:    ${JSON.stringify(quoin.sample)}`)
    console.log(`    baseline: ${JSON.stringify(baseline.sample)}`)
  }
  for (const r of rows) {
    if (r.non2xx === 0 && r.errors === 0) continue
    console.log(
      `\n!!! ${r.name}: ${r.non2xx} non-2xx responses and ${r.errors} errors (${r.timeouts} timeouts) ` +
        `out of ${r.requests} requests: its numbers measure failures, not GET /api/customers/{id}.`,
    )
  }
}

try {
  await main()
} catch (err) {
  if (!interrupted) console.error(err instanceof Error ? (err.stack ?? err.message) : err)
  process.exitCode = 1
} finally {
  await cleanUp()
}
