// Parent side of the child processes: start, stop, measure. Every child is killed when the bench exits.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { LoadResult } from './load.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Where a child runs: `taskset -c <cpu>` pins it to one CPU; without a pin it runs anywhere. */
export interface Pin {
  taskset: string
  cpu: number
}

/**
 * Runs bench/<script> under tsx, pinned if asked (taskset execs node: the pid is node's). Its stdin
 * stays open: when the bench dies, the child sees it close.
 */
function spawnTs(script: string, env: NodeJS.ProcessEnv, pin?: Pin): ChildProcess {
  const node = [process.execPath, '--import', 'tsx', `bench/${script}`]
  const argv = pin ? [pin.taskset, '-c', String(pin.cpu), ...node] : node
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/** Starts a server script and waits for the `{"port": n}` line it prints once listening. */
export function startServer(
  script: string,
  env: NodeJS.ProcessEnv,
  pin?: Pin,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnTs(script, env, pin)
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(new Error(`bench/${script} ${why}`))
    }
    const timer = setTimeout(() => fail('did not report its port within 30 s'), 30_000)
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before listening`))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = parsePort(line)
      if (settled || port === undefined) {
        process.stderr.write(`${line}\n`) // its log lines (level warn and above)
        return
      }
      settled = true
      clearTimeout(timer)
      resolve({ child, port })
    })
  })
}

function parsePort(line: string): number | undefined {
  try {
    const { port } = JSON.parse(line) as { port?: unknown }
    return typeof port === 'number' ? port : undefined
  } catch {
    return undefined
  }
}

/** SIGTERM, then SIGKILL if the child is still there 5 s later. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stop))
}

/** Runs bench/load.ts (autocannon) to completion and returns the JSON line it prints. */
export function runAutocannon(env: NodeJS.ProcessEnv, pin?: Pin): Promise<LoadResult> {
  const child = spawnTs('load.ts', env, pin)
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      const last = out.trim().split('\n').pop()
      if (code !== 0 || !last) reject(new Error(`bench/load.ts failed (${signal ?? `code ${code}`})`))
      else resolve(JSON.parse(last) as LoadResult)
    })
  })
}

/** The peak resident set of a live process (VmHWM), in MB; undefined where /proc is not available. */
export function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : undefined
  } catch {
    return undefined
  }
}
