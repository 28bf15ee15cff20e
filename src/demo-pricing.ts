import { sql } from 'kysely'
import type { WriteContext } from './kernel/write.ts'
import { pricebooks } from './resources/pricebooks/resource.ts'
import { findPricebook } from './resources/pricebooks/store.ts'
import { prices } from './resources/prices/resource.ts'
import { findPrice } from './resources/prices/store.ts'
import { syncPrices } from './resources/prices/sync.ts'
import { seedPricing } from './resources/workspaces/defaults.ts'

// The price example of Qwoty's docs (§3.8): "Premium Widget" at 99.99 in the "Standard Pricebook", cost 50,
// floor 80, VAT 20%, with the documented price and pricebook ids. The widget is a recurring product, so its
// price is the monthly one (the docs' example shows no billing frequency). Then every demo product gets its
// rows in every pricebook, as the API would have made them.

const PRICEBOOK_ID = '880e8400-e29b-41d4-a716-446655440003'
const PRICE_ID = '550e8400-e29b-41d4-a716-446655440000'
const DOCS_CREATED = '2024-12-21T10:30:00.000Z'
const DOCS_UPDATED = '2024-12-21T14:45:00.000Z'

/**
 * Loads it in the demo's write, before the catalog demo records its products' events (they list their
 * prices); returns what records its own events, for after those.
 */
export async function loadPricingDemo(
  w: WriteContext,
  docs: { premiumCatalogId: string; widgetVariantId: string },
): Promise<() => Promise<void>> {
  const { trx, workspaceId: ws } = w
  const defaultCurrency = () =>
    trx
      .selectFrom('currencies')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('is_default', '=', 1)
      .executeTakeFirst()
  // The demo workspace is made by the demo, not by createWorkspace: it gets the pricing defaults here, once.
  if (!(await defaultCurrency())) {
    const standard = await trx
      .selectFrom('catalogs')
      .select('id')
      .where('workspace_id', '=', ws)
      .orderBy(sql`case when api_name = 'standard' then 0 else 1 end`)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await seedPricing(trx, ws, new Date().toISOString(), standard.id)
  }
  const currency = await defaultCurrency()
  if (!currency) throw new Error('the demo workspace has no default currency')
  const made = await trx
    .insertInto('pricebooks')
    .values({
      id: PRICEBOOK_ID,
      workspace_id: ws,
      name: 'Standard Pricebook',
      api_name: 'standard_pricebook',
      reference: null,
      description: null,
      status: 'active',
      type: 'fixed',
      catalog_id: docs.premiumCatalogId,
      currency_id: currency.id,
      base_pricebook_id: null,
      adjustment_percent: null,
      rounding: null,
      rounding_value: null,
      created_at: DOCS_CREATED,
      updated_at: DOCS_CREATED,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()
  if (made.length > 0) {
    const tax = await trx
      .selectFrom('taxes')
      .select('id')
      .where('workspace_id', '=', ws)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst()
    const monthly = await trx
      .selectFrom('billing_frequencies')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('unit', '=', 'month')
      .where('period', '=', 1)
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('prices')
      .values({
        id: PRICE_ID,
        workspace_id: ws,
        pricebook_id: PRICEBOOK_ID,
        product_id: docs.widgetVariantId,
        billing_frequency_id: monthly.id,
        slot: monthly.id,
        parent_price_id: null,
        is_active: 1,
        pricing_model: 'flat',
        amount: '99.99',
        cost: '50.0',
        floor_price: '80.0',
        default_tax_id: tax?.id ?? null,
        id_crm: 'crm_price_001',
        id_erp: 'erp_price_001',
        id_accounting: 'acc_price_001',
        created_at: DOCS_CREATED,
        updated_at: DOCS_UPDATED,
      })
      .execute()
  }
  // Its products are new in this write: their prices are part of them, not a change (their event follows).
  const recordPrices = await syncPrices(w, {}, { productEvents: false, touchProducts: false })
  return async () => {
    if (made.length > 0) {
      w.emit(pricebooks, 'created', PRICEBOOK_ID, (await findPricebook(trx, ws, PRICEBOOK_ID))?.value)
      w.emit(prices, 'created', PRICE_ID, (await findPrice(trx, ws, PRICE_ID))?.value)
    }
    await recordPrices()
  }
}
