import countries from 'i18n-iso-countries'
import type { Kysely, Selectable } from 'kysely'
import type { AddressTable, Database } from '../../db/types.ts'
import { findBusinessUnit } from '../business-units/store.ts'
import { parseCustomProperties } from '../custom-fields/check.ts'
import { findUser } from '../users/store.ts'
import type { QuoteAddress, QuoteBusinessUnit, QuoteCustomer, QuoteOwner } from './schema.ts'

// What a quote shows of the records it names is copied when they are set (at creation, or when a PATCH names
// them again), so that later edits of the customer, its contacts and addresses, the owner or the business unit
// never change a quote once written. This file makes those copies.

/** The copies a quote keeps, as its `snapshot` column holds them (JSON text). */
export interface Snapshot {
  owner: QuoteOwner | null
  business_unit: QuoteBusinessUnit | null
  customer: QuoteCustomer
}

/** A country code's English name ("France"), or the code itself when the list does not know it. */
export function countryName(code: string | null): string | null {
  if (code === null) return null
  return countries.getName(code, 'en') ?? code
}

const externalIds = (row: {
  id_crm: string | null
  id_erp: string | null
  id_accounting: string | null
}) => ({
  crm: row.id_crm,
  erp: row.id_erp,
  accounting: row.id_accounting,
})

/** The user as the quote shows its owner, or null when `id` is null or names no user of the workspace. */
export async function ownerCopy(
  db: Kysely<Database>,
  workspaceId: string,
  id: string | null,
): Promise<QuoteOwner | null> {
  const user = id === null ? undefined : (await findUser(db, workspaceId, id))?.value
  if (!user) return null
  const { id: userId, first_name, last_name, email, external_ids } = user
  return { id: userId, first_name, last_name, email, external_ids }
}

/** The business unit as the quote shows it (country as its English name beside the code), or null. */
export async function businessUnitCopy(
  db: Kysely<Database>,
  workspaceId: string,
  id: string | null,
): Promise<QuoteBusinessUnit | null> {
  const unit = id === null ? undefined : (await findBusinessUnit(db, workspaceId, id))?.value
  if (!unit) return null
  const { line1, line2, city, postal_code, state, country } = unit.address
  return {
    id: unit.id,
    type: unit.type,
    brand: unit.brand,
    name: unit.name,
    logo: unit.logo ?? { url: null, alt: null },
    tax_ids: unit.tax_ids,
    address: {
      line1,
      city,
      postal_code,
      country: countryName(country),
      country_code: country,
      line2,
      state,
    },
  }
}

function addressCopy(row: Selectable<AddressTable> | undefined): QuoteAddress | null {
  if (!row) return null
  return {
    line1: row.address_line1,
    line2: row.address_line2,
    city: row.city,
    postal_code: row.postal_code,
    country: countryName(row.country),
    country_code: row.country,
    state: row.state,
  }
}

/** What of the customer a quote names: the customer, its contacts in order, its two addresses. */
export interface CustomerChoice {
  customerId: string
  contactIds: readonly string[]
  billingAddressId: string | null
  shippingAddressId: string | null
}

/**
 * The customer as the quote shows it, with the contacts and addresses chosen (all of them live records of the
 * customer, checked by the caller).
 */
export async function customerCopy(
  db: Kysely<Database>,
  workspaceId: string,
  choice: CustomerChoice,
): Promise<QuoteCustomer> {
  const customer = await db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', choice.customerId)
    .executeTakeFirstOrThrow()
  const taxIds = await db
    .selectFrom('customer_tax_ids')
    .select(['tax', 'tax_value'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customer.id)
    .orderBy('position')
    .execute()
  const contacts =
    choice.contactIds.length === 0
      ? []
      : await db
          .selectFrom('contacts')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', [...choice.contactIds])
          .execute()
  const addressIds = [choice.billingAddressId, choice.shippingAddressId].filter((id) => id !== null)
  const addresses =
    addressIds.length === 0
      ? []
      : await db
          .selectFrom('addresses')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', addressIds)
          .execute()
  const contactById = new Map(contacts.map((c) => [c.id, c]))
  const addressById = new Map(addresses.map((a) => [a.id, a]))
  return {
    id: customer.id,
    type: customer.type,
    name: customer.name,
    external_ids: externalIds(customer),
    contacts: choice.contactIds.flatMap((id) => {
      const c = contactById.get(id)
      if (!c) return []
      const role = c.role.split(',').find((r) => r !== '') ?? null
      return [{ id: c.id, first_name: c.first_name, last_name: c.last_name, email: c.email, role }]
    }),
    billing_address: addressCopy(
      choice.billingAddressId === null ? undefined : addressById.get(choice.billingAddressId),
    ),
    shipping_address: addressCopy(
      choice.shippingAddressId === null ? undefined : addressById.get(choice.shippingAddressId),
    ),
    custom_properties: parseCustomProperties(customer.custom_properties),
    tax_ids: taxIds.map((t) => ({ code: t.tax, value: t.tax_value })),
  }
}
