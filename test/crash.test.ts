// Crash safety: `quoin serve` is killed with SIGKILL while it writes, then restarted on the same database.
// Every record must come back whole or not at all, and every write whose 2xx answer arrived must survive.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RawBuilder, sql } from 'kysely'
import { connect } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { normalizeTaxValue } from '../src/domain/tax-ids.ts'
import type { Address } from '../src/resources/addresses/schema.ts'
import type { Contact } from '../src/resources/contacts/schema.ts'
import type { Customer } from '../src/resources/customers/schema.ts'
import { killAllServers, type Response, type ServerProcess, startServer } from './fixtures/crash-server.ts'
import { buildTenant, createTestDatabase, dialect, type TestDatabase } from './helpers.ts'

const ROUNDS = 3
const CONCURRENCY = 8
/**
 * The kill comes once WARM_UP_ACKS writes, plus a random number in KILL_AFTER_ACKS, were answered: at an
 * instant chosen by what the server did, not by a timer, with CONCURRENCY - 1 writes in flight at least.
 */
const WARM_UP_ACKS = 100
const KILL_AFTER_ACKS = [20, 300] as const

const ORIGINAL = [
  { tax: 'SIREN', tax_value: '404833048' },
  { tax: 'SIRET', tax_value: '40483304800014' },
  { tax: 'VAT', tax_value: 'FR83404833048' },
]
const PATCHED = [
  { tax: 'SIREN', tax_value: '732829320' },
  { tax: 'VAT', tax_value: 'FR44732829320' },
]
/** The writes of one unit of work, in the order they are sent; each is sent once its predecessor got a 2xx. */
const STEPS = ['create', 'contact a', 'contact b', 'address', 'patch'] as const
const CONTACT_KEYS = ['a', 'b'] as const

/** What the test knows of the customer `crash-<n>`. */
interface Unit {
  n: number
  id: string | undefined
  /** How many of STEPS were sent, and how many of them were answered 2xx (a prefix: acked <= sent). */
  sent: number
  acked: number
  /** The ids answered for its contacts and address (all of them once the unit is settled). */
  contactIds: string[]
  addressIds: string[]
}

interface RoundStats {
  round: number
  units: number
  acked: number
  writingMs: number
  inFlightAtKill: number
  answeredAfterKill: number
  unexpected: string[]
}

// Seeded, so a failing run can be replayed: CRASH_SEED=<seed> (the kill instants still vary with speed).
const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
let rngState = seed
function random(): number {
  rngState = (rngState + 0x6d2b79f5) | 0
  let x = Math.imul(rngState ^ (rngState >>> 15), 1 | rngState)
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: limit }, worker))
}

interface Data<T> {
  success: true
  data: T
}
interface Page<T> extends Data<T[]> {
  has_more: boolean
  next_cursor: string | null
}
type CustomerExpanded = Customer & { contacts: Contact[]; addresses: Address[] }

async function listAll<T>(server: ServerProcess, path: string): Promise<T[]> {
  const rows: T[] = []
  let cursor: string | null = null
  do {
    const res: Response<Page<T>> = await server.request<Page<T>>(
      'GET',
      `${path}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    assert.equal(res.status, 200, `GET ${path}: ${JSON.stringify(res.body)}`)
    rows.push(...res.body.data)
    cursor = res.body.has_more ? res.body.next_cursor : null
  } while (cursor)
  return rows
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Sends one write of a unit; resolves with its `data` if answered 2xx, else undefined. */
type Send = <T>(unit: Unit, method: string, path: string, body: unknown) => Promise<T | undefined>

class Workload {
  readonly units = new Map<number, Unit>()
  private nextN = 1
  /** Units sent but not answered when the server died, resolved after the restart. */
  committedUnanswered = 0
  notCommitted = 0

  constructor(
    private readonly databaseUrl: string,
    private readonly workspaceId: string,
  ) {}

  /** Writes with CONCURRENCY requests in flight, SIGKILLs the server at a random instant, waits for the dust. */
  async writeThenKill(server: ServerProcess, round: number): Promise<RoundStats> {
    let stopping = false
    let inFlight = 0
    let acked = 0
    let answeredAfterKill = 0
    const unexpected: string[] = []
    const firstUnit = this.nextN
    const killAt =
      WARM_UP_ACKS + KILL_AFTER_ACKS[0] + Math.floor(random() * (KILL_AFTER_ACKS[1] - KILL_AFTER_ACKS[0]))
    let reachKillPoint!: () => void
    const killPoint = new Promise<void>((resolve) => {
      reachKillPoint = resolve
    })

    const send: Send = async <T>(unit: Unit, method: string, path: string, body: unknown) => {
      if (stopping) return undefined
      unit.sent++
      inFlight++
      try {
        const res = await server.request<Data<T>>(method, path, body)
        if (res.status < 200 || res.status >= 300) {
          unexpected.push(`${method} ${path} (crash-${unit.n}): ${res.status} ${JSON.stringify(res.body)}`)
          reachKillPoint()
          return undefined
        }
        unit.acked++
        acked++
        if (stopping) answeredAfterKill++
        else if (acked >= killAt) reachKillPoint()
        return res.body.data
      } catch (err) {
        if (!stopping) {
          unexpected.push(`${method} ${path} (crash-${unit.n}): ${(err as Error).message}`)
          reachKillPoint()
        }
        return undefined
      } finally {
        inFlight--
      }
    }

    const worker = async () => {
      while (!stopping) {
        const unit = this.newUnit()
        await this.runUnit(unit, send, unexpected)
      }
    }

    const started = Date.now()
    const workers = Array.from({ length: CONCURRENCY }, worker)
    await killPoint
    const writingMs = Date.now() - started
    stopping = true
    const inFlightAtKill = inFlight
    await server.kill()
    await Promise.all(workers)
    return {
      round,
      units: this.nextN - firstUnit,
      acked,
      writingMs,
      inFlightAtKill,
      answeredAfterKill,
      unexpected,
    }
  }

  /** One more unit of work, not interrupted: all of it must be answered 2xx. */
  async writeOne(server: ServerProcess): Promise<Unit> {
    const unexpected: string[] = []
    const unit = this.newUnit()
    const send: Send = async <T>(u: Unit, method: string, path: string, body: unknown) => {
      u.sent++
      const res = await server.request<Data<T>>(method, path, body)
      if (res.status >= 200 && res.status < 300) {
        u.acked++
        return res.body.data
      }
      unexpected.push(`${method} ${path} (crash-${u.n}): ${res.status} ${JSON.stringify(res.body)}`)
      return undefined
    }
    await this.runUnit(unit, send, unexpected)
    assert.deepEqual(
      unexpected,
      [],
      server
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":50'))
        .join('\n'),
    )
    return unit
  }

  private newUnit(): Unit {
    const unit: Unit = { n: this.nextN++, id: undefined, sent: 0, acked: 0, contactIds: [], addressIds: [] }
    this.units.set(unit.n, unit)
    return unit
  }

  /** The writes of STEPS for a new customer, each once the previous one was answered 2xx. */
  private async runUnit(unit: Unit, send: Send, unexpected: string[]): Promise<void> {
    const { n } = unit
    const created = await send<Customer>(unit, 'POST', '/api/customers', {
      name: `crash-${n}`,
      type: 'company',
      tax_ids: ORIGINAL,
    })
    if (!created) return
    unit.id = created.id
    if (created.name !== `crash-${n}` || !sameJson(created.tax_ids, ORIGINAL)) {
      unexpected.push(`POST /api/customers answered crash-${n} as ${JSON.stringify(created)}`)
    }
    for (const key of CONTACT_KEYS) {
      const contact = await send<Contact>(unit, 'POST', '/api/contacts', {
        customer_id: created.id,
        first_name: 'Ada',
        last_name: `crash-${n}-${key}`,
        email: `crash-${n}-${key}@example.com`,
      })
      if (!contact) return
      unit.contactIds.push(contact.id)
    }
    const address = await send<Address>(unit, 'POST', '/api/addresses', {
      customer_id: created.id,
      contact_id: unit.contactIds[0],
      type: 'billing',
      address_line1: `${n} rue de Rivoli`,
      city: 'Paris',
      postal_code: '75001',
      country: 'FR',
    })
    if (!address) return
    unit.addressIds.push(address.id)
    const patched = await send<Customer>(unit, 'PATCH', `/api/customers/${created.id}`, {
      name: `crash-${n}-patched`,
      tax_ids: PATCHED,
    })
    if (patched && (patched.name !== `crash-${n}-patched` || !sameJson(patched.tax_ids, PATCHED))) {
      unexpected.push(`PATCH answered crash-${n} as ${JSON.stringify(patched)}`)
    }
  }

  /**
   * Checks the restarted server and the database against what was sent and answered, then settles every
   * unit to what is there: later rounds must find exactly that again.
   */
  async verify(server: ServerProcess): Promise<void> {
    const problems: string[] = []
    const expect = (ok: boolean, message: () => string) => {
      if (!ok) problems.push(message())
    }

    const ready = await server.request('GET', '/ready')
    assert.equal(ready.status, 200, JSON.stringify(ready.body))
    assert.deepEqual(ready.body, { status: 'ready', database: 'ok' })

    const customers = await listAll<Customer>(server, '/api/customers')
    const contacts = await listAll<Contact>(server, '/api/contacts')
    const addresses = await listAll<Address>(server, '/api/addresses')
    const customerIds = new Set(customers.map((c) => c.id))
    const contactsOf = new Map<string, Contact[]>()
    for (const k of contacts) {
      expect(customerIds.has(k.customer_id), () => `orphan contact ${JSON.stringify(k)}`)
      contactsOf.set(k.customer_id, [...(contactsOf.get(k.customer_id) ?? []), k])
    }
    const addressesOf = new Map<string, Address[]>()
    for (const a of addresses) {
      expect(customerIds.has(a.customer_id), () => `orphan address ${JSON.stringify(a)}`)
      addressesOf.set(a.customer_id, [...(addressesOf.get(a.customer_id) ?? []), a])
    }

    /** For each n, the number of STEPS that the stored state shows done. */
    const observed = new Map<
      number,
      { customer: Customer; steps: number; contacts: Contact[]; addresses: Address[] }
    >()
    for (const c of customers) {
      const m = /^crash-(\d+)(-patched)?$/.exec(c.name)
      if (!m) {
        problems.push(`customer with an unexpected name: ${JSON.stringify(c)}`)
        continue
      }
      const n = Number(m[1])
      const patched = m[2] !== undefined
      const what = `crash-${n} (${c.id})`
      expect(!observed.has(n), () => `crash-${n} exists twice: ${observed.get(n)?.customer.id} and ${c.id}`)
      expect(
        sameJson(c.tax_ids, patched ? PATCHED : ORIGINAL),
        () => `${what} is named "${c.name}" but has tax_ids ${JSON.stringify(c.tax_ids)}`,
      )
      const ks = contactsOf.get(c.id) ?? []
      const as = addressesOf.get(c.id) ?? []
      expect(
        sameJson(
          c.contact_ids,
          ks.map((k) => k.id),
        ),
        () => `${what}: contact_ids ${JSON.stringify(c.contact_ids)} but contacts ${JSON.stringify(ks)}`,
      )
      expect(
        sameJson(
          c.address_ids,
          as.map((a) => a.id),
        ),
        () => `${what}: address_ids ${JSON.stringify(c.address_ids)} but addresses ${JSON.stringify(as)}`,
      )
      expect(ks.length <= 2 && as.length <= 1, () => `${what}: ${ks.length} contacts, ${as.length} addresses`)
      ks.forEach((k, i) => {
        const key = CONTACT_KEYS[i]
        expect(
          k.first_name === 'Ada' &&
            k.last_name === `crash-${n}-${key}` &&
            k.email === `crash-${n}-${key}@example.com`,
          () => `${what}: contact #${i + 1} is not contact ${key}: ${JSON.stringify(k)}`,
        )
      })
      for (const a of as) {
        expect(
          a.type === 'billing' &&
            a.address_line1 === `${n} rue de Rivoli` &&
            a.city === 'Paris' &&
            a.postal_code === '75001' &&
            a.country === 'FR' &&
            a.contact_id === ks[0]?.id,
          () => `${what}: address is not the one sent: ${JSON.stringify(a)}`,
        )
      }
      // The steps are sent one after the other: what is stored must be a prefix of STEPS.
      const prefix = (ks.length === 2 || (as.length === 0 && !patched)) && (as.length === 1 || !patched)
      expect(
        prefix,
        () =>
          `${what}: not a prefix of ${STEPS.join(', ')}: ${ks.length} contacts, ${as.length} addresses, ${patched ? '' : 'not '}patched`,
      )
      observed.set(n, {
        customer: c,
        steps: 1 + ks.length + as.length + (patched ? 1 : 0),
        contacts: ks,
        addresses: as,
      })
    }

    for (const [n, unit] of this.units) {
      const seen = observed.get(n)
      const steps = seen?.steps ?? 0
      const done = (k: number) => (k === 0 ? 'nothing' : `through "${STEPS[k - 1]}"`)
      expect(
        steps >= unit.acked && steps <= unit.sent,
        () =>
          `crash-${n}${unit.id ? ` (${unit.id})` : ''}: the database holds ${done(steps)}, but ${done(unit.acked)} ` +
          `was acknowledged and ${done(unit.sent)} sent${steps < unit.acked ? ': ACKNOWLEDGED WRITES LOST' : ''}`,
      )
      if (!seen) continue
      expect(
        !unit.id || seen.customer.id === unit.id,
        () => `crash-${n}: id ${seen.customer.id}, answered ${unit.id}`,
      )
      unit.contactIds.forEach((id, i) => {
        expect(seen.contacts[i]?.id === id, () => `crash-${n}: acknowledged contact ${id} missing`)
      })
      unit.addressIds.forEach((id, i) => {
        expect(seen.addresses[i]?.id === id, () => `crash-${n}: acknowledged address ${id} missing`)
      })
    }
    for (const n of observed.keys()) expect(this.units.has(n), () => `crash-${n} exists but was never sent`)

    // The single-customer read (prepared statement, read connection, cache) agrees with the lists.
    await mapLimit(customers, CONCURRENCY, async (c) => {
      const res = await server.request<Data<CustomerExpanded>>(
        'GET',
        `/api/customers/${c.id}?expand=contacts,addresses`,
      )
      const { contacts: ks, addresses: as, ...one } = res.body.data ?? {}
      expect(
        res.status === 200 &&
          sameJson(one, c) &&
          sameJson(ks, contactsOf.get(c.id) ?? []) &&
          sameJson(as, addressesOf.get(c.id) ?? []),
        () =>
          `GET /api/customers/${c.id} disagrees with the lists: ${res.status} ${JSON.stringify(res.body)}`,
      )
    })

    await this.checkDatabase(customers, contacts, addresses, expect)

    assert.deepEqual(problems, [], `${problems.length} problem(s) after the restart`)

    // Settle: what is stored now is what must be found after every later restart.
    for (const [n, unit] of this.units) {
      const seen = observed.get(n)
      const steps = seen?.steps ?? 0
      if (unit.sent > unit.acked) {
        if (steps > unit.acked) this.committedUnanswered++
        else this.notCommitted++
      }
      unit.sent = unit.acked = steps
      unit.id = seen?.customer.id
      unit.contactIds = seen?.contacts.map((k) => k.id) ?? []
      unit.addressIds = seen?.addresses.map((a) => a.id) ?? []
    }
  }

  /** The same records straight from the database, its integrity, and no row without its parent. */
  private async checkDatabase(
    customers: Customer[],
    contacts: Contact[],
    addresses: Address[],
    expect: (ok: boolean, message: () => string) => void,
  ) {
    const db = connect(this.databaseUrl)
    try {
      const k = db.kysely
      const ws = this.workspaceId
      const stored = await k.selectFrom('customers').selectAll().where('workspace_id', '=', ws).execute()
      const api = new Map(customers.map((c) => [c.id, c]))
      expect(
        stored.length === customers.length,
        () => `${stored.length} customer rows, the API lists ${customers.length}`,
      )
      for (const row of stored) {
        expect(
          api.get(row.id)?.name === row.name && row.deleted_at === null,
          () =>
            `customer row ${JSON.stringify(row)} differs from the API's ${JSON.stringify(api.get(row.id))}`,
        )
      }
      const taxRows = await k
        .selectFrom('customer_tax_ids')
        .selectAll()
        .where('workspace_id', '=', ws)
        .orderBy('customer_id')
        .orderBy('position')
        .execute()
      const taxOf = new Map<string, typeof taxRows>()
      for (const row of taxRows) taxOf.set(row.customer_id, [...(taxOf.get(row.customer_id) ?? []), row])
      for (const row of stored) {
        const rows = taxOf.get(row.id) ?? []
        const expected = row.name.endsWith('-patched') ? PATCHED : ORIGINAL
        expect(
          sameJson(
            rows.map((r) => r.position),
            expected.map((_, i) => i),
          ) &&
            sameJson(
              rows.map((r) => ({ tax: r.tax, tax_value: r.tax_value })),
              expected,
            ) &&
            rows.every((r) => r.tax_value_norm === normalizeTaxValue(r.tax_value)),
          () => `customer ${row.id} "${row.name}" has tax id rows ${JSON.stringify(rows)}`,
        )
      }

      const contactRows = await k.selectFrom('contacts').selectAll().where('workspace_id', '=', ws).execute()
      expect(
        sameJson(contactRows.map((r) => r.id).sort(), contacts.map((c) => c.id).sort()),
        () => `${contactRows.length} contact rows, the API lists ${contacts.length}`,
      )
      for (const r of contactRows) {
        expect(
          Boolean(r.first_name && r.last_name && r.email && r.created_at && r.updated_at) &&
            r.deleted_at === null,
          () => `incomplete contact row ${JSON.stringify(r)}`,
        )
      }
      const addressRows = await k.selectFrom('addresses').selectAll().where('workspace_id', '=', ws).execute()
      expect(
        sameJson(addressRows.map((r) => r.id).sort(), addresses.map((a) => a.id).sort()),
        () => `${addressRows.length} address rows, the API lists ${addresses.length}`,
      )
      for (const r of addressRows) {
        expect(
          Boolean(r.type && r.address_line1 && r.city && r.postal_code && r.country && r.created_at) &&
            r.deleted_at === null,
          () => `incomplete address row ${JSON.stringify(r)}`,
        )
      }

      // Every committed change has exactly one event, and no event tells of a change that did not commit:
      // a created event for each row, an updated event for each patched customer, nothing else.
      const events = await k
        .selectFrom('events')
        .select(['type', 'record_id'])
        .where('workspace_id', '=', ws)
        .execute()
      const counted = new Map<string, number>()
      for (const e of events)
        counted.set(`${e.type} ${e.record_id}`, (counted.get(`${e.type} ${e.record_id}`) ?? 0) + 1)
      const wanted = new Map<string, number>()
      for (const row of stored) {
        wanted.set(`customer.created ${row.id}`, 1)
        if (row.name.endsWith('-patched')) wanted.set(`customer.updated ${row.id}`, 1)
      }
      for (const r of contactRows) wanted.set(`contact.created ${r.id}`, 1)
      for (const r of addressRows) wanted.set(`address.created ${r.id}`, 1)
      for (const key of new Set([...wanted.keys(), ...counted.keys()])) {
        expect(
          (counted.get(key) ?? 0) === (wanted.get(key) ?? 0),
          () => `${counted.get(key) ?? 0} event(s) ${key}, expected ${wanted.get(key) ?? 0}`,
        )
      }

      // Across the whole database, every row's parent exists (PostgreSQL enforces these; SQLite too, with
      // foreign_keys on, but a torn write would show here first).
      const orphans: Record<string, RawBuilder<{ n: number | string }>> = {
        'tax ids without customer': sql`select count(*) as n from customer_tax_ids x
          left join customers c on c.workspace_id = x.workspace_id and c.id = x.customer_id where c.id is null`,
        'contacts without customer': sql`select count(*) as n from contacts k
          left join customers c on c.workspace_id = k.workspace_id and c.id = k.customer_id where c.id is null`,
        'addresses without customer': sql`select count(*) as n from addresses a
          left join customers c on c.workspace_id = a.workspace_id and c.id = a.customer_id where c.id is null`,
        'addresses whose contact is missing or another customer’s': sql`select count(*) as n from addresses a
          left join contacts k on k.id = a.contact_id
          where a.contact_id is not null and (k.id is null or k.customer_id <> a.customer_id)`,
        'customers without workspace': sql`select count(*) as n from customers c
          left join workspaces w on w.id = c.workspace_id where w.id is null`,
        'tokens without workspace': sql`select count(*) as n from api_tokens t
          left join workspaces w on w.id = t.workspace_id where w.id is null`,
      }
      for (const [what, query] of Object.entries(orphans)) {
        const { rows } = await query.execute(k)
        expect(Number(rows[0]?.n) === 0, () => `${rows[0]?.n} ${what}`)
      }

      if (dialect === 'sqlite') {
        const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(k)
        expect(
          sameJson(integrity.rows, [{ integrity_check: 'ok' }]),
          () => `integrity_check: ${JSON.stringify(integrity.rows)}`,
        )
        const fk = await sql`pragma foreign_key_check`.execute(k)
        expect(fk.rows.length === 0, () => `foreign_key_check: ${JSON.stringify(fk.rows)}`)
      }
    } finally {
      await db.close()
    }
  }
}

describe(`crash safety on ${dialect}: quoin serve killed with SIGKILL while writing`, () => {
  let database: TestDatabase | undefined
  let workload: Workload
  let env: Record<string, string>
  let auth: Record<string, string>

  before(async () => {
    database = await createTestDatabase()
    const db = connect(database.url)
    try {
      await migrateToLatest(db.kysely)
      const tenant = await buildTenant(db)
      auth = tenant.auth
      workload = new Workload(database.url, tenant.workspaceId)
    } finally {
      await db.close()
    }
    env = { DATABASE_URL: database.url }
  })

  after(async () => {
    await killAllServers()
    await database?.drop()
  })

  it(`keeps every record whole or absent and every acknowledged write, across ${ROUNDS} kills`, {
    timeout: 90_000,
  }, async (t) => {
    t.diagnostic(`CRASH_SEED=${seed}`)
    const started = Date.now()
    let server = await startServer(env, auth)
    for (let round = 1; round <= ROUNDS; round++) {
      const stats = await workload.writeThenKill(server, round)
      assert.deepEqual(stats.unexpected, [], `round ${round}: writes failed before the kill`)
      assert.ok(stats.inFlightAtKill > 0, `round ${round}: no request was in flight at the kill`)
      t.diagnostic(
        `round ${round}: killed after ${stats.writingMs} ms, ${stats.units} units started, ${stats.acked} writes ` +
          `acknowledged (${stats.answeredAfterKill} of them answered after SIGKILL was sent), ` +
          `${stats.inFlightAtKill} in flight at SIGKILL`,
      )
      const restarting = Date.now()
      server = await startServer(env, auth)
      const verifying = Date.now()
      await workload.verify(server)
      t.diagnostic(
        `round ${round}: ready again in ${verifying - restarting} ms, verified in ${Date.now() - verifying} ms`,
      )
    }
    t.diagnostic(
      `unanswered writes found committed after restart: ${workload.committedUnanswered}, ` +
        `not committed: ${workload.notCommitted}`,
    )

    // The last restarted server still writes, reads, and shuts down cleanly.
    const unit = await workload.writeOne(server)
    assert.equal(unit.acked, STEPS.length)
    await workload.verify(server)
    assert.equal(await server.stop('SIGTERM'), 0, server.output())
    t.diagnostic(`${workload.units.size} units in ${Date.now() - started} ms`)
  })
})
