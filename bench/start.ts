// `npm run bench:start`: how long the built `quoin` takes to start, as a user runs it. Everything on 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = process.env.BENCH_START_BIN ?? fileURLToPath(new URL('../bin/quoin.js', import.meta.url))
const RUNS = Number(process.env.BENCH_START_RUNS ?? 10)
const SERVE_DEADLINE_MS = 60_000

interface Timing {
  ms: number
  peakRssMb?: number
}

const tmp = mkdtempSync(join(tmpdir(), 'quoin-bench-start-'))
const env = {
  ...process.env,
  DATABASE_URL: `sqlite:${join(tmp, 'quoin.db')}`,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  REDIS_URL: '',
}
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
  rmSync(tmp, { recursive: true, force: true })
})

function start(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  running.add(child)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  child.once('exit', (code, signal) => {
    running.delete(child)
    if (code !== 0) console.error(`quoin ${args.join(' ')} exited (${signal ?? `code ${code}`}): ${stderr}`)
  })
  return child
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })

/** From spawn to exit, for a command that runs and ends. */
async function timeCommand(args: string[]): Promise<Timing> {
  const t0 = performance.now()
  const code = await exited(start(args))
  if (code !== 0) throw new Error(`quoin ${args.join(' ')} failed`)
  return { ms: performance.now() - t0 }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function health(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
  })
}

function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : undefined
  } catch {
    return undefined
  }
}

/** From spawn to the first 200 on /health; then SIGTERM, and the process must exit 0. */
async function timeServe(): Promise<Timing> {
  const port = await freePort()
  const t0 = performance.now()
  const child = start(['serve'], { PORT: String(port) })
  const deadline = t0 + SERVE_DEADLINE_MS
  let ms: number | undefined
  while (child.exitCode === null && performance.now() < deadline) {
    if ((await health(port)) === 200) {
      ms = performance.now() - t0
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const peak = peakRssMb(child.pid)
  child.kill('SIGTERM')
  const code = await exited(child)
  if (ms === undefined) throw new Error(`quoin serve did not answer /health on port ${port}`)
  if (code !== 0) throw new Error(`quoin serve exited with ${code} after SIGTERM`)
  return { ms, ...(peak === undefined ? {} : { peakRssMb: peak }) }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

interface Case {
  name: string
  targetMs: number
  run: () => Promise<Timing>
}

const CASES: Case[] = [
  { name: 'quoin --version', targetMs: 500, run: () => timeCommand(['--version']) },
  { name: 'quoin migrate (up to date)', targetMs: 1000, run: () => timeCommand(['migrate']) },
  { name: 'quoin serve → first /health', targetMs: 1500, run: timeServe },
]

async function main() {
  console.log(`bin: ${BIN}`)
  console.log(`database: ${env.DATABASE_URL}; ${RUNS} runs per command after one warm-up run\n`)
  // Migrated, with a workspace: no run applies a migration or prints the first-run token.
  await timeCommand(['migrate'])
  await timeCommand(['workspace', 'create', '--name', 'Bench'])

  const rows: string[][] = [['command', 'target', 'median', 'min', 'max', 'result']]
  const peaks: number[] = []
  for (const c of CASES) {
    await c.run()
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t = await c.run()
      times.push(t.ms)
      if (t.peakRssMb !== undefined) peaks.push(t.peakRssMb)
    }
    const m = median(times)
    const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`
    rows.push([
      c.name,
      `< ${c.targetMs / 1000} s`,
      fmt(m),
      fmt(Math.min(...times)),
      fmt(Math.max(...times)),
      m < c.targetMs ? 'MET' : 'MISSED',
    ])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '))
  if (peaks.length) {
    console.log(
      `\nquoin serve peak RSS at its first /health (VmHWM): median ${median(peaks).toFixed(0)} MB, max ${Math.max(...peaks).toFixed(0)} MB`,
    )
  }
}

try {
  await main()
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
}
