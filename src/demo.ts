import type { Kysely } from 'kysely'
import { contactSearchText, customerSearchTax, customerSearchText } from './db/search.ts'
import type { Database } from './db/types.ts'
import { loadCatalogDemo } from './demo-catalog.ts'
import { loadQuoteDemo } from './demo-quote.ts'
import { normalizeTaxValue } from './domain/tax-ids.ts'
import { runWrite } from './kernel/write.ts'
import { addresses } from './resources/addresses/resource.ts'
import { findAddress } from './resources/addresses/store.ts'
import { contacts as contactResource } from './resources/contacts/resource.ts'
import { findContact } from './resources/contacts/store.ts'
import { customers } from './resources/customers/resource.ts'
import { findCustomer } from './resources/customers/store.ts'
import { seedBusinessUnit } from './resources/workspaces/defaults.ts'

// The example of Qwoty's "Get Customer" page, with its exact ids and timestamps.
export const DEMO_WORKSPACE_ID = '706eb564-6c4a-4e18-841c-bdd79be6bca7'
export const DEMO_CUSTOMER_ID = '550e8400-e29b-41d4-a716-446655440000'
const AT = '2026-01-15T10:30:00.000Z'
const WS = DEMO_WORKSPACE_ID

const contacts = [
  {
    id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    first_name: 'Marie',
    last_name: 'Dupont',
    email: 'marie.dupont@acme-corp.fr',
    phone: '+33 6 12 34 56 78',
    role: 'buyer,signer',
    id_crm: 'crm_contact_001',
  },
  {
    id: 'b2c3d4e5-f6a7-8901-bcde-f12345678901',
    first_name: 'Julien',
    last_name: 'Moreau',
    email: 'compta@acme-corp.fr',
    phone: '+33 1 42 68 53 00',
    role: 'billing',
    id_crm: 'crm_contact_002',
  },
]

/**
 * Loads the demo records, as one write with an event for each record it creates; records that exist
 * already are left as they are.
 */
export async function loadDemo(db: Kysely<Database>): Promise<void> {
  await runWrite(db, WS, async (w) => {
    const { trx, emit } = w
    await trx
      .insertInto('workspaces')
      .values({ id: WS, name: 'Demo', created_at: AT, tax_id_validation: 'lenient', default_country: 'FR' })
      // The docs' own identifiers fail their check digits: the demo takes them, with warnings.
      .onConflict((oc) => oc.column('id').doUpdateSet({ tax_id_validation: 'lenient' }))
      .execute()
    // Made by the demo, not by createWorkspace: its default business unit comes here, once.
    await seedBusinessUnit(trx, WS, AT)
    const newCustomers = await trx
      .insertInto('customers')
      .values({
        id: DEMO_CUSTOMER_ID,
        workspace_id: WS,
        name: 'Acme Corporation',
        type: 'company',
        segment_id: null,
        logo: null,
        id_crm: 'crm_001',
        id_erp: null,
        id_accounting: null,
        created_at: AT,
        updated_at: AT,
        search_text: customerSearchText({ name: 'Acme Corporation', id_crm: 'crm_001' }),
        search_tax: customerSearchTax(['FR12345678901', '123456789']),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute()
    await trx
      .insertInto('customer_tax_ids')
      .values([
        {
          workspace_id: WS,
          customer_id: DEMO_CUSTOMER_ID,
          position: 0,
          tax: 'VAT',
          tax_value: 'FR12345678901',
          tax_value_norm: normalizeTaxValue('FR12345678901'),
        },
        {
          workspace_id: WS,
          customer_id: DEMO_CUSTOMER_ID,
          position: 1,
          tax: 'SIREN',
          tax_value: '123456789',
          tax_value_norm: normalizeTaxValue('123456789'),
        },
      ])
      .onConflict((oc) => oc.columns(['workspace_id', 'customer_id', 'position']).doNothing())
      .execute()
    const newContacts = await trx
      .insertInto('contacts')
      .values(
        contacts.map((c) => ({
          ...c,
          workspace_id: WS,
          customer_id: DEMO_CUSTOMER_ID,
          id_erp: null,
          id_accounting: null,
          created_at: AT,
          updated_at: AT,
          search_text: contactSearchText(c),
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute()
    const newAddresses = await trx
      .insertInto('addresses')
      .values({
        id: 'c3d4e5f6-a7b8-9012-cdef-123456789012',
        workspace_id: WS,
        customer_id: DEMO_CUSTOMER_ID,
        contact_id: contacts[1]!.id,
        type: 'billing',
        name: 'Siège social',
        address_line1: '8 rue de la Paix',
        address_line2: 'Bâtiment B, 3e étage',
        city: 'Paris',
        state: 'Île-de-France',
        postal_code: '75002',
        country: 'FR',
        comment: 'Factures à l’attention du service comptabilité',
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        created_at: AT,
        updated_at: AT,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute()
    // Each record created, as the API shows it once all are in.
    for (const { id } of newCustomers)
      emit(customers, 'created', id, (await findCustomer(trx, WS, id))?.value)
    for (const { id } of newContacts)
      emit(contactResource, 'created', id, (await findContact(trx, WS, id))?.value)
    for (const { id } of newAddresses) emit(addresses, 'created', id, (await findAddress(trx, WS, id))?.value)
    await loadCatalogDemo(w)
    await loadQuoteDemo(w)
  })
}
