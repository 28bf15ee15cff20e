import type { Kysely, Selectable, Updateable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { idEquals, nowIso } from '../../db/dialect.ts'
import { prepared } from '../../db/prepared.ts'
import type { AddressTable, Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageRequest, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import {
  finder,
  liveChildren,
  liveRow,
  selectLive,
  softDeleteLive,
  stamps,
  updateLive,
  versioned,
  whereLive,
} from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { isContactOfCustomer, NO_SUCH_CUSTOMER, touchContacts } from '../contacts/store.ts'
import { customerExists, touchCustomer } from '../customers/store.ts'
import type { Address, CreateAddressBody, UpdateAddressBody } from './schema.ts'

export interface AddressFilters {
  customer_id?: string
  type?: Address['type']
  country?: string
}

export const NO_SUCH_CONTACT = "Field 'contact_id' does not name a contact of this customer"

export function toAddress(row: Selectable<AddressTable>): Versioned<Address> {
  return versioned(
    {
      id: row.id,
      workspace_id: row.workspace_id,
      customer_id: row.customer_id,
      type: row.type,
      name: row.name,
      address_line1: row.address_line1,
      address_line2: row.address_line2,
      city: row.city,
      state: row.state,
      postal_code: row.postal_code,
      country: row.country,
      contact_id: row.contact_id,
      comment: row.comment,
      id_crm: row.id_crm,
      id_erp: row.id_erp,
      id_accounting: row.id_accounting,
      ...stamps(row),
    },
    row.version,
  )
}

const addressById = prepared((db, p: { workspaceId: string; id: string }) =>
  whereLive(db.selectFrom('addresses as t').selectAll('t'), 't', p),
)

/** One live address of the workspace, or undefined. */
export const findAddress = finder(addressById, toAddress)

/** A page of the workspace's live addresses, oldest first. */
export async function listAddresses(
  db: Kysely<Database>,
  workspaceId: string,
  filters: AddressFilters,
  page: PageRequest,
): Promise<PageResult<Address>> {
  let query = selectLive(db, 'addresses', workspaceId)
  if (filters.customer_id) query = query.where(idEquals('t.customer_id', filters.customer_id))
  if (filters.type) query = query.where('t.type', '=', filters.type)
  if (filters.country) query = query.where('t.country', '=', filters.country.toUpperCase())
  const result = await paginate(query, page, 'created_at', listBinding('addresses', filters))
  return { ...result, rows: result.rows.map((row) => toAddress(row).value) }
}

/** The customer's live addresses, oldest first (for ?expand=addresses). */
export async function listAddressesOfCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  customerId: string,
): Promise<Address[]> {
  const rows = await liveChildren(db, 'addresses', workspaceId, 'customer_id', customerId)
  return rows.map((row) => toAddress(row).value)
}

function invalid(details: string[]): ApiError {
  return new ApiError('validation_failed', 'Validation error', details)
}

// Writes lock rows in one order, customer → contact → address, as deleting a customer does: no deadlocks.

/** Creates an address of a live customer of the workspace; the customer's address_ids change with it. */
export async function createAddress({ trx, workspaceId }: WriteContext, input: CreateAddressBody) {
  const at = nowIso()
  const customerId = input.customer_id.toLowerCase()
  const contactId = input.contact_id?.toLowerCase() ?? null
  // Touched first: the customer's row lock makes the check below see a concurrent delete.
  await touchCustomer(trx, workspaceId, customerId, at)
  const problems: string[] = []
  if (!(await customerExists(trx, workspaceId, customerId))) problems.push(NO_SUCH_CUSTOMER)
  if (contactId && !(await isContactOfCustomer(trx, workspaceId, customerId, contactId))) {
    problems.push(NO_SUCH_CONTACT)
  }
  if (problems.length) throw invalid(problems)
  const id = uuidv7()
  await trx
    .insertInto('addresses')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: customerId,
      contact_id: contactId,
      type: input.type,
      name: input.name ?? null,
      address_line1: input.address_line1.trim(),
      address_line2: input.address_line2 ?? null,
      city: input.city.trim(),
      state: input.state ?? null,
      postal_code: input.postal_code.trim(),
      country: input.country.toUpperCase(),
      comment: input.comment ?? null,
      id_crm: input.id_crm ?? null,
      id_erp: input.id_erp ?? null,
      id_accounting: input.id_accounting ?? null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  await touchContacts(trx, workspaceId, [contactId], at)
  return id
}

function addressChanges(patch: UpdateAddressBody): Updateable<AddressTable> {
  const { address_line1, city, postal_code, country, contact_id, ...rest } = patch
  const set: Updateable<AddressTable> = { ...rest }
  if (address_line1 !== undefined) set.address_line1 = address_line1.trim()
  if (city !== undefined) set.city = city.trim()
  if (postal_code !== undefined) set.postal_code = postal_code.trim()
  if (country !== undefined) set.country = country.toUpperCase()
  if (contact_id !== undefined) set.contact_id = contact_id?.toLowerCase() ?? null
  return set
}

/**
 * Changes the fields given (null clears); false unless the address is live, 400 unless a contact_id given
 * names a live contact of the address's customer.
 */
export async function updateAddress(
  { trx, workspaceId }: WriteContext,
  id: string,
  patch: UpdateAddressBody,
): Promise<boolean> {
  const changes = addressChanges(patch)
  const current = await liveRow(trx, 'addresses', workspaceId, id, ['customer_id', 'contact_id'])
  if (!current) return false
  if (
    changes.contact_id &&
    !(await isContactOfCustomer(trx, workspaceId, current.customer_id, changes.contact_id))
  ) {
    throw invalid([NO_SUCH_CONTACT])
  }
  const at = nowIso()
  if (changes.contact_id !== undefined && changes.contact_id !== current.contact_id) {
    await touchContacts(trx, workspaceId, [current.contact_id, changes.contact_id], at)
  }
  return updateLive(trx, 'addresses', workspaceId, id, changes, { softDeleted: true, at })
}

/** Soft-deletes a live address (false otherwise); the customer's address_ids change with it. */
export async function deleteAddress({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const address = await liveRow(trx, 'addresses', workspaceId, id, ['customer_id', 'contact_id'])
  if (!address) return false
  const at = nowIso()
  await touchCustomer(trx, workspaceId, address.customer_id, at)
  await touchContacts(trx, workspaceId, [address.contact_id], at)
  return softDeleteLive(trx, 'addresses', workspaceId, id, at)
}
