// The bench's database: a fresh SQLite file, or a fresh PostgreSQL schema, filled with one workspace,
// an all-scopes token and N customers, each with 2 tax ids, 2 contacts and 1 address, M products with
// their filled-in prices, and quotes of those products.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Insertable } from 'kysely'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import type { Db } from '../src/db/connect.ts'
import type { Database } from '../src/db/types.ts'
import { runWrite } from '../src/kernel/write.ts'
import type { Customer } from '../src/resources/customers/schema.ts'
import { findCustomer } from '../src/resources/customers/store.ts'
import { syncPrices } from '../src/resources/prices/sync.ts'
import { createQuote } from '../src/resources/quotes/service.ts'
import { findQuote } from '../src/resources/quotes/store.ts'
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

/**
 * Adds `count` one-off products to the Standard catalog, lets Quoin make their rows in the Standard
 * pricebook, and fills each as the docs' example (flat 99.99, cost 50, floor 80, VAT 20%); returns the
 * price ids.
 */
export async function seedPrices(db: Db, workspaceId: string, count: number): Promise<string[]> {
  const k = db.kysely
  const catalog = await k
    .selectFrom('catalogs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('api_name', '=', 'standard')
    .executeTakeFirstOrThrow()
  const tax = await k
    .selectFrom('taxes')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  const start = Date.parse('2026-02-01T00:00:00.000Z')
  for (let from = 0; from < count; from += BATCH) {
    const parents: Insertable<Database['product_parents']>[] = []
    const links: Insertable<Database['product_parent_catalogs']>[] = []
    const variants: Insertable<Database['products']>[] = []
    for (let i = from; i < Math.min(from + BATCH, count); i++) {
      const at = new Date(start + i * 1000).toISOString()
      const parent = uuidv7()
      parents.push({
        id: parent,
        workspace_id: workspaceId,
        name: `Widget ${i}`,
        api_name: `widget_${i}`,
        recurrence_type: 'one_off',
        description: null,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        created_by: null,
        updated_by: null,
        created_at: at,
        updated_at: at,
      })
      links.push({
        workspace_id: workspaceId,
        product_parent_id: parent,
        catalog_id: catalog.id,
        position: 0,
      })
      variants.push({
        id: uuidv7(),
        workspace_id: workspaceId,
        product_parent_id: parent,
        name: `Widget ${i}`,
        api_name: `widget_${i}`,
        reference: `WID-${i}`,
        description: null,
        description_inherit_from_product: 1,
        primary_image_inherit_from_product: 1,
        primary_image_id: null,
        is_active: 1,
        is_default: 1,
        position: 0,
        product_type: null,
        language_id: null,
        unit_of_measure: null,
        weight: null,
        weight_unit: null,
        height: null,
        length: null,
        width: null,
        length_unit: null,
        country_of_origin: null,
        harmonized_system_code: null,
        sku: null,
        ledger_account: null,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        created_by: null,
        updated_by: null,
        created_at: at,
        updated_at: at,
      })
    }
    await k.transaction().execute(async (trx) => {
      await trx.insertInto('product_parents').values(parents).execute()
      await trx.insertInto('product_parent_catalogs').values(links).execute()
      await trx.insertInto('products').values(variants).execute()
    })
  }
  await runWrite(k, workspaceId, (w) => syncPrices(w))
  await k
    .updateTable('prices')
    .set({
      pricing_model: 'flat',
      amount: '99.99',
      cost: '50',
      floor_price: '80',
      default_tax_id: tax.id,
      id_crm: 'crm_price_001',
    })
    .where('workspace_id', '=', workspaceId)
    .execute()
  const rows = await k
    .selectFrom('prices')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute()
  return rows.map((r) => r.id)
}

export interface SeededQuotes {
  /** The quote GET /api/quote/{id} reads. */
  read: { id: string; lines: number }
  /** The quotes lines are added to: `{quote id}/phases/{phase id}/line-items`, after /api/quotes/. */
  grown: { paths: string[]; lines: number }
  /** The variant every added line names. */
  variantId: string
}

/**
 * Quotes made by createQuote (the code of POST /api/quotes) for the first customer, of the products seedPrices
 * made: one of `readLines` lines to read, and `growCount` of `growLines` lines each to add lines to. Every
 * fifth line takes 10% off, and the quote 5%, so that the engine has discounts to share.
 */
export async function seedQuotes(
  db: Db,
  workspaceId: string,
  customerId: string,
  sizes: { readLines: number; growLines: number; growCount: number },
): Promise<SeededQuotes> {
  const k = db.kysely
  const most = Math.max(sizes.readLines, sizes.growLines)
  const variants = await k
    .selectFrom('products')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .limit(most)
    .execute()
  if (variants.length === 0) throw new Error('seedQuotes needs the products of seedPrices')
  const make = (lines: number) =>
    runWrite(k, workspaceId, async (w) => {
      const id = await createQuote(w, {
        customer_id: customerId,
        title: `Bench quote of ${lines} lines`,
        discount: { type: 'percent', value: 5 },
        pricing_table: {
          sections: [
            {
              name: 'Products',
              phases: [
                {
                  name: 'Year 1',
                  line_items: Array.from({ length: lines }, (_, i) => ({
                    product_id: variants[i % variants.length]!.id,
                    quantity: (i % 7) + 1,
                    ...(i % 5 === 4 ? { discount: { type: 'percent' as const, value: 10 } } : {}),
                  })),
                },
              ],
            },
          ],
        },
      })
      const quote = await findQuote(w.trx, workspaceId, id)
      return { id, phaseId: quote!.value.pricing_table.sections[0]!.phases[0]!.id }
    })
  const read = await make(sizes.readLines)
  const paths: string[] = []
  for (let i = 0; i < sizes.growCount; i++) {
    const q = await make(sizes.growLines)
    paths.push(`${q.id}/phases/${q.phaseId}/line-items`)
  }
  return {
    read: { id: read.id, lines: sizes.readLines },
    grown: { paths, lines: sizes.growLines },
    variantId: variants[0]!.id,
  }
}

/** The fewest and the most lines of the quotes `ids`. */
export async function lineCountRange(db: Db, workspaceId: string, ids: string[]): Promise<[number, number]> {
  const rows = await db.kysely
    .selectFrom('quote_lines')
    .select(['quote_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('quote_id', 'in', ids)
    .groupBy('quote_id')
    .execute()
  const counts = rows.map((r) => Number(r.n))
  return [Math.min(...counts), Math.max(...counts)]
}
