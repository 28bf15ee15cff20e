import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { connect } from '../src/db/connect.ts'
import { createTestDatabase, insertCustomer, type TestDatabase } from './helpers.ts'

const BIN = new URL('../bin/quoin.js', import.meta.url).pathname
const SEED = new URL('./fixtures/get-customer.json', import.meta.url)

function quoin(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  })
  return { code: res.status, stdout: res.stdout, stderr: res.stderr }
}

function json(stdout: string) {
  return JSON.parse(stdout.trim())
}

function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (m) resolve({ child, port: Number(m[1]), output: () => output })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)))
  })
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })

describe('quoin command line', () => {
  let database: TestDatabase
  let env: Record<string, string>

  before(async () => {
    database = await createTestDatabase()
    env = { DATABASE_URL: database.url }
  })
  after(() => database.drop())

  it('migrate applies pending migrations and says which, then that none are left', () => {
    const first = quoin(['migrate'], env)
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /Applied \d+ migration\(s\): 0001_initial, 0002_customer_records/)
    const second = quoin(['migrate', '--json'], env)
    assert.deepEqual(json(second.stdout), { applied: [] })
  })

  it('workspace create prints the new id, as JSON with --json', () => {
    const plain = quoin(['workspace', 'create', '--name', 'Plain'], env)
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout.trim(), /^[0-9a-f-]{36}$/)
    const res = quoin(['workspace', 'create', '--name', 'Acme', '--json'], env)
    assert.match(json(res.stdout).id, /^[0-9a-f-]{36}$/)
  })

  it('token create prints the secret once with its scopes and expiry', () => {
    const ws = json(quoin(['workspace', 'create', '--name', 'T', '--json'], env).stdout).id
    const res = quoin(
      [
        'token',
        'create',
        '--workspace',
        ws,
        '--name',
        'sync',
        '--scopes',
        'customers:read,contacts:write',
        '--expires',
        '2099-01-01T00:00:00Z',
        '--json',
      ],
      env,
    )
    assert.equal(res.code, 0, res.stderr)
    const out = json(res.stdout)
    assert.match(out.token, /^qwoty_[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(out.scopes, ['customers:read', 'contacts:write'])
    assert.equal(out.expires_at, '2099-01-01T00:00:00Z')
    const all = json(quoin(['token', 'create', '--workspace', ws, '--name', 'all', '--json'], env).stdout)
    assert.deepEqual(all.scopes, ['*'])
    assert.equal(all.expires_at, null)
  })

  for (const [why, args, message] of [
    ['an unknown scope', ['--scopes', 'customers:read,nope'], /unknown scope\(s\): nope/],
    ['a past expiry', ['--expires', '2001-01-01T00:00:00Z'], /in the future/],
    ['an expiry that is not a date', ['--expires', 'tomorrow'], /ISO 8601/],
    [
      'an unknown workspace',
      ['--workspace', '00000000-0000-4000-8000-000000000000'],
      /workspace .* not found/,
    ],
    ['a workspace that is not a UUID', ['--workspace', 'abc'], /must be a UUID/],
  ] as const) {
    it(`token create refuses ${why} with a one-line error and no stack`, () => {
      const ws = json(quoin(['workspace', 'create', '--name', 'E', '--json'], env).stdout).id
      const res = quoin(['token', 'create', '--workspace', ws, '--name', 'x', ...args], env)
      assert.equal(res.code, 1)
      assert.match(res.stderr, message)
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
      assert.doesNotMatch(res.stderr, /\bat .*\.ts:\d+/)
      assert.equal(res.stdout, '')
    })
  }

  it('rejects unknown commands, missing options and a bad DATABASE_URL without a stack trace', () => {
    assert.notEqual(quoin(['frobnicate'], env).code, 0)
    const missing = quoin(['workspace', 'create'], env)
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /--name/)
    const bad = quoin(['migrate'], { DATABASE_URL: 'mysql://nope' })
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr.trim().split('\n').length, 1)
    assert.match(bad.stderr, /DATABASE_URL must start with sqlite: or postgres:\/\//)
  })

  it('workspace update sets the tax id policy and refuses a policy it does not know', () => {
    const ws = json(quoin(['workspace', 'create', '--name', 'Policy', '--json'], env).stdout).id
    const res = quoin(['workspace', 'update', ws, '--tax-id-validation', 'lenient', '--json'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(json(res.stdout), { id: ws, name: 'Policy', tax_id_validation: 'lenient' })
    const bad = quoin(['workspace', 'update', ws, '--tax-id-validation', 'sloppy'], env)
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /strict, lenient/)
    const missing = quoin(['workspace', 'update', '00000000-0000-4000-8000-000000000000', '--name', 'X'], env)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /not found/)
  })

  it('purge removes for good what was deleted longer ago than --older-than, and nothing else', async () => {
    const ws = json(quoin(['workspace', 'create', '--name', 'Purge', '--json'], env).stdout).id
    const db = connect(database.url)
    try {
      const old = await insertCustomer(db, ws, { contacts: 1, addresses: 1 })
      const recent = await insertCustomer(db, ws, { contacts: 1 })
      const live = await insertCustomer(db, ws)
      const longAgo = new Date(Date.now() - 40 * 86_400_000).toISOString()
      for (const table of ['customers', 'contacts', 'addresses'] as const) {
        await db.kysely
          .updateTable(table)
          .set({ deleted_at: longAgo })
          .where(table === 'customers' ? 'id' : 'customer_id', '=', old.id)
          .execute()
      }
      await db.kysely
        .updateTable('customers')
        .set({ deleted_at: new Date().toISOString() })
        .where('id', '=', recent.id)
        .execute()

      const res = quoin(['purge', '--json'], env)
      assert.equal(res.code, 0, res.stderr)
      assert.deepEqual(json(res.stdout), { customers: 1, contacts: 1, addresses: 1, idempotency_keys: 0 })
      const remaining = await db.kysely
        .selectFrom('customers')
        .select('id')
        .where('workspace_id', '=', ws)
        .orderBy('id')
        .execute()
      assert.deepEqual(remaining.map((r) => r.id).sort(), [recent.id, live.id].sort())
      assert.deepEqual(json(quoin(['purge', '--older-than', '0d', '--json'], env).stdout), {
        customers: 1,
        contacts: 0,
        addresses: 0,
        idempotency_keys: 0,
      })
      assert.match(
        quoin(['purge', '--older-than', 'soon'], env).stderr,
        /--older-than must look like 30d or 12h/,
      )
    } finally {
      await db.close()
    }
  })

  it("demo loads the docs' example once; the seed's curl then returns the seed's body", async () => {
    const first = quoin(['demo', '--json'], env)
    assert.equal(first.code, 0, first.stderr)
    const { workspace_id, token } = json(first.stdout)
    assert.equal(workspace_id, '706eb564-6c4a-4e18-841c-bdd79be6bca7')
    const second = json(quoin(['demo', '--json'], env).stdout)
    assert.notEqual(second.token, token)

    const server = await startServer(env)
    try {
      for (const secret of [token, second.token]) {
        const res = await fetch(
          `http://127.0.0.1:${server.port}/api/customers/550e8400-e29b-41d4-a716-446655440000`,
          {
            headers: { Authorization: `Bearer ${secret}` },
          },
        )
        assert.equal(res.status, 200)
        const { readFileSync } = await import('node:fs')
        assert.equal(await res.text(), JSON.stringify(JSON.parse(readFileSync(SEED, 'utf8'))))
      }
    } finally {
      server.child.kill('SIGTERM')
      assert.equal(await exited(server.child), 0)
    }
    assert.doesNotMatch(server.output(), new RegExp(token))
  })
})

describe('quoin serve', () => {
  it('creates a Default workspace and prints a working token once, then drains and exits 0 on SIGTERM', async () => {
    const database = await createTestDatabase()
    try {
      const env = { DATABASE_URL: database.url }
      const server = await startServer(env)
      const secret = /\n\s+(qwoty_\S+)\n/.exec(server.output())?.[1]
      assert.ok(secret, server.output())
      assert.match(server.output(), /Created workspace "Default"/)
      assert.match(
        server.output(),
        /curl http:\/\/127\.0\.0\.1:0\/api\/customers -H "Authorization: Bearer qwoty_/,
      )

      const url = `http://127.0.0.1:${server.port}/api/customers/00000000-0000-4000-8000-000000000000`
      // Requests in flight on open connections when SIGTERM arrives are answered (or refused with a 503
      // while closing), never cut off.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 10 })
      const request = () =>
        new Promise<number>((resolve, reject) => {
          const req = http.get(url, { agent, headers: { Authorization: `Bearer ${secret}` } }, (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          })
          req.on('error', reject)
        })
      assert.deepEqual(await Promise.all(Array.from({ length: 10 }, request)), Array(10).fill(404))
      const requests = Array.from({ length: 30 }, request)
      await Promise.race(requests)
      server.child.kill('SIGTERM')
      const statuses = await Promise.all(requests)
      agent.destroy()
      assert.ok(
        statuses.every((s) => s === 404 || s === 503),
        statuses.join(','),
      )
      assert.ok(statuses.includes(404))
      assert.equal(await exited(server.child), 0)
      const logLines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
      assert.ok(logLines.length > 3)
      assert.ok(
        logLines.every((l) => !l.includes(secret) && !/authorization/i.test(l)),
        'no log line holds the token',
      )

      const again = await startServer(env)
      assert.doesNotMatch(again.output(), /Created workspace/)
      again.child.kill('SIGINT')
      assert.equal(await exited(again.child), 0)
    } finally {
      await database.drop()
    }
  })
})
