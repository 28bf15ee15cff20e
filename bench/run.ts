// npm run bench: GET /api/customers/{id} under load, Quoin against a bare node:http baseline (and
// Fastify answering from a Map), each measured the same way; then Quoin alone on its price read, its quote
// read and a line added to a quote: see bench/README.md.
// See bench/README.md.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { connect } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import type { LoadResult } from './load.ts'
import { type Pin, peakRssMb, runAutocannon, startServer, stop, stopAll } from './processes.ts'
import {
  type BenchDatabase,
  createBenchDatabase,
  exportCustomers,
  lineCountRange,
  type SeededQuotes,
  seed,
  seedPrices,
  seedQuotes,
} from './seed.ts'
import { runWrk, type Send, which, writeWrkScript } from './wrk.ts'

const CONNECTIONS = 50
/** The quote read has this many lines; lines are added to quotes of GROW_LINES, one per write connection. */
const READ_LINES = 50
const GROW_LINES = 200
/**
 * Connections adding lines. A line added to a 200-line quote takes tens of milliseconds and writes to one
 * database are serialised: 50 connections would measure the same throughput behind a queue longer than the
 * load generators' timeouts (wrk's 2 s), so the write row has fewer.
 */
const WRITE_CONNECTIONS = 10
const TARGETS = {
  sqlite: { ratio: 0.7, p99Ratio: 1.5 },
  postgres: { ratio: 0.25, p99Ratio: undefined },
} as const

function positive(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`)
  }
  return value
}

function cpuIndex(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a CPU number, got "${raw}"`)
  return value
}

interface Row {
  name: string
  /** One result per round. */
  rounds: LoadResult[]
  peakRssMb: number | undefined
  /** What it answers for the first customer: undefined for a row that reads something else. */
  sample: { status: number; body: unknown } | undefined
  /** What it measures, when not GET /api/customers/{id}. */
  request?: string
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

/** Server on one CPU, load generator on another, when taskset exists and there are two CPUs. */
function choosePins(): { server?: Pin; load?: Pin; why: string } {
  if (process.env.BENCH_PIN === '0') return { why: 'not pinned (BENCH_PIN=0)' }
  const taskset = which('taskset')
  if (!taskset) return { why: 'not pinned: taskset is not on PATH' }
  if (availableParallelism() < 2) return { why: 'not pinned: fewer than 2 CPUs' }
  const server = cpuIndex('BENCH_SERVER_CPU', 0)
  const load = cpuIndex('BENCH_LOAD_CPU', 1)
  if (server === load) throw new Error('BENCH_SERVER_CPU and BENCH_LOAD_CPU must differ')
  return {
    server: { taskset, cpu: server },
    load: { taskset, cpu: load },
    why: `server pinned to CPU ${server}, load generator to CPU ${load} (taskset)`,
  }
}

async function main(): Promise<void> {
  const customerCount = positive('BENCH_CUSTOMERS', 10_000, true)
  const priceCount = positive('BENCH_PRICES', 2_000, true)
  const duration = positive('BENCH_DURATION', 10, false)
  const rounds = positive('BENCH_ROUNDS', 1, true)
  const postgresUrl = process.env.BENCH_DATABASE_URL || undefined
  if (postgresUrl && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new Error('BENCH_DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)')
  }
  const withQuotes = process.env.BENCH_QUOTES !== '0'
  const rateLimit = process.env.BENCH_RATE_LIMIT || undefined
  const reference = process.env.BENCH_REFERENCE !== '0'
  const wrk = process.env.BENCH_LOADER === 'autocannon' ? undefined : which('wrk')
  if (process.env.BENCH_LOADER === 'wrk' && !wrk) throw new Error('BENCH_LOADER=wrk but wrk is not on PATH')
  const pins = choosePins()

  database = await createBenchDatabase(tmp, postgresUrl)
  const dialect = database.dialect
  console.log(
    `Quoin bench: GET /api/customers/{id} (and Quoin's price and quote reads and line adds), ${customerCount} customers on ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ` +
      `${CONNECTIONS} connections, 2 s warm-up then ${duration} s measured, ${rounds} round${rounds > 1 ? 's' : ''}`,
  )
  console.log(
    wrk
      ? `Load: wrk (${wrk}), 1 thread; ${pins.why}`
      : `Load: autocannon (${process.env.BENCH_LOADER === 'autocannon' ? 'BENCH_LOADER=autocannon' : 'wrk is not on PATH, falling back'}); ${pins.why}`,
  )

  const db = connect(database.url)
  let tenant: Awaited<ReturnType<typeof seed>>
  let priceIds: string[] = []
  let quotes: SeededQuotes | undefined
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
    console.log(`Exported them through findCustomer for the baseline in ${seconds(exported)} s`)
    const priced = performance.now()
    priceIds = await seedPrices(db, tenant.workspaceId, priceCount)
    console.log(`Seeded ${priceCount} products with a filled-in price each in ${seconds(priced)} s`)
    if (withQuotes) {
      const quoted = performance.now()
      quotes = await seedQuotes(db, tenant.workspaceId, tenant.ids[0]!, {
        readLines: READ_LINES,
        growLines: GROW_LINES,
        growCount: WRITE_CONNECTIONS,
      })
      console.log(
        `Seeded a quote of ${READ_LINES} lines and ${WRITE_CONNECTIONS} of ${GROW_LINES} lines through createQuote ` +
          `in ${seconds(quoted)} s`,
      )
    }
  } finally {
    await db.close()
  }

  // The customer read, which every server answers; the price read, the quote read and a line added to a
  // quote, which only Quoin does. A line is added to one of WRITE_CONNECTIONS quotes picked at random per
  // request, so they grow evenly from GROW_LINES lines during the run (their sizes are reported after it).
  const addLine: Send = { method: 'POST', body: { product_id: quotes?.variantId, quantity: 1 } }
  interface Target {
    path: string
    ids: string[]
    file: string
    send?: Send
    connections?: number
  }
  const targets: Record<'customers' | 'prices' | 'quote' | 'lines', Target> = {
    customers: { path: '/api/customers/', ids: tenant.ids, file: 'ids.json' },
    prices: { path: '/api/prices/', ids: priceIds, file: 'price-ids.json' },
    quote: { path: '/api/quote/', ids: quotes ? [quotes.read.id] : [], file: 'quote-ids.json' },
    lines: {
      path: '/api/quotes/',
      ids: quotes?.grown.paths ?? [],
      file: 'line-ids.json',
      send: addLine,
      connections: WRITE_CONNECTIONS,
    },
  }
  const scripts: Partial<Record<keyof typeof targets, string>> = {}
  for (const [what, target] of Object.entries(targets) as [keyof typeof targets, Target][]) {
    writeFileSync(join(tmp, target.file), JSON.stringify(target.ids))
    if (wrk && target.ids.length > 0) {
      scripts[what] = writeWrkScript(tmp, target.ids, tenant.secret, target.path, target.send, what)
    }
  }
  const load = (
    url: string,
    seconds: number,
    what: keyof typeof targets = 'customers',
  ): Promise<LoadResult> => {
    const script = scripts[what]
    const target = targets[what]
    return wrk && script
      ? runWrk({
          wrk,
          taskset: pins.load?.taskset,
          cpu: pins.load?.cpu,
          url,
          script,
          connections: target.connections ?? CONNECTIONS,
          seconds,
        })
      : runAutocannon(
          {
            ...process.env,
            BENCH_URL: url,
            BENCH_TOKEN: tenant.secret,
            BENCH_IDS_FILE: join(tmp, target.file),
            BENCH_PATH: target.path,
            BENCH_DURATION: String(seconds),
            BENCH_CONNECTIONS: String(target.connections ?? CONNECTIONS),
            ...(target.send
              ? { BENCH_METHOD: target.send.method, BENCH_BODY: JSON.stringify(target.send.body) }
              : {}),
          },
          pins.load,
        )
  }

  const memoryEnv = {
    ...process.env,
    BENCH_CUSTOMERS_FILE: join(tmp, 'customers.json'),
    BENCH_TOKEN_HASH: tenant.tokenHash,
    BENCH_WORKSPACE_ID: tenant.workspaceId,
  }
  const serverEnv = { ...process.env, DATABASE_URL: database.url }
  const servers = [
    { name: 'quoin', script: 'server.ts', env: serverEnv },
    ...(rateLimit
      ? [{ name: 'quoin (rate limit on)', script: 'server.ts', env: { ...serverEnv, RATE_LIMIT: rateLimit } }]
      : []),
    ...(reference ? [{ name: 'fastify + Map', script: 'fastify-map.ts', env: memoryEnv }] : []),
    { name: 'baseline', script: 'baseline.ts', env: memoryEnv },
  ]

  // Every server is started once and measured in turn, round after round, the same way.
  const started: { name: string; child: ChildProcess; url: string; row: Row }[] = []
  for (const server of servers) {
    const { child, port } = await startServer(server.script, server.env, pins.server)
    const url = `http://127.0.0.1:${port}`
    const res = await fetch(`${url}/api/customers/${tenant.ids[0]}`, {
      headers: { authorization: `Bearer ${tenant.secret}` },
    })
    const sample = { status: res.status, body: await res.json() }
    console.log(`${server.name}: bench/${server.script} listening on ${url}`)
    started.push({
      ...server,
      child,
      url,
      row: { name: server.name, rounds: [], peakRssMb: undefined, sample },
    })
  }
  const quoin = started[0]!
  // Quoin's own rows, each checked once before it is measured.
  const own: { what: keyof typeof targets; row: Row }[] = [
    { what: 'prices', row: ownRow('quoin GET /api/prices/{id}') },
    ...(quotes
      ? [
          { what: 'quote' as const, row: ownRow(`quoin GET /api/quote/{id} (${READ_LINES} lines)`) },
          {
            what: 'lines' as const,
            row: ownRow(`quoin POST a line (quotes of ${GROW_LINES}+ lines, ${WRITE_CONNECTIONS} conns)`),
          },
        ]
      : []),
  ]
  for (const { what } of own) {
    const target = targets[what]
    if (target.send) continue
    const res = await fetch(`${quoin.url}${target.path}${target.ids[0]}`, {
      headers: { authorization: `Bearer ${tenant.secret}` },
    })
    if (res.status !== 200) throw new Error(`GET ${target.path}{id} answered ${res.status}`)
  }
  for (let round = 1; round <= rounds; round++) {
    for (const s of started) {
      if (interrupted) return
      console.log(`${rounds > 1 ? `round ${round}: ` : ''}${s.name}: warming up, then measuring`)
      await load(s.url, 2)
      if (interrupted) return
      s.row.rounds.push(await load(s.url, duration))
      if (s !== quoin) continue
      for (const { what, row } of own) {
        console.log(`${rounds > 1 ? `round ${round}: ` : ''}${row.name}: warming up, then measuring`)
        await load(s.url, 2, what)
        if (interrupted) return
        row.rounds.push(await load(s.url, duration, what))
      }
    }
  }
  for (const s of started) {
    s.row.peakRssMb = peakRssMb(s.child.pid)
    await stop(s.child)
  }
  const rows = [quoin.row, ...own.map((o) => o.row), ...started.slice(1).map((s) => s.row)]
  report(rows, rows.at(-1)!, TARGETS[dialect])
  if (quotes) {
    const counted = connect(database.url)
    try {
      const ids = quotes.grown.paths.map((p) => p.split('/')[0]!)
      const [fewest, most] = await lineCountRange(counted, tenant.workspaceId, ids)
      console.log(
        `\nLines were added to ${ids.length} quotes of ${GROW_LINES} lines each (one picked at random per ` +
          `request); after every warm-up and round they hold ${fewest} to ${most} lines.`,
      )
    } finally {
      await counted.close()
    }
  }
}

function ownRow(name: string): Row {
  return { name, rounds: [], peakRssMb: undefined, sample: undefined, request: name.replace(/^quoin /, '') }
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2))

function report(rows: Row[], baseline: Row, targets: { ratio: number; p99Ratio: number | undefined }): void {
  const quoin = rows[0]!
  const rps = (r: Row) => median(r.rounds.map((x) => x.requestsPerSec))
  const p50 = (r: Row) => median(r.rounds.map((x) => x.latencyP50Ms))
  const p99 = (r: Row) => median(r.rounds.map((x) => x.latencyP99Ms))
  const sum = (r: Row, key: 'requests' | 'non2xx' | 'errors' | 'timeouts') =>
    r.rounds.reduce((n, x) => n + x[key], 0)
  const several = baseline.rounds.length > 1
  const table = [
    [
      'run',
      'req/s',
      'p50 ms',
      'p99 ms',
      'vs baseline',
      'p99 vs baseline',
      'peak RSS MB',
      'requests',
      'non-2xx',
      'errors',
    ],
    ...rows.map((r) => [
      r.name,
      rps(r).toFixed(0),
      ms(p50(r)),
      ms(p99(r)),
      (rps(r) / rps(baseline)).toFixed(2),
      `${(p99(r) / p99(baseline)).toFixed(2)}x`,
      r.peakRssMb === undefined ? 'n/a' : r.peakRssMb.toFixed(0),
      String(sum(r, 'requests')),
      String(sum(r, 'non2xx')),
      String(sum(r, 'errors')),
    ]),
  ]
  const widths = table[0]!.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)))
  console.log(several ? `\nMedians of ${baseline.rounds.length} rounds:` : '')
  for (const cells of table) {
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
  }
  if (several) {
    console.log('')
    for (const r of rows) {
      if (r === baseline) continue
      const ratios = r.rounds.map((x, i) =>
        (x.requestsPerSec / baseline.rounds[i]!.requestsPerSec).toFixed(2),
      )
      console.log(`Throughput ${r.name} / baseline, round by round: ${ratios.join(', ')}`)
    }
  }

  const ratio = rps(quoin) / rps(baseline)
  const p99Ratio = p99(quoin) / p99(baseline)
  console.log('\nTargets:')
  const target = (met: boolean, text: string) => console.log(`  ${met ? 'MET   ' : 'MISSED'}  ${text}`)
  target(ratio >= targets.ratio, `throughput quoin / baseline >= ${targets.ratio}: ${ratio.toFixed(2)}`)
  if (targets.p99Ratio !== undefined) {
    target(
      p99Ratio <= targets.p99Ratio,
      `quoin p99 <= ${targets.p99Ratio}x the baseline's: ${ms(p99(quoin))} ms against ${ms(p99(baseline))} ms (${p99Ratio.toFixed(2)}x)`,
    )
  }

  for (const r of rows) {
    if (r.sample === undefined || isDeepStrictEqual(r.sample, baseline.sample)) continue
    console.log(`\n!!! The baseline does not answer what ${r.name} answers for the same customer:`)
    console.log(`    ${r.name}: ${JSON.stringify(r.sample)}`)
    console.log(`    baseline: ${JSON.stringify(baseline.sample)}`)
  }
  for (const r of rows) {
    if (sum(r, 'non2xx') === 0 && sum(r, 'errors') === 0) continue
    console.log(
      `\n!!! ${r.name}: ${sum(r, 'non2xx')} non-2xx responses and ${sum(r, 'errors')} errors ` +
        `(${sum(r, 'timeouts')} timeouts) out of ${sum(r, 'requests')} requests: its numbers measure ` +
        `failures, not ${r.request ?? 'GET /api/customers/{id}'}.`,
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
