// The command line. Its logic runs in process, through `run`, with its own environment and output; only
// what needs a process runs as one: the built bin, `quoin serve` (banner, logs, SIGTERM) and what it loads.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../src/cli.ts'
import { connect } from '../src/db/connect.ts'
import { VERSION } from '../src/version.ts'
import { createTestDatabase, dialect, insertCustomer, type TestDatabase, tempDir } from './helpers.ts'

const BIN = new URL('../bin/quoin.js', import.meta.url).pathname
const LOADED_PACKAGES = new URL('./fixtures/loaded-packages.mjs', import.meta.url).pathname
const WRITTEN = 'loaded-packages: written'
const SEED = new URL('./fixtures/get-customer.json', import.meta.url)

/** `quoin <args>` in this process, with only `env` for its environment. */
async function quoin(args: string[], env: Record<string, string>) {
  let stdout = ''
  let stderr = ''
  const code = await run(args, {
    env,
    out: (text) => {
      stdout += text
    },
    err: (text) => {
      stderr += text
    },
  })
  return { code, stdout, stderr }
}

function json(stdout: string) {
  return JSON.parse(stdout.trim())
}

/** Asserts a failure reported as exactly one line on stderr, nothing on stdout, no stack. */
function assertOneLineError(res: { code: number; stdout: string; stderr: string }, message: RegExp) {
  assert.equal(res.code, 1, res.stderr)
  assert.match(res.stderr, message)
  assert.match(res.stderr, /^quoin: [^\n]+\n$/, res.stderr)
  assert.doesNotMatch(res.stderr, /\bat .*\.(ts|js):\d+/)
  assert.equal(res.stdout, '')
}

describe('quoin command line', () => {
  let database: TestDatabase
  let env: Record<string, string>

  before(async () => {
    database = await createTestDatabase()
    env = { DATABASE_URL: database.url }
  })
  after(() => database.drop())

  it('--version prints the version of package.json; --help lists the commands', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    assert.equal(VERSION, pkg.version)
    assert.deepEqual(await quoin(['--version'], env), { code: 0, stdout: `${pkg.version}\n`, stderr: '' })
    const help = await quoin(['--help'], env)
    assert.equal(help.code, 0)
    for (const command of ['serve', 'migrate', 'workspace', 'token', 'purge', 'demo']) {
      assert.match(help.stdout, new RegExp(`\\n\\s+${command}\\b`), command)
    }
  })

  it('migrate applies pending migrations and says which, then that none are left', async () => {
    const first = await quoin(['migrate'], env)
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^Applied \d+ migration\(s\): 0001_initial, 0002_customer_records/)
    assert.deepEqual(await quoin(['migrate', '--json'], env), {
      code: 0,
      stdout: '{"applied":[]}\n',
      stderr: '',
    })
    assert.deepEqual(await quoin(['migrate'], env), {
      code: 0,
      stdout: 'Database is up to date\n',
      stderr: '',
    })
  })

  it('workspace create prints the new id, as JSON with --json', async () => {
    const plain = await quoin(['workspace', 'create', '--name', 'Plain'], env)
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout, /^[0-9a-f-]{36}\n$/)
    const res = await quoin(['workspace', 'create', '--name', 'Acme', '--json'], env)
    assert.match(json(res.stdout).id, /^[0-9a-f-]{36}$/)
    assertOneLineError(await quoin(['workspace', 'create', '--name', '  '], env), /--name must not be empty/)
  })

  it('token create prints the secret once with its scopes and expiry', async () => {
    const ws = json((await quoin(['workspace', 'create', '--name', 'T', '--json'], env)).stdout).id
    const res = await quoin(
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
    const all = json(
      (await quoin(['token', 'create', '--workspace', ws, '--name', 'all', '--json'], env)).stdout,
    )
    assert.deepEqual(all.scopes, ['*'])
    assert.equal(all.expires_at, null)
    const plain = await quoin(['token', 'create', '--workspace', ws, '--name', 'plain'], env)
    assert.match(plain.stdout, /^qwoty_[A-Za-z0-9_-]{43}\n$/)
  })

  it('token create --user makes a token acting as an active user of the workspace, and refuses others', async () => {
    const ws = json((await quoin(['workspace', 'create', '--name', 'U', '--json'], env)).stdout).id
    const db = connect(database.url)
    const user = (status: 'active' | 'inactive') => ({
      id: randomUUID(),
      workspace_id: ws,
      first_name: 'Paul',
      last_name: status,
      email: `${status}-${randomUUID()}@example.com`,
      role: 'manager' as const,
      status,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    })
    const [active, inactive] = [user('active'), user('inactive')]
    try {
      await db.kysely.insertInto('users').values([active, inactive]).execute()
      const args = ['token', 'create', '--workspace', ws, '--name', 'as Paul', '--json']
      const res = await quoin([...args, '--user', active.id.toUpperCase()], env)
      assert.equal(res.code, 0, res.stderr)
      const out = json(res.stdout)
      assert.equal(out.user_id, active.id)
      const row = await db.kysely
        .selectFrom('api_tokens')
        .select('user_id')
        .where('id', '=', out.id)
        .executeTakeFirstOrThrow()
      assert.equal(row.user_id, active.id)
      assert.equal(json((await quoin(args, env)).stdout).user_id, null)
      assertOneLineError(await quoin([...args, '--user', 'paul'], env), /--user must be a UUID/)
      for (const id of [inactive.id, randomUUID()]) {
        assertOneLineError(await quoin([...args, '--user', id], env), /is not an active user of workspace/)
      }
    } finally {
      await db.close()
    }
  })

  for (const [why, args, message] of [
    ['an unknown scope', ['--scopes', 'customers:read,nope'], /unknown scope\(s\): nope/],
    ['no scope at all', ['--scopes', ' , '], /at least one scope/],
    ['a past expiry', ['--expires', '2001-01-01T00:00:00Z'], /in the future/],
    ['an expiry that is not a date', ['--expires', 'tomorrow'], /ISO 8601/],
    [
      'an unknown workspace',
      ['--workspace', '00000000-0000-4000-8000-000000000000'],
      /workspace .* not found/,
    ],
    ['a workspace that is not a UUID', ['--workspace', 'abc'], /must be a UUID/],
  ] as const) {
    it(`token create refuses ${why} with a one-line error and no stack`, async () => {
      const ws = json((await quoin(['workspace', 'create', '--name', 'E', '--json'], env)).stdout).id
      assertOneLineError(
        await quoin(['token', 'create', '--workspace', ws, '--name', 'x', ...args], env),
        message,
      )
    })
  }

  it('says what is wrong with the command line in one line, and points to --help', async () => {
    const usage = /^quoin: error: [^\n]+ \(run quoin --help for usage\)\n$/
    for (const [args, message] of [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['workspace', 'create'], /required option '--name <name>' not specified/],
      [['workspace', 'create', '--name', 'x', '--colour', 'red'], /unknown option '--colour'/],
      [['migrate', '--jsno'], /unknown option '--jsno' \(Did you mean --json\?\)/],
      [['workspace', 'update'], /missing required argument 'id'/],
      [
        ['workspace', 'update', '00000000-0000-4000-8000-000000000000', '--tax-id-validation', 'sloppy'],
        /argument 'sloppy' is invalid\. Allowed choices are strict, lenient\./,
      ],
    ] as const) {
      const res = await quoin([...args], env)
      assert.equal(res.code, 1, args.join(' '))
      assert.match(res.stderr, usage, args.join(' '))
      assert.match(res.stderr, message)
      assert.equal(res.stdout, '')
    }
  })

  it('refuses a bad DATABASE_URL or setting in one line, before touching any database', async () => {
    assertOneLineError(
      await quoin(['migrate'], { DATABASE_URL: 'mysql://user:secret@db/quoin' }),
      /^quoin: DATABASE_URL must start with sqlite: or postgres:\/\/, got "mysql:\/\/user:\*\*\*@db\/quoin"/,
    )
    assertOneLineError(
      await quoin(['workspace', 'create', '--name', 'x'], { ...env, LOG_LEVEL: 'loud' }),
      /^quoin: LOG_LEVEL must be one of/,
    )
    assertOneLineError(await quoin(['serve'], { ...env, PORT: '70000' }), /^quoin: PORT must be an integer/)
  })

  it('reports an unexpected failure in one line, marked as an error', async () => {
    const dir = tempDir()
    try {
      // A directory where the database file should be: SQLite cannot open it.
      mkdirSync(join(dir.path, 'quoin.db'))
      assertOneLineError(
        await quoin(['migrate'], { DATABASE_URL: `sqlite:${join(dir.path, 'quoin.db')}` }),
        /^quoin: error: /,
      )
    } finally {
      dir.remove()
    }
  })

  it('workspace create takes the tax id policy and the default country, lenient and FR by default', async () => {
    const plain = json((await quoin(['workspace', 'create', '--name', 'Defaults', '--json'], env)).stdout).id
    const strict = json(
      (
        await quoin(
          [
            'workspace',
            'create',
            '--name',
            'S',
            '--tax-id-validation',
            'strict',
            '--default-country',
            'de',
            '--json',
          ],
          env,
        )
      ).stdout,
    ).id
    const db = connect(database.url)
    try {
      const { workspaceSettings } = await import('../src/resources/workspaces/store.ts')
      assert.deepEqual(await workspaceSettings(db.kysely, plain), {
        tax_id_validation: 'lenient',
        default_country: 'FR',
      })
      assert.deepEqual(await workspaceSettings(db.kysely, strict), {
        tax_id_validation: 'strict',
        default_country: 'DE',
      })
    } finally {
      await db.close()
    }
  })

  it('workspace update sets the name, the tax id policy and the country, and refuses what it cannot do', async () => {
    const ws = json((await quoin(['workspace', 'create', '--name', 'Policy', '--json'], env)).stdout).id
    const res = await quoin(['workspace', 'update', ws, '--tax-id-validation', 'strict', '--json'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(json(res.stdout), {
      id: ws,
      name: 'Policy',
      tax_id_validation: 'strict',
      default_country: 'FR',
    })
    const renamed = await quoin(['workspace', 'update', ws.toUpperCase(), '--name', ' Renamed '], env)
    assert.equal(renamed.stdout, `Workspace ${ws} "Renamed": tax_id_validation strict, default_country FR\n`)
    const belgian = await quoin(['workspace', 'update', ws, '--default-country', 'be', '--json'], env)
    assert.equal(json(belgian.stdout).default_country, 'BE')
    assertOneLineError(
      await quoin(['workspace', 'update', ws, '--default-country', 'Belgium'], env),
      /--default-country must be an ISO 3166-1 alpha-2 code/,
    )
    assertOneLineError(
      await quoin(['workspace', 'update', '00000000-0000-4000-8000-000000000000', '--name', 'X'], env),
      /workspace 00000000-0000-4000-8000-000000000000 not found/,
    )
    assertOneLineError(await quoin(['workspace', 'update', ws], env), /nothing to change/)
    assertOneLineError(await quoin(['workspace', 'update', 'abc', '--name', 'X'], env), /must be a UUID/)
    assertOneLineError(await quoin(['workspace', 'update', ws, '--name', ''], env), /must not be empty/)
  })

  it('purge removes for good what was deleted longer ago than --older-than, and nothing else', async () => {
    const ws = json((await quoin(['workspace', 'create', '--name', 'Purge', '--json'], env)).stdout).id
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

      // By default, what left the restore window (30 days).
      const res = await quoin(['purge', '--json'], env)
      assert.equal(res.code, 0, res.stderr)
      assert.deepEqual(json(res.stdout), {
        customers: 1,
        contacts: 1,
        addresses: 1,
        product_parents: 0,
        products: 0,
        idempotency_keys: 0,
      })
      const remaining = await db.kysely
        .selectFrom('customers')
        .select('id')
        .where('workspace_id', '=', ws)
        .orderBy('id')
        .execute()
      assert.deepEqual(remaining.map((r) => r.id).sort(), [recent.id, live.id].sort())
      const everything = await quoin(['purge', '--older-than', '0d'], env)
      assert.match(
        everything.stdout,
        /^Purged 1 customer\(s\), 0 contact\(s\), 0 address\(es\), 0 product parent\(s\) and 0 product\(s\) deleted before \d{4}-.*Z, and 0 kept response\(s\) older than 24 hours\n$/,
      )
      assertOneLineError(
        await quoin(['purge', '--older-than', 'soon'], env),
        /--older-than must look like 30d or 12h, got "soon"/,
      )
    } finally {
      await db.close()
    }
  })

  it("demo loads the docs' example once, and prints a new token each time", async () => {
    const first = await quoin(['demo', '--json'], env)
    assert.equal(first.code, 0, first.stderr)
    const { workspace_id, token } = json(first.stdout)
    assert.equal(workspace_id, '706eb564-6c4a-4e18-841c-bdd79be6bca7')
    assert.match(token, /^qwoty_/)
    const second = await quoin(['demo'], { ...env, HOST: '127.0.0.1', PORT: '4321' })
    assert.equal(second.code, 0, second.stderr)
    const lines = second.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 3, second.stdout)
    const secret = lines[1]!.trim()
    assert.match(secret, /^qwoty_/)
    assert.notEqual(secret, token)
    assert.equal(
      lines[2],
      `Try it: curl http://127.0.0.1:4321/api/customers/550e8400-e29b-41d4-a716-446655440000 -H "Authorization: Bearer ${secret}"`,
    )
    const db = connect(database.url)
    try {
      const customers = await db.kysely
        .selectFrom('customers')
        .select('id')
        .where('workspace_id', '=', workspace_id)
        .orderBy('id')
        .execute()
      // The customer of the docs' "Get Customer", and the one of their "Get Quote" (src/demo-quote.ts).
      assert.deepEqual(customers, [
        { id: '550e8400-e29b-41d4-a716-446655440000' },
        { id: 'f10e8400-e29b-41d4-a716-446655440456' },
      ])
      // One event per record the first run created (the second created its token only), as every write has.
      const events = await db.kysely
        .selectFrom('events')
        .select(['type', 'record_id'])
        .where('workspace_id', '=', workspace_id)
        .orderBy('id')
        .execute()
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'customer.created',
          'contact.created',
          'contact.created',
          'address.created',
          'payment_term.created',
          'catalog.created',
          'catalog.created',
          'catalog.created',
          'product_parent.created',
          'product_parent.created',
          'product.created',
          'product.created',
          // The docs' "Standard Pricebook" and its price, then the rows made for the demo's recurring
          // variants by frequency: the consulting one in the Standard pricebook, the widget's two others.
          'pricebook.created',
          ...Array(6).fill('price.created'),
          // The quote example: its owner, business unit, the customer's two custom fields, its customer,
          // contact and address, its two products
          // (one-off consulting hours, a monthly support plan) with their rows in the Standard pricebook (one,
          // and one per billing frequency), and the quote, made then published.
          'user.created',
          'business_unit.created',
          'custom_field.created',
          'custom_field.created',
          'customer.created',
          'contact.created',
          'address.created',
          'product_parent.created',
          'product_parent.created',
          'product.created',
          'product.created',
          ...Array(4).fill('price.created'),
          'quote.created',
          'quote.sent',
          'token.created',
          'token.created',
        ],
      )
      assert.equal(events[0]!.record_id, '550e8400-e29b-41d4-a716-446655440000')
    } finally {
      await db.close()
    }
  })
})

/** Runs the built bin to completion. */
function bin(args: string[], env: Record<string, string> = {}, path = BIN) {
  const res = spawnSync(process.execPath, [path, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  })
  return { code: res.status, stdout: res.stdout, stderr: res.stderr }
}

interface ServeProcess {
  child: ChildProcess
  port: number
  stdout: () => string
  stderr: () => string
}

/** Servers started and not seen exiting: a failed test leaves none behind (the file would wait for it). */
const servers = new Set<ChildProcess>()
after(() => {
  for (const child of servers) child.kill('SIGKILL')
})

/** Starts the built `quoin serve` on a port of its choosing and resolves once it says where it listens. */
function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  servers.add(child)
  child.once('exit', () => servers.delete(child))
  let stdout = ''
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)
      if (m) resolve({ child, port: Number(m[1]), stdout: () => stdout, stderr: () => stderr })
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stdout}${stderr}`)))
  })
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })

/** Resolves once the server's stderr holds `line` more times than `count`; rejects if it exits first. */
function stderrLine(server: ServeProcess, line: string, count: number): Promise<void> {
  const seen = () =>
    server
      .stderr()
      .split('\n')
      .filter((l) => l === line).length
  return new Promise((resolve, reject) => {
    const check = () => {
      if (seen() <= count) return
      stop()
      resolve()
    }
    const gone = () => {
      stop()
      reject(new Error(`quoin serve exited before writing ${line}: ${server.stderr()}`))
    }
    const stop = () => {
      server.child.stderr!.off('data', check)
      server.child.off('exit', gone)
    }
    // After the listener that accumulates stderr, which was added first.
    server.child.stderr!.on('data', check)
    server.child.once('exit', gone)
    check()
  })
}

describe('the built quoin command', () => {
  it('runs from dist/: --version, and a usage error in one line with status 1', () => {
    assert.deepEqual(bin(['--version']), { code: 0, stdout: `${VERSION}\n`, stderr: '' })
    assert.deepEqual(bin(['frobnicate']), {
      code: 1,
      stdout: '',
      stderr: "quoin: error: unknown command 'frobnicate' (run quoin --help for usage)\n",
    })
  })

  it('says in one line how to build dist/ when it is missing', () => {
    const dir = tempDir()
    try {
      mkdirSync(join(dir.path, 'bin'))
      copyFileSync(BIN, join(dir.path, 'bin', 'quoin.js'))
      assert.equal(existsSync(join(dir.path, 'dist')), false)
      assert.deepEqual(bin(['--version'], {}, join(dir.path, 'bin', 'quoin.js')), {
        code: 1,
        stdout: '',
        stderr: 'quoin: dist/cli.js is missing: run npm install or npm run build\n',
      })
    } finally {
      dir.remove()
    }
  })

  it('loads only the packages a command needs', () => {
    const dir = tempDir()
    try {
      const file = join(dir.path, 'loaded.json')
      const loaded = (args: string[], env: Record<string, string>) => {
        const res = spawnSync(process.execPath, ['--import', LOADED_PACKAGES, BIN, ...args], {
          env: { ...process.env, ...env, QUOIN_LOADED_FILE: file },
          encoding: 'utf8',
        })
        assert.equal(res.status, 0, res.stderr)
        return JSON.parse(readFileSync(file, 'utf8')) as string[]
      }
      assert.deepEqual(loaded(['--version'], {}), ['commander'])
      const migrate = loaded(['migrate'], { DATABASE_URL: `sqlite:${join(dir.path, 'quoin.db')}` })
      assert.ok(migrate.includes('better-sqlite3'), migrate.join(' '))
      for (const name of ['fastify', 'pg', 'stdnum', 'ajv', '@fastify/swagger-ui', 'ioredis']) {
        assert.ok(!migrate.includes(name), `quoin migrate on SQLite loads ${name}`)
      }
    } finally {
      dir.remove()
    }
  })
})

describe('quoin serve', () => {
  it('creates a Default workspace and prints a working token once on stderr, then drains and exits 0 on SIGTERM', async () => {
    const database = await createTestDatabase()
    try {
      const env = { DATABASE_URL: database.url }
      const server = await startServer(env)
      const banner = server.stderr().trimEnd().split('\n')
      assert.equal(banner.length, 3, server.stderr())
      assert.match(banner[0]!, /^Created workspace "Default" \([0-9a-f-]{36}\) and an all-scopes API token/)
      const secret = /^\s+(qwoty_\S+)$/.exec(banner[1]!)?.[1]
      assert.ok(secret, server.stderr())
      assert.equal(
        banner[2],
        `Try it: curl http://127.0.0.1:0/api/customers -H "Authorization: Bearer ${secret}"`,
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
      // Standard output is JSON lines only, and none of them holds the token.
      const logLines = server.stdout().trimEnd().split('\n')
      assert.ok(logLines.length > 3)
      for (const line of logLines) {
        const entry = JSON.parse(line) as Record<string, unknown>
        assert.equal(typeof entry.level, 'number', line)
        assert.ok(!line.includes(secret) && !/authorization/i.test(line), line)
      }

      const again = await startServer(env)
      again.child.kill('SIGINT')
      assert.equal(await exited(again.child), 0)
      assert.equal(again.stderr(), '')
      assert.doesNotMatch(again.stdout(), /Created workspace|qwoty_/)
    } finally {
      await database.drop()
    }
  })

  it('loads the tax-id rules and the reference pages on their first use, not at start', async () => {
    const database = await createTestDatabase()
    const dir = tempDir()
    try {
      const file = join(dir.path, 'loaded.json')
      const server = await startServer({ DATABASE_URL: database.url, QUOIN_LOADED_FILE: file }, [
        '--import',
        LOADED_PACKAGES,
      ])
      /** What the server loaded so far: the preloaded fixture writes it on SIGUSR2, then says so. */
      const loaded = async () => {
        rmSync(file, { force: true })
        const before = server
          .stderr()
          .split('\n')
          .filter((l) => l === WRITTEN).length
        const written = stderrLine(server, WRITTEN, before)
        server.child.kill('SIGUSR2')
        await written
        return JSON.parse(readFileSync(file, 'utf8')) as string[]
      }
      const atStart = await loaded()
      assert.ok(atStart.includes('fastify'), atStart.join(' '))
      const otherDriver = dialect === 'sqlite' ? 'pg' : 'better-sqlite3'
      for (const name of ['stdnum', '@fastify/swagger-ui', '@fastify/static', 'ioredis', otherDriver]) {
        assert.ok(!atStart.includes(name), `quoin serve on ${dialect} loads ${name} at start`)
      }

      const secret = /\n\s+(qwoty_\S+)\n/.exec(server.stderr())![1]
      const base = `http://127.0.0.1:${server.port}`
      const created = await fetch(`${base}/api/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Globex',
          type: 'company',
          tax_ids: [{ tax: 'SIREN', tax_value: '404833047' }],
        }),
      })
      assert.equal(created.status, 201)
      assert.match(JSON.stringify((await created.json()).warnings), /fails the Luhn check digit/)
      const docs = await fetch(`${base}/docs/`)
      assert.equal(docs.status, 200)
      assert.match(await docs.text(), /swagger-ui/)
      const afterUse = await loaded()
      for (const name of ['stdnum', '@fastify/swagger-ui', '@fastify/static']) {
        assert.ok(afterUse.includes(name), `${name} is not loaded after its first use`)
      }
      server.child.kill('SIGTERM')
      assert.equal(await exited(server.child), 0)
    } finally {
      dir.remove()
      await database.drop()
    }
  })

  it("answers the seed's curl with the seed's body after quoin demo, to every demo token", async () => {
    const database = await createTestDatabase()
    try {
      const env = { DATABASE_URL: database.url }
      const tokens: string[] = []
      for (let i = 0; i < 2; i++) tokens.push(json((await quoin(['demo', '--json'], env)).stdout).token)
      const server = await startServer(env)
      try {
        for (const secret of tokens) {
          const res = await fetch(
            `http://127.0.0.1:${server.port}/api/customers/550e8400-e29b-41d4-a716-446655440000`,
            { headers: { Authorization: `Bearer ${secret}` } },
          )
          assert.equal(res.status, 200)
          // The documented keys, then Quoin's custom_properties.
          const seed = JSON.parse(readFileSync(SEED, 'utf8'))
          seed.data.custom_properties = {}
          assert.equal(await res.text(), JSON.stringify(seed))
        }
      } finally {
        server.child.kill('SIGTERM')
        assert.equal(await exited(server.child), 0)
      }
      for (const secret of tokens) assert.ok(!`${server.stdout()}${server.stderr()}`.includes(secret))
    } finally {
      await database.drop()
    }
  })
})
