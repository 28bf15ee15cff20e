// The bench's database: a fresh SQLite file, or a fresh PostgreSQL schema, filled with one workspace,
// an all-scopes token and N customers, each with 2 tax ids, 2 contacts and 1 address.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Insertable } from 'kysely'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import type { Db } from '../src/db/connect.ts'
import type { Database } from '../src/db/types.ts'
import type { Customer } from '../src/resources/customers/schema.ts'
import { findCustomer } from '../src/resources/customers/store.ts'
import { createToken } from '../src/resources/tokens/store.ts'
import { createWorkspace } from '../src/resources/workspaces/store.ts'

export interface BenchDatabase {
  url: string
  dialect: 'sqlite' | 'postgres'
  drop(): Promise<void>
}

/** SQLite in `dir`, or a new schema of the PostgreSQL server at `postgresUrl`. */
export async function createBenchDatabase(dir: string, postgresUrl?: string): Promise<BenchDatabase> {
  if (!postgresUrl) return { url: `sqlite:${join(dir, 'bench.db')}`, dialect: 'sqlite', drop: async () => {} }
  const schema = `quoin_bench_${randomBytes(6).toString('hex')}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await admin(`create schema ${schema}`)
  const url = new URL(postgresUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: url.toString(),
    dialect: 'postgres',
    drop: () => admin(`set lock_timeout = '5s'; drop schema if exists ${schema} cascade`),
  }
}

// 250 customers per transaction: the widest insert (500 contacts x 13 columns = 6,500 parameters)
// stays far below SQLite's limit of 32,766 bound variables.
const BATCH = 250

/** Inserts the tenant and its customers; returns the token secret and the customer ids. */
export async function seed(db: Db, count: number) {
  const k = db.kysely
  const workspace = await createWorkspace(k, { name: 'Bench' })
  const { row: token, secret } = await createToken(k, {
    workspaceId: workspace.id,
    name: 'bench',
    scopes: ['*'],
  })
  const workspace_id = workspace.id
  const start = Date.parse('2026-01-01T00:00:00.000Z')
  const at = (i: number, offset: number) => new Date(start + i * 1000 + offset).toISOString()
  const ids: string[] = []

  for (let from = 0; from < count; from += BATCH) {
    const customers: Insertable<Database['customers']>[] = []
    const taxIds: Insertable<Database['customer_tax_ids']>[] = []
    const contacts: Insertable<Database['contacts']>[] = []
    const addresses: Insertable<Database['addresses']>[] = []
    for (let i = from; i < Math.min(from + BATCH, count); i++) {
      const id = uuidv7()
      const created = at(i, 0)
      ids.push(id)
      customers.push({
        id,
        workspace_id,
        name: `Customer ${i}`,
        type: i % 4 === 0 ? 'individual' : 'company',
        segment_id: null,
        logo: `https://example.com/logos/${i}.png`,
        id_crm: `crm-${i}`,
        id_erp: null,
        id_accounting: `acc-${i}`,
        created_at: created,
        updated_at: created,
      })
      const siren = String(100_000_000 + i)
      taxIds.push(
        { workspace_id, customer_id: id, position: 0, tax: 'VAT', tax_value: `FR12${siren}` },
        { workspace_id, customer_id: id, position: 1, tax: 'SIREN', tax_value: siren },
      )
      for (const n of [1, 2]) {
        contacts.push({
          id: uuidv7(),
          workspace_id,
          customer_id: id,
          first_name: 'Ada',
          last_name: `Contact ${i}.${n}`,
          email: `ada.${i}.${n}@example.com`,
          phone: null,
          role: n === 1 ? 'billing' : '',
          id_crm: null,
          id_erp: null,
          id_accounting: null,
          created_at: at(i, n),
          updated_at: at(i, n),
        })
      }
      addresses.push({
        id: uuidv7(),
        workspace_id,
        customer_id: id,
        contact_id: null,
        type: 'billing',
        name: null,
        address_line1: `${i + 1} rue de Rivoli`,
        address_line2: null,
        city: 'Paris',
        state: null,
        postal_code: '75001',
        country: 'FR',
        comment: null,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        created_at: at(i, 3),
        updated_at: at(i, 3),
      })
    }
    await k.transaction().execute(async (trx) => {
      await trx.insertInto('customers').values(customers).execute()
      await trx.insertInto('customer_tax_ids').values(taxIds).execute()
      await trx.insertInto('contacts').values(contacts).execute()
      await trx.insertInto('addresses').values(addresses).execute()
    })
  }
  return { workspaceId: workspace_id, secret, tokenHash: token.token_hash, ids }
}

/** Every seeded customer as the API shows it, read through the same store function as Quoin's route. */
export async function exportCustomers(db: Db, workspaceId: string, ids: string[]): Promise<Customer[]> {
  const out: Customer[] = []
  for (let i = 0; i < ids.length; i += 100) {
    const found = await Promise.all(
      ids.slice(i, i + 100).map((id) => findCustomer(db.kysely, workspaceId, id)),
    )
    for (const c of found) {
      if (!c) throw new Error('a seeded customer was not found')
      out.push(c.value)
    }
  }
  return out
}
