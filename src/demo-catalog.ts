import { productSearchText } from './db/search.ts'
import { loadPricingDemo } from './demo-pricing.ts'
import type { WriteContext } from './kernel/write.ts'
import { catalogs as catalogResource } from './resources/catalogs/resource.ts'
import { findCatalog } from './resources/catalogs/store.ts'
import { paymentTerms } from './resources/payment-terms/resource.ts'
import { findPaymentTerm } from './resources/payment-terms/store.ts'
import { productParents } from './resources/product-parents/resource.ts'
import { findProductParent } from './resources/product-parents/store.ts'
import { products } from './resources/products/resource.ts'
import { findProduct } from './resources/products/store.ts'
import { DEFAULT_CATALOG } from './resources/workspaces/defaults.ts'

// The catalog examples of Qwoty's docs, with their ids, values and timestamps, so that each documented
// GET answers its example: GET /api/payment-terms/{id}, /api/catalogs/{id}, /api/products/{id} and the
// list of /api/product-parents. The docs reuse ids across resources (each table has its own): the
// catalog of the products example (770e…0002) is the workspace's Standard catalog, the product parent of
// the list example (550e…0000) has the catalog of the create example (660e…0001) and a default variant
// whose id (770e…0002) the list shows in product_ids.

const DOCS_AT = '2024-12-21T10:30:00.000Z'
const id = (prefix: string, n: number) => `${prefix}-e29b-41d4-a716-4466554400${String(n).padStart(2, '0')}`

export const DEMO_PAYMENT_TERM_ID = id('550e8400', 0)
export const DEMO_CATALOG_ID = id('550e8400', 0)
export const DEMO_PRODUCT_ID = id('550e8400', 0)
const STANDARD_CATALOG_ID = id('770e8400', 2)
const PREMIUM_CATALOG_ID = id('660e8400', 1)
const CONSULTING_ID = id('660e8400', 1)
const WIDGET_ID = id('550e8400', 0)
const WIDGET_VARIANT_ID = id('770e8400', 2)
const SENIORITY_ID = id('aa0e8400', 10)
const SENIOR_ID = id('bb0e8400', 11)
const DOCS_USER = id('aa1e8400', 99)

const externalIds = { id_crm: 'crm_123', id_erp: 'erp_456', id_accounting: 'acc_789' }
const noExternalIds = { id_crm: null, id_erp: null, id_accounting: null }
const blankVariant = {
  description: null,
  description_inherit_from_product: 1,
  primary_image_inherit_from_product: 1,
  primary_image_id: null,
  is_active: 1,
  is_default: 1,
  position: 0,
  unit_per_pack: 1,
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
  ...noExternalIds,
} as const

/** Inserts what is missing of the docs' catalog examples, in the demo's write, with an event for each. */
export async function loadCatalogDemo(w: WriteContext): Promise<void> {
  const { trx, workspaceId: ws, emit } = w
  const stamps = { created_at: DOCS_AT, updated_at: DOCS_AT }

  // The docs' "Net 30 Days" is the demo workspace's default term.
  const terms = await trx
    .insertInto('payment_terms')
    .values({
      id: DEMO_PAYMENT_TERM_ID,
      workspace_id: ws,
      name: 'Net 30 Days',
      api_name: 'net_30_days',
      reference: 'PT001',
      is_active: 1,
      ...externalIds,
      ...stamps,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute()
  if (terms.length > 0) {
    await trx
      .insertInto('payment_term_installments')
      .values({
        id: id('660e8400', 1),
        workspace_id: ws,
        payment_term_id: DEMO_PAYMENT_TERM_ID,
        position: 0,
        name: 'Full Payment',
        percentage: '100',
        term: 'net30',
        custom_text: null,
        order_number: 1,
      })
      .execute()
  }

  const newCatalogs = await trx
    .insertInto('catalogs')
    .values([
      {
        id: STANDARD_CATALOG_ID,
        workspace_id: ws,
        name: 'Standard',
        api_name: 'standard',
        reference: null,
        description: null,
        is_active: 1,
        ...noExternalIds,
        ...stamps,
      },
      {
        id: DEMO_CATALOG_ID,
        workspace_id: ws,
        name: 'Standard Products',
        api_name: 'standard_products',
        reference: 'CAT-001',
        description: 'Main product catalog',
        is_active: 1,
        ...externalIds,
        ...stamps,
      },
      {
        id: PREMIUM_CATALOG_ID,
        workspace_id: ws,
        name: 'Premium Products',
        api_name: 'premium_products',
        reference: 'CAT-002',
        description: 'Catalog for premium tier products',
        is_active: 1,
        ...noExternalIds,
        ...stamps,
      },
    ])
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute()

  const newParents = await trx
    .insertInto('product_parents')
    .values([
      {
        id: CONSULTING_ID,
        workspace_id: ws,
        name: 'Consulting Services',
        api_name: 'consulting_services',
        recurrence_type: 'recurring',
        description: 'Consulting services billed by the hour',
        is_active: 1,
        ...noExternalIds,
        created_by: DOCS_USER,
        updated_by: DOCS_USER,
        ...stamps,
      },
      {
        id: WIDGET_ID,
        workspace_id: ws,
        name: 'Premium Widget',
        api_name: 'premium_widget',
        recurrence_type: 'recurring',
        description: 'High-quality widget for professional use',
        is_active: 1,
        ...externalIds,
        created_by: DOCS_USER,
        updated_by: DOCS_USER,
        ...stamps,
      },
    ])
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute()
  const created = new Set(newParents.map((p) => p.id))
  // A demo workspace made before the catalog existed got its Standard catalog with an id of its own.
  const standard = await trx
    .selectFrom('catalogs')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('api_name', '=', DEFAULT_CATALOG.api_name)
    .executeTakeFirstOrThrow()
  if (created.has(CONSULTING_ID)) {
    await trx
      .insertInto('product_parent_catalogs')
      .values({
        workspace_id: ws,
        product_parent_id: CONSULTING_ID,
        catalog_id: standard.id,
        position: 0,
      })
      .execute()
    await trx
      .insertInto('product_options')
      .values({
        id: SENIORITY_ID,
        workspace_id: ws,
        product_parent_id: CONSULTING_ID,
        name: 'Seniority',
        api_name: 'seniority',
        position: 0,
        removed_at: null,
      })
      .execute()
    await trx
      .insertInto('product_option_values')
      .values({
        id: SENIOR_ID,
        workspace_id: ws,
        option_id: SENIORITY_ID,
        name: 'Senior',
        api_name: 'senior',
        position: 0,
        removed_at: null,
      })
      .execute()
    const variant = {
      name: 'Consulting Services - Senior',
      api_name: 'consulting_services_senior',
      reference: 'SERV-001',
      sku: 'CONS-SEN-001',
    }
    await trx
      .insertInto('products')
      .values({
        ...blankVariant,
        ...variant,
        id: DEMO_PRODUCT_ID,
        workspace_id: ws,
        product_parent_id: CONSULTING_ID,
        description: 'Senior consultant hourly rate',
        primary_image_id: id('cc0e8400', 20),
        option_key: SENIOR_ID,
        product_type: 'service',
        language_id: id('990e8400', 4),
        unit_of_measure: 'hour',
        ledger_account: '4010',
        ...externalIds,
        created_by: DOCS_USER,
        updated_by: DOCS_USER,
        ...stamps,
        search_text: productSearchText(variant),
      })
      .execute()
    await trx
      .insertInto('product_variant_values')
      .values({ workspace_id: ws, product_id: DEMO_PRODUCT_ID, option_value_id: SENIOR_ID })
      .execute()
  }
  if (created.has(WIDGET_ID)) {
    await trx
      .insertInto('product_parent_catalogs')
      .values({ workspace_id: ws, product_parent_id: WIDGET_ID, catalog_id: PREMIUM_CATALOG_ID, position: 0 })
      .execute()
    const variant = { name: 'Premium Widget', api_name: 'premium_widget', reference: 'PROD-001', sku: null }
    await trx
      .insertInto('products')
      .values({
        ...blankVariant,
        ...variant,
        id: WIDGET_VARIANT_ID,
        workspace_id: ws,
        product_parent_id: WIDGET_ID,
        created_by: DOCS_USER,
        updated_by: DOCS_USER,
        ...stamps,
        search_text: productSearchText(variant),
      })
      .execute()
  }

  const recordPricing = await loadPricingDemo(w, {
    premiumCatalogId: PREMIUM_CATALOG_ID,
    widgetVariantId: WIDGET_VARIANT_ID,
  })

  for (const { id: termId } of terms) {
    emit(paymentTerms, 'created', termId, (await findPaymentTerm(trx, ws, termId))?.value)
  }
  for (const { id: catalogId } of newCatalogs) {
    emit(catalogResource, 'created', catalogId, (await findCatalog(trx, ws, catalogId))?.value)
  }
  for (const parentId of created) {
    emit(productParents, 'created', parentId, (await findProductParent(trx, ws, parentId))?.value)
  }
  if (created.has(CONSULTING_ID)) {
    emit(products, 'created', DEMO_PRODUCT_ID, (await findProduct(trx, ws, DEMO_PRODUCT_ID))?.value)
  }
  if (created.has(WIDGET_ID)) {
    emit(products, 'created', WIDGET_VARIANT_ID, (await findProduct(trx, ws, WIDGET_VARIANT_ID))?.value)
  }
  await recordPricing()
}
