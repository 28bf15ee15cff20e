import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import fc from 'fast-check'
import { type CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { createTestDatabase, dialect, nextInstant, type TestDatabase, tempDir } from '../../test/helpers.ts'
import { normalizeTaxValue } from '../domain/tax-ids.ts'
import { runWrite } from '../kernel/write.ts'
import { listContacts } from '../resources/contacts/store.ts'
import { createCustomer, listCustomers } from '../resources/customers/store.ts'
import { listSegments } from '../resources/segments/store.ts'
import { createWorkspace } from '../resources/workspaces/store.ts'
import { connect, type Db } from './connect.ts'
import { migrateTo, migrateToLatest } from './migrate.ts'
import { customerSearchTax, customerSearchText, FEW, fold } from './search.ts'
import type { Database } from './types.ts'

let database: TestDatabase
let db: Db

before(async () => {
  database = await createTestDatabase()
  db = connect(database.url)
  await migrateToLatest(db.kysely)
})
after(async () => {
  await db.close()
  await database.drop()
})

const workspace = async () => (await createWorkspace(db.kysely, { name: 'Search' })).id
const ids = (rows: { id: string }[]) => rows.map((r) => r.id)

describe('fold', () => {
  it('drops case and accents, and keeps what has no accent to drop', () => {
    assert.equal(fold('Société GÉNÉRALE'), 'societe generale')
    assert.equal(fold('SOCIÉTÉ'), fold('societe'))
    assert.equal(fold('Ǆemal İstanbul ﬁn'), 'dzemal istanbul fin')
    assert.equal(fold('ΟΔΟΣ'), 'οδοσ')
    assert.equal(fold('Straße Øre łódź'), 'straße øre łodz')
    assert.equal(fold('100%_a\\b'), '100%_a\\b')
  })
})

describe('search by q', () => {
  // Every text and q as the application folds them: the database must find exactly the records whose
  // folded field holds the folded q, through the trigram index (3 characters or more) or a scan.
  const alphabet = [
    ...'aeEéÉèsSoöOcçiİıt 0125',
    '%',
    '_',
    '\\',
    '"',
    "'",
    '-',
    '.',
    'ß',
    'ẞ',
    'ﬁ',
    'Σ',
    'ς',
    '\u001f',
    '\u0301',
    '😀',
  ]
  const text = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max })
  const record = fc.record({ name: text(1, 14), idCrm: fc.option(text(0, 8)), tax: fc.option(text(0, 10)) })

  it('finds exactly what the folded texts hold, on name, external ids and tax values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(text(1, 5), fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.boolean())), {
          minLength: 1,
          maxLength: 5,
        }),
        async (records, asks) => {
          const ws = await workspace()
          const made: string[] = []
          for (const r of records) {
            made.push(
              await runWrite(db.kysely, ws, (w) =>
                createCustomer(w, {
                  name: r.name,
                  type: 'company',
                  ...(r.idCrm !== null ? { id_crm: r.idCrm } : {}),
                  tax_ids: r.tax !== null ? [{ tax: 'VAT', tax_value: r.tax }] : [],
                }),
              ),
            )
          }
          for (const ask of asks) {
            // A q taken from a field, in upper case when asked, so that most asks find something.
            let q: string
            if (typeof ask === 'string') q = ask
            else {
              const [which, from, length, upper] = ask
              const r = records[which % records.length]!
              const field = [r.name, r.idCrm ?? r.name, r.tax ?? r.name][which % 3]!
              const chars = [...field]
              const start = from % Math.max(1, chars.length)
              q = chars.slice(start, start + 1 + (length % 6)).join('') || 'x'
              if (upper) q = q.toUpperCase()
            }
            const needle = fold(q)
            const taxNeedle = fold(normalizeTaxValue(q))
            const expected = made.filter((_, i) => {
              const r = records[i]!
              const inFields =
                needle !== '' && [r.name.trim(), r.idCrm ?? ''].some((f) => fold(f).includes(needle))
              const inTax =
                taxNeedle !== '' && r.tax !== null && fold(normalizeTaxValue(r.tax)).includes(taxNeedle)
              return inFields || inTax
            })
            const page = await listCustomers(db.kysely, ws, { q, limit: 1000 })
            assert.deepEqual(ids(page.rows), expected, `q=${JSON.stringify(q)}`)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it(`finds every match in order when more than ${FEW} records hold q, page after page`, async () => {
    const ws = await workspace()
    const rows = Array.from({ length: Math.ceil(FEW / 0.9) + 50 }, (_, i) => {
      const name = i % 10 === 3 ? `Atelier ${i}` : `Société N°${i}`
      const at = nextInstant()
      return {
        id: uuidv7(),
        workspace_id: ws,
        name,
        type: 'company' as const,
        created_at: at,
        updated_at: at,
        search_text: customerSearchText({ name }),
        search_tax: customerSearchTax([]),
      }
    })
    for (let i = 0; i < rows.length; i += 1000) {
      await db.kysely
        .insertInto('customers')
        .values(rows.slice(i, i + 1000))
        .execute()
    }
    const walk = async (q: string) => {
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await listCustomers(db.kysely, ws, { q, limit: 700, ...(cursor ? { cursor } : {}) })
        seen.push(...ids(page.rows))
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      return seen
    }
    const societe = rows.filter((r) => r.name.startsWith('Société')).map((r) => r.id)
    assert.ok(societe.length >= FEW, 'enough matches for the scan')
    assert.deepEqual(await walk('SOCIETE N'), societe)
    assert.deepEqual(await walk('n°2'), ids(rows.filter((r) => r.name.includes('N°2'))))
    assert.deepEqual(await walk('atelier 13'), ids(rows.filter((r) => /^Atelier 13\d*$/.test(r.name))))
  })
})

describe('migration 0005_search', () => {
  it('fills search_text for the records already there, keeps their versions, and comes down and up again', async () => {
    const old = await createTestDatabase()
    const o = connect(old.url)
    try {
      await migrateTo(o.kysely, '0004_first_contact')
      const k = o.kysely as unknown as Kysely<Database>
      const ws = uuidv7()
      const customer = uuidv7()
      const contact = uuidv7()
      const segment = uuidv7()
      const at = new Date().toISOString()
      await k.insertInto('workspaces').values({ id: ws, name: 'Old', created_at: at }).execute()
      await k
        .insertInto('segments')
        .values({
          id: segment,
          workspace_id: ws,
          name: 'Été',
          reference: 'PME-1',
          created_at: at,
          updated_at: at,
        })
        .execute()
      await k
        .insertInto('customers')
        .values({
          id: customer,
          workspace_id: ws,
          name: 'Société Ancienne',
          type: 'company',
          id_erp: 'ERP-Ü',
          created_at: at,
          updated_at: at,
        })
        .execute()
      await k
        .insertInto('customer_tax_ids')
        .values({
          workspace_id: ws,
          customer_id: customer,
          position: 0,
          tax: 'VAT',
          tax_value: 'FR 40 303 265 045',
          tax_value_norm: 'FR40303265045',
        })
        .execute()
      await k
        .insertInto('contacts')
        .values({
          id: contact,
          workspace_id: ws,
          customer_id: customer,
          first_name: 'Anaïs',
          last_name: 'Lefèvre',
          email: 'anais@example.com',
          role: '',
          created_at: at,
          updated_at: at,
        })
        .execute()
      const versions = () =>
        Promise.all(
          (['customers', 'contacts', 'segments'] as const).map(async (table) =>
            Number((await k.selectFrom(table).select('version').executeTakeFirstOrThrow()).version),
          ),
        )
      const before = await versions()
      const findAll = async () => ({
        customers: [
          ...ids((await listCustomers(k, ws, { q: 'SOCIETE ANC' })).rows),
          ...ids((await listCustomers(k, ws, { q: 'erp-u' })).rows),
          ...ids((await listCustomers(k, ws, { q: '303265' })).rows),
          ...ids((await listCustomers(k, ws, { q: 'so' })).rows),
        ],
        contacts: ids((await listContacts(k, ws, { q: 'LEFEVRE' }, {})).rows),
        segments: [
          ...ids((await listSegments(k, ws, { q: 'ete' })).rows),
          ...ids((await listSegments(k, ws, { q: 'pme-1' })).rows),
        ],
      })
      const everywhere = {
        customers: [customer, customer, customer, customer],
        contacts: [contact],
        segments: [segment, segment],
      }
      await migrateToLatest(k)
      assert.deepEqual(await findAll(), everywhere)
      assert.deepEqual(await versions(), before, 'filling the columns is no change of the records')
      if (dialect === 'sqlite') {
        for (const table of ['customers', 'contacts', 'segments']) {
          const fts = sql.table(`${table}_search`)
          await sql`insert into ${fts}(${fts}, rank) values ('integrity-check', 1)`.execute(k)
        }
      }
      await migrateTo(k, '0004_first_contact')
      const columns = await sql<{
        n: number
      }>`select count(*) as n from customers where name like 'Soc%'`.execute(k)
      assert.equal(Number(columns.rows[0]!.n), 1)
      await migrateToLatest(k)
      assert.deepEqual(await findAll(), everywhere)
    } finally {
      await o.close()
      await old.drop()
    }
  })
})

describe('query plans on SQLite', { skip: dialect !== 'sqlite' }, () => {
  // Without statistics, SQLite takes `workspace_id = ?` for ten rows: these lists must still be found
  // through their own index, never by walking the workspace's rows (see src/db/lookup.ts).
  it('look exact filters and searches up through their index, and start a page at its cursor', async () => {
    const dir = tempDir()
    const statements: CompiledQuery[] = []
    const raw = new Sqlite(`${dir.path}/plans.db`)
    const k = new Kysely<Database>({
      dialect: new SqliteDialect({ database: raw }),
      log: (event) => {
        if (event.level === 'query') statements.push(event.query)
      },
    })
    try {
      await migrateToLatest(k)
      const ws = (await createWorkspace(k, { name: 'Plans' })).id
      await runWrite(k, ws, (w) => createCustomer(w, { name: 'Société Une', type: 'company' }))
      await runWrite(k, ws, (w) => createCustomer(w, { name: 'Autre', type: 'company' }))
      const plan = async (list: () => Promise<unknown>) => {
        statements.length = 0
        await list()
        const main = statements.filter((s) => /order by/.test(s.sql)).at(-1)!
        const rows = raw.prepare(`explain query plan ${main.sql}`).all(...(main.parameters as unknown[]))
        return (rows as { detail: string }[]).map((r) => r.detail).join('\n')
      }
      const lookup = (table: string) =>
        `SEARCH t USING INDEX ${table}_workspace_created (workspace_id=? AND created_at=? AND id=?)`
      const tax = await plan(() => listCustomers(k, ws, { tax_value: 'FR 12' }))
      assert.ok(tax.includes(lookup('customers')), tax)
      assert.ok(
        tax.includes('USING INDEX customer_tax_ids_workspace_value (workspace_id=? AND tax_value_norm=?)'),
        tax,
      )
      const crm = await plan(() => listCustomers(k, ws, { id_crm: 'CRM-1' }))
      assert.ok(crm.includes(lookup('customers')), crm)
      assert.ok(crm.includes('USING INDEX customers_workspace_id_crm (workspace_id=? AND id_crm=?)'), crm)
      const q = await plan(() => listCustomers(k, ws, { q: 'societe' }))
      assert.ok(q.includes(lookup('customers')), q)
      const email = await plan(() => listContacts(k, ws, { email: 'A@example.com' }, {}))
      assert.ok(email.includes(lookup('contacts')), email)
      assert.ok(email.includes('USING INDEX contacts_workspace_email (workspace_id=? AND <expr>=?)'), email)
      const first = await listCustomers(k, ws, { limit: 1 })
      const next = await plan(() => listCustomers(k, ws, { limit: 1, cursor: first.next_cursor! }))
      assert.ok(next.includes('customers_workspace_created (workspace_id=? AND (created_at,id)>(?,?))'), next)
    } finally {
      await k.destroy()
      dir.remove()
    }
  })
})
