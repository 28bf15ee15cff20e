import type { Kysely } from 'kysely'
import { toWireTime } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import type { Customer } from './schema.ts'

/** One customer of the workspace with its tax ids and the ids of its contacts and addresses, or undefined. */
export async function findCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Customer | undefined> {
  const [row, taxIds, contacts, addresses] = await Promise.all([
    db
      .selectFrom('customers')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst(),
    db
      .selectFrom('customer_tax_ids')
      .select(['tax', 'tax_value'])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', id)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('contacts')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('addresses')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ])
  if (!row) return undefined
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    name: row.name,
    type: row.type,
    segment_id: row.segment_id,
    logo: row.logo,
    tax_ids: taxIds,
    id_crm: row.id_crm,
    id_erp: row.id_erp,
    id_accounting: row.id_accounting,
    contact_ids: contacts.map((c) => c.id),
    address_ids: addresses.map((a) => a.id),
    created_at: toWireTime(row.created_at),
    updated_at: toWireTime(row.updated_at),
  }
}
