import { contactSearchText, customerSearchText, productSearchText } from './db/search.ts'
import type { WriteContext } from './kernel/write.ts'
import { addresses } from './resources/addresses/resource.ts'
import { findAddress } from './resources/addresses/store.ts'
import { businessUnits } from './resources/business-units/resource.ts'
import { findBusinessUnit } from './resources/business-units/store.ts'
import { contacts } from './resources/contacts/resource.ts'
import { findContact } from './resources/contacts/store.ts'
import { customFields } from './resources/custom-fields/resource.ts'
import { findCustomField } from './resources/custom-fields/store.ts'
import { customers } from './resources/customers/resource.ts'
import { findCustomer } from './resources/customers/store.ts'
import { syncPrices } from './resources/prices/sync.ts'
import { productParents } from './resources/product-parents/resource.ts'
import { findProductParent } from './resources/product-parents/store.ts'
import { products } from './resources/products/resource.ts'
import { findProduct } from './resources/products/store.ts'
import { runQuoteAction } from './resources/quotes/lifecycle.ts'
import { quotes } from './resources/quotes/resource.ts'
import { createQuote } from './resources/quotes/service.ts'
import { findQuote } from './resources/quotes/store.ts'
import { users } from './resources/users/resource.ts'
import { findUser } from './resources/users/store.ts'
import { DEFAULT_CATALOG, DEFAULT_PRICEBOOK, DEFAULT_TAX } from './resources/workspaces/defaults.ts'

// The quote of Qwoty's "Get Quote" example (shared/reference/qwoty-get-quote-example.json): owner Paul Martin,
// business unit Acme Corporation, customer Customer Inc. with John Doe, "Q4 2024 Services Proposal" with 100
// hours of Consulting Services at 150 EUR in "Professional Services" / "Year 1", and a monthly support line so
// that the summary has a recurring part, as the example's does; published (status sent), as the example is. The records it names are made as rows (as the
// rest of the demo is); the quote itself is made by createQuote, the code POST /api/quotes runs. The example's
// ids are kept where they are UUIDs (the owner's and the quote's: each table has its own ids, so the quote
// shares 550e…0000 with the demo customer and price); the others (bu_123, cust_456, contact_789, prod_123) are
// not, and get UUIDs of their own.

export const DEMO_QUOTE_ID = '550e8400-e29b-41d4-a716-446655440000'
export const DEMO_OWNER_ID = '2f4c94f0-a27d-45e3-8b5e-b4ad0c9f57c9'
const id = (n: number) => `f10e8400-e29b-41d4-a716-${String(446655440000 + n).padStart(12, '0')}`
export const DEMO_BUSINESS_UNIT_ID = id(123)
export const DEMO_QUOTE_CUSTOMER_ID = id(456)
const CONTACT_ID = id(789)
const ADDRESS_ID = id(790)
const CONSULTING_PARENT_ID = id(122)
const CONSULTING_VARIANT_ID = id(123)
const SUPPORT_PARENT_ID = id(124)
const SUPPORT_VARIANT_ID = id(125)
const INDUSTRY_FIELD_ID = id(901)
const MANAGER_FIELD_ID = id(902)
const AT = '2026-03-10T09:15:00.000Z'

const noExternalIds = { id_crm: null, id_erp: null, id_accounting: null }
const blankVariant = {
  description: null,
  description_inherit_from_product: 1,
  primary_image_inherit_from_product: 1,
  primary_image_id: null,
  is_active: 1,
  is_default: 1,
  position: 0,
  product_type: null,
  language_id: null,
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
  created_by: null,
  updated_by: null,
  created_at: AT,
  updated_at: AT,
} as const

/** Inserts what is missing of the quote example, in the demo's write, with an event for each record made. */
export async function loadQuoteDemo(w: WriteContext): Promise<void> {
  const { trx, workspaceId: ws, emit } = w
  const stamps = { created_at: AT, updated_at: AT }
  if (await findQuote(trx, ws, DEMO_QUOTE_ID)) return

  const newUsers = await trx
    .insertInto('users')
    .values({
      id: DEMO_OWNER_ID,
      workspace_id: ws,
      first_name: 'Paul',
      last_name: 'Martin',
      email: 'paul@acme.com',
      role: 'sales_rep',
      status: 'active',
      id_crm: 'CRM-7654321',
      id_erp: 'ERP-7654321',
      id_accounting: 'ACC-7654321',
      ...stamps,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()

  // The workspace's default business unit unless it has one already (the demo's, named after it, has).
  const hasDefault = await trx
    .selectFrom('business_units')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('is_default', '=', 1)
    .executeTakeFirst()
  const newUnits = await trx
    .insertInto('business_units')
    .values({
      id: DEMO_BUSINESS_UNIT_ID,
      workspace_id: ws,
      type: 'company',
      brand: 'Acme',
      name: 'Acme Corporation',
      logo_url: 'https://storage.qwoty.io/logos/acme.png',
      logo_alt: 'Acme Logo',
      tax_ids: JSON.stringify([{ code: 'VAT', value: 'FR12345678901' }]),
      line1: '123 Main Street',
      line2: null,
      city: 'Paris',
      postal_code: '75001',
      state: null,
      country: 'FR',
      is_default: hasDefault ? 0 : 1,
      ...stamps,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()

  // The customer's custom fields, which its custom_properties are checked against.
  const newFields = await trx
    .insertInto('custom_fields')
    .values(
      [
        [INDUSTRY_FIELD_ID, 'Industry', 'industry'],
        [MANAGER_FIELD_ID, 'Account manager', 'account_manager'],
      ].map(([fieldId, name, apiName]) => ({
        id: fieldId!,
        workspace_id: ws,
        object: 'customer' as const,
        name: name!,
        api_name: apiName!,
        type: 'text' as const,
        description: null,
        is_required: 0,
        is_active: 1,
        ...stamps,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute()

  const customer = { name: 'Customer Inc.', id_crm: 'CRM-1234567', id_accounting: 'ACC-1234567' }
  const newCustomers = await trx
    .insertInto('customers')
    .values({
      id: DEMO_QUOTE_CUSTOMER_ID,
      workspace_id: ws,
      ...customer,
      type: 'company',
      segment_id: null,
      logo: null,
      id_erp: null,
      custom_properties: JSON.stringify({ industry: 'SaaS', account_manager: 'Sophie Dubois' }),
      ...stamps,
      search_text: customerSearchText(customer),
      search_tax: '',
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()
  // The example's role, decision_maker, is not one of a contact's roles (buyer, signer, billing, shipping,
  // legal, admin: qwoty-api.md §3.2 notes the conflict): John Doe is the buyer, which the quote shows as his role.
  const contact = { first_name: 'John', last_name: 'Doe', email: 'john.doe@customer.com' }
  const newContacts = await trx
    .insertInto('contacts')
    .values({
      id: CONTACT_ID,
      workspace_id: ws,
      customer_id: DEMO_QUOTE_CUSTOMER_ID,
      ...contact,
      phone: null,
      role: 'buyer',
      ...noExternalIds,
      ...stamps,
      search_text: contactSearchText(contact),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()
  const newAddresses = await trx
    .insertInto('addresses')
    .values({
      id: ADDRESS_ID,
      workspace_id: ws,
      customer_id: DEMO_QUOTE_CUSTOMER_ID,
      contact_id: null,
      type: 'billing',
      name: null,
      address_line1: '456 Customer Ave',
      address_line2: null,
      city: 'Lyon',
      state: null,
      postal_code: '69001',
      country: 'FR',
      comment: null,
      ...noExternalIds,
      ...stamps,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()

  // Consulting Services by the hour (one-off) and a monthly support plan, in the Standard catalog, priced in
  // the Standard pricebook: 150 and 500 EUR, VAT 20%.
  const standardCatalog = await trx
    .selectFrom('catalogs')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('api_name', '=', DEFAULT_CATALOG.api_name)
    .executeTakeFirstOrThrow()
  const newParents = await trx
    .insertInto('product_parents')
    .values([
      {
        id: CONSULTING_PARENT_ID,
        workspace_id: ws,
        name: 'Consulting Services',
        api_name: 'consulting_hours',
        recurrence_type: 'one_off',
        description: 'Consulting billed by the hour',
        is_active: 1,
        ...noExternalIds,
        created_by: null,
        updated_by: null,
        ...stamps,
      },
      {
        id: SUPPORT_PARENT_ID,
        workspace_id: ws,
        name: 'Support Plan',
        api_name: 'support_plan',
        recurrence_type: 'recurring',
        description: 'Support, billed monthly',
        is_active: 1,
        ...noExternalIds,
        created_by: null,
        updated_by: null,
        ...stamps,
      },
    ])
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute()
  const made = new Set(newParents.map((p) => p.id))
  const variants = [
    { parent: CONSULTING_PARENT_ID, id: CONSULTING_VARIANT_ID, name: 'Consulting Services', unit: 'hour' },
    { parent: SUPPORT_PARENT_ID, id: SUPPORT_VARIANT_ID, name: 'Support Plan', unit: 'month' },
  ].filter((v) => made.has(v.parent))
  for (const [position, v] of variants.entries()) {
    const api_name = v.parent === CONSULTING_PARENT_ID ? 'consulting_hours' : 'support_plan'
    await trx
      .insertInto('product_parent_catalogs')
      .values({ workspace_id: ws, product_parent_id: v.parent, catalog_id: standardCatalog.id, position: 0 })
      .execute()
    await trx
      .insertInto('products')
      .values({
        ...blankVariant,
        id: v.id,
        workspace_id: ws,
        product_parent_id: v.parent,
        name: v.name,
        api_name,
        reference: `SERV-10${position}`,
        unit_per_pack: 1,
        unit_of_measure: v.unit,
        search_text: productSearchText({ name: v.name, api_name, reference: `SERV-10${position}` }),
      })
      .execute()
  }
  const recordPrices = await syncPrices(
    w,
    { productParentIds: [...made] },
    { productEvents: false, touchProducts: false },
  )
  const pricebook = await trx
    .selectFrom('pricebooks')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('api_name', '=', DEFAULT_PRICEBOOK.api_name)
    .executeTakeFirstOrThrow()
  const vat = await trx
    .selectFrom('taxes')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('api_name', '=', DEFAULT_TAX.api_name)
    .executeTakeFirst()
  const monthly = await trx
    .selectFrom('billing_frequencies')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('unit', '=', 'month')
    .where('period', '=', 1)
    .executeTakeFirstOrThrow()
  for (const [variant, amount, frequency] of [
    [CONSULTING_VARIANT_ID, '150', null],
    [SUPPORT_VARIANT_ID, '500', monthly.id],
  ] as const) {
    if (!variants.some((v) => v.id === variant)) continue
    const row = trx
      .updateTable('prices')
      .set({ pricing_model: 'flat', amount, default_tax_id: vat?.id ?? null })
      .where('workspace_id', '=', ws)
      .where('pricebook_id', '=', pricebook.id)
      .where('product_id', '=', variant)
    await (frequency === null
      ? row.where('billing_frequency_id', 'is', null)
      : row.where('billing_frequency_id', '=', frequency)
    ).execute()
  }

  // The quote, through the code of POST /api/quotes (its totals, summary and snapshots included).
  await createQuote(
    w,
    {
      customer_id: DEMO_QUOTE_CUSTOMER_ID,
      contact_ids: [CONTACT_ID],
      billing_address_id: ADDRESS_ID,
      shipping_address_id: null,
      owner_id: DEMO_OWNER_ID,
      business_unit_id: DEMO_BUSINESS_UNIT_ID,
      pricebook_id: pricebook.id,
      currency: 'EUR',
      language: 'en',
      title: 'Q4 2024 Services Proposal',
      opportunity_id: 'opp_123456',
      pricing_table: {
        settings: { is_prices_hidden: false },
        sections: [
          {
            name: 'Professional Services',
            type: 'standard',
            phases: [
              {
                name: 'Year 1',
                line_items: [
                  { product_id: CONSULTING_VARIANT_ID, quantity: 100 },
                  { product_id: SUPPORT_VARIANT_ID, quantity: 10, billing_frequency_id: monthly.id },
                ],
              },
            ],
          },
        ],
      },
    },
    DEMO_QUOTE_ID,
  )

  for (const { id: userId } of newUsers)
    emit(users, 'created', userId, (await findUser(trx, ws, userId))?.value)
  for (const { id: unitId } of newUnits)
    emit(businessUnits, 'created', unitId, (await findBusinessUnit(trx, ws, unitId))?.value)
  for (const { id: fieldId } of newFields)
    emit(customFields, 'created', fieldId, (await findCustomField(trx, ws, fieldId))?.value)
  for (const { id: customerId } of newCustomers)
    emit(customers, 'created', customerId, (await findCustomer(trx, ws, customerId))?.value)
  for (const { id: contactId } of newContacts)
    emit(contacts, 'created', contactId, (await findContact(trx, ws, contactId))?.value)
  for (const { id: addressId } of newAddresses)
    emit(addresses, 'created', addressId, (await findAddress(trx, ws, addressId))?.value)
  for (const parentId of made)
    emit(productParents, 'created', parentId, (await findProductParent(trx, ws, parentId))?.value)
  for (const v of variants) emit(products, 'created', v.id, (await findProduct(trx, ws, v.id))?.value)
  await recordPrices()
  emit(quotes, 'created', DEMO_QUOTE_ID, (await findQuote(trx, ws, DEMO_QUOTE_ID))?.value)
  // Published, as the example is ("sent", publish true), through the action POST /api/quotes/{id}/publish runs.
  const published = await runQuoteAction(w, DEMO_QUOTE_ID, 'publish', {})
  if ((published.status ?? 200) >= 300) {
    throw new Error(`the demo quote could not be published: ${JSON.stringify(published.body)}`)
  }
}
