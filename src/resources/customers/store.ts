import type { Kysely } from 'kysely'
import { jsonArrayFrom, parseJsonArray, toWireTime } from '../../db/dialect.ts'
import { prepared } from '../../db/prepared.ts'
import { versionedCache } from '../../db/read-cache.ts'
import type { Database } from '../../db/types.ts'
import type { Customer } from './schema.ts'

// One statement for the customer and its lists: on SQLite each statement pays for a read transaction.
const customerWithLists = prepared((db, p: { workspaceId: string; id: string }) =>
  db
    .selectFrom('customers as c')
    .selectAll('c')
    .select((eb) => [
      jsonArrayFrom(
        db,
        eb
          .selectFrom('customer_tax_ids as t')
          .select(['t.tax', 't.tax_value'])
          .whereRef('t.workspace_id', '=', 'c.workspace_id')
          .whereRef('t.customer_id', '=', 'c.id')
          .orderBy('t.position'),
      ).as('tax_ids'),
      jsonArrayFrom(
        db,
        eb
          .selectFrom('contacts as k')
          .select('k.id')
          .whereRef('k.workspace_id', '=', 'c.workspace_id')
          .whereRef('k.customer_id', '=', 'c.id')
          .orderBy('k.created_at')
          .orderBy('k.id'),
      ).as('contacts'),
      jsonArrayFrom(
        db,
        eb
          .selectFrom('addresses as a')
          .select('a.id')
          .whereRef('a.workspace_id', '=', 'c.workspace_id')
          .whereRef('a.customer_id', '=', 'c.id')
          .orderBy('a.created_at')
          .orderBy('a.id'),
      ).as('addresses'),
    ])
    .where('c.workspace_id', '=', p.workspaceId)
    .where('c.id', '=', p.id),
)

const cache = versionedCache<Customer>()

/** One customer of the workspace with its tax ids and the ids of its contacts and addresses, or undefined. */
export function findCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Customer | undefined> {
  return cache(db, `${workspaceId}/${id}`, () => loadCustomer(db, workspaceId, id))
}

async function loadCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Customer | undefined> {
  const [row] = await customerWithLists(db, { workspaceId, id })
  if (!row) return undefined
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    name: row.name,
    type: row.type,
    segment_id: row.segment_id,
    logo: row.logo,
    tax_ids: parseJsonArray(row.tax_ids),
    id_crm: row.id_crm,
    id_erp: row.id_erp,
    id_accounting: row.id_accounting,
    contact_ids: parseJsonArray(row.contacts).map((c) => c.id),
    address_ids: parseJsonArray(row.addresses).map((a) => a.id),
    created_at: toWireTime(row.created_at),
    updated_at: toWireTime(row.updated_at),
  }
}

/** Whether a live (not deleted) customer with this id exists in the workspace. */
export async function customerExists(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

/** Marks the customer as changed: its contact_ids or address_ids are part of what it shows. */
export async function touchCustomer(db: Kysely<Database>, workspaceId: string, id: string, at: string) {
  await db
    .updateTable('customers')
    .set({ updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute()
}
