import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { Database } from '../../db/types.ts'

// What Qwoty gives every new account, and Quoin every new workspace (migration 0007 gave the same to the
// workspaces that existed before it): the "Net 30" payment term and the "Standard" catalog.

export const DEFAULT_PAYMENT_TERM = {
  name: 'Net 30',
  api_name: 'net_30_days',
  installment: { name: 'Full Payment', percentage: '100', term: 'net30', order_number: 1 },
} as const

export const DEFAULT_CATALOG = { name: 'Standard', api_name: 'standard' } as const

/** Writes a new workspace's defaults, in the transaction that creates it. */
export async function seedWorkspace(trx: Kysely<Database>, workspaceId: string, at: string): Promise<void> {
  const termId = uuidv7()
  await trx
    .insertInto('payment_terms')
    .values({
      id: termId,
      workspace_id: workspaceId,
      name: DEFAULT_PAYMENT_TERM.name,
      api_name: DEFAULT_PAYMENT_TERM.api_name,
      reference: null,
      is_active: 1,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  await trx
    .insertInto('payment_term_installments')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      payment_term_id: termId,
      position: 0,
      custom_text: null,
      ...DEFAULT_PAYMENT_TERM.installment,
    })
    .execute()
  await trx
    .insertInto('catalogs')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      ...DEFAULT_CATALOG,
      reference: null,
      description: null,
      is_active: 1,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
}
