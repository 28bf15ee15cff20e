import { v7 as uuidv7 } from 'uuid'
import type { Db } from '../src/db/connect.ts'
import { insertCustomer, nextInstant } from './helpers.ts'

/**
 * A bare quote row, inserted directly (for the records a quote names: its business unit, its owner), in
 * the workspace's default currency and Standard pricebook, for a new customer.
 */
export async function insertQuoteRow(
  db: Db,
  workspaceId: string,
  names: { businessUnitId?: string; ownerId?: string } = {},
): Promise<string> {
  const k = db.kysely
  const currency = await k
    .selectFrom('currencies')
    .select(['id', 'code'])
    .where('workspace_id', '=', workspaceId)
    .where('is_default', '=', 1)
    .executeTakeFirstOrThrow()
  const pricebook = await k
    .selectFrom('pricebooks')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('api_name', '=', 'standard')
    .executeTakeFirstOrThrow()
  const customer = await insertCustomer(db, workspaceId)
  const id = uuidv7()
  const at = nextInstant()
  await k
    .insertInto('quotes')
    .values({
      id,
      workspace_id: workspaceId,
      number: `Q-TEST-${id.slice(-12)}`,
      status: 'draft',
      published_at: null,
      issue_date: at,
      expiration_date: null,
      currency_id: currency.id,
      currency: currency.code,
      title: null,
      opportunity_id: null,
      customer_id: customer.id,
      owner_id: names.ownerId ?? null,
      business_unit_id: names.businessUnitId ?? null,
      pricebook_id: pricebook.id,
      payment_term_id: null,
      billing_address_id: null,
      shipping_address_id: null,
      discount_type: null,
      discount_value: null,
      language: 'en',
      contact_ids: '[]',
      is_prices_hidden: 0,
      custom_properties: '{}',
      net_amount: '0',
      tax_amount: '0',
      total_amount: '0',
      payment_schedule: '[]',
      snapshot: '{}',
      summary: '{}',
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_by: null,
      updated_by: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}
