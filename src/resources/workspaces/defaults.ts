import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { Database } from '../../db/types.ts'

// What Qwoty gives every new account, and Quoin every new workspace (migrations 0007 and 0008 gave the same
// to the workspaces that existed before them): the "Net 30" payment term, the "Standard" catalog, the euro
// as default currency, "VAT 20%", monthly, quarterly and yearly billing, and the "Standard" pricebook; and
// (migration 0009 likewise) a default business unit named after the workspace, in its default country.

export const DEFAULT_PAYMENT_TERM = {
  name: 'Net 30',
  api_name: 'net_30_days',
  installment: { name: 'Full Payment', percentage: '100', term: 'net30', order_number: 1 },
} as const

export const DEFAULT_CATALOG = { name: 'Standard', api_name: 'standard' } as const

export const DEFAULT_CURRENCY = { code: 'EUR', api_name: 'EUR', name: 'Euro' } as const

export const DEFAULT_TAX = {
  name: 'VAT 20%',
  api_name: 'vat_20',
  type: 'vat',
  country: 'FR',
  method: 'percentage',
  rate: '20',
} as const

export const DEFAULT_BILLING_FREQUENCIES = [
  { name: 'Monthly', period: 1, unit: 'month' },
  { name: 'Quarterly', period: 3, unit: 'month' },
  { name: 'Yearly', period: 1, unit: 'year' },
] as const

export const DEFAULT_PRICEBOOK = { name: 'Standard', api_name: 'standard' } as const

/** Writes a new workspace's defaults, in the transaction that creates it (after its row). */
export async function seedWorkspace(trx: Kysely<Database>, workspaceId: string, at: string): Promise<void> {
  await seedBusinessUnit(trx, workspaceId, at)
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
  const catalogId = uuidv7()
  await trx
    .insertInto('catalogs')
    .values({
      id: catalogId,
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
  await seedPricing(trx, workspaceId, at, catalogId)
}

/** The pricing defaults: EUR, VAT 20%, the three billing frequencies, the Standard pricebook on `catalogId`. */
export async function seedPricing(trx: Kysely<Database>, workspaceId: string, at: string, catalogId: string) {
  const currencyId = uuidv7()
  await trx
    .insertInto('currencies')
    .values({
      id: currencyId,
      workspace_id: workspaceId,
      ...DEFAULT_CURRENCY,
      is_active: 1,
      is_default: 1,
      created_at: at,
      updated_at: at,
    })
    .execute()
  await trx
    .insertInto('taxes')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      ...DEFAULT_TAX,
      region: null,
      currency_id: null,
      amount: null,
      is_active: 1,
      created_at: at,
      updated_at: at,
    })
    .execute()
  await trx
    .insertInto('billing_frequencies')
    .values(
      DEFAULT_BILLING_FREQUENCIES.map((f) => ({
        id: uuidv7(),
        workspace_id: workspaceId,
        ...f,
        is_active: 1,
        created_at: at,
        updated_at: at,
      })),
    )
    .execute()
  await trx
    .insertInto('pricebooks')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      ...DEFAULT_PRICEBOOK,
      reference: null,
      description: null,
      status: 'active',
      type: 'fixed',
      catalog_id: catalogId,
      currency_id: currencyId,
      base_pricebook_id: null,
      adjustment_percent: null,
      rounding: null,
      rounding_value: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
}

/**
 * The workspace's default business unit, named after it, in its default country: a company whose brand
 * and name are the workspace's name. Does nothing when the workspace has a default already.
 */
export async function seedBusinessUnit(trx: Kysely<Database>, workspaceId: string, at: string) {
  const existing = await trx
    .selectFrom('business_units')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('is_default', '=', 1)
    .executeTakeFirst()
  if (existing) return
  const workspace = await trx
    .selectFrom('workspaces')
    .select(['name', 'default_country'])
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  await trx
    .insertInto('business_units')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      type: 'company',
      brand: workspace.name,
      name: workspace.name,
      logo_url: null,
      logo_alt: null,
      tax_ids: '[]',
      line1: null,
      line2: null,
      city: null,
      postal_code: null,
      state: null,
      country: workspace.default_country,
      is_default: 1,
      created_at: at,
      updated_at: at,
    })
    .execute()
}
