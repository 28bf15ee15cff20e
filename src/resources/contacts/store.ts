import { type Kysely, type Selectable, sql, type Updateable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { idEquals, isPostgres, nowIso, parseJsonArray } from '../../db/dialect.ts'
import { rowsWhere } from '../../db/lookup.ts'
import { prepared } from '../../db/prepared.ts'
import { contactSearchText, matches, searchTextAfter } from '../../db/search.ts'
import type { ContactTable, Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageRequest, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import {
  finder,
  liveChildren,
  liveIdsOf,
  liveRow,
  selectLive,
  softDeleteLive,
  stamps,
  updateLive,
  versioned,
  whereLive,
} from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { customerExists, touchCustomer } from '../customers/store.ts'
import type { Contact, CreateContactBody, UpdateContactBody } from './schema.ts'

export interface ContactFilters {
  customer_id?: string
  email?: string
  q?: string
}

type Role = Contact['role'][number]

export const NO_SUCH_CUSTOMER = "Field 'customer_id' does not name a customer of this workspace"

export function toContact(row: Selectable<ContactTable>, addressIds: string[]): Versioned<Contact> {
  return versioned(
    {
      id: row.id,
      workspace_id: row.workspace_id,
      customer_id: row.customer_id,
      first_name: row.first_name,
      last_name: row.last_name,
      email: row.email,
      phone: row.phone,
      role: row.role === '' ? [] : (row.role.split(',') as Role[]),
      id_crm: row.id_crm,
      id_erp: row.id_erp,
      id_accounting: row.id_accounting,
      address_ids: addressIds,
      ...stamps(row),
    },
    row.version,
  )
}

const contactWithAddresses = prepared((db, p: { workspaceId: string; id: string }) =>
  whereLive(
    db
      .selectFrom('contacts as k')
      .selectAll('k')
      .select((eb) => liveIdsOf(db, eb, 'addresses', 'contact_id', 'k').as('addresses')),
    'k',
    p,
  ),
)

/** One live contact of the workspace with the ids of its addresses, or undefined. */
export const findContact = finder(contactWithAddresses, (row) =>
  toContact(
    row,
    parseJsonArray(row.addresses).map((a) => a.id),
  ),
)

/** The ids of the live addresses linked to each contact, oldest first, in one query. */
async function addressIdsOf(
  db: Kysely<Database>,
  workspaceId: string,
  contactIds: string[],
): Promise<Map<string, string[]>> {
  const byContact = new Map<string, string[]>(contactIds.map((id) => [id, []]))
  if (contactIds.length === 0) return byContact
  const rows = await db
    .selectFrom('addresses')
    .select(['id', 'contact_id'])
    .where('workspace_id', '=', workspaceId)
    .where('contact_id', 'in', contactIds)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  for (const row of rows) byContact.get(row.contact_id!)?.push(row.id)
  return byContact
}

async function withAddressIds(
  db: Kysely<Database>,
  workspaceId: string,
  rows: Selectable<ContactTable>[],
): Promise<Contact[]> {
  const ids = await addressIdsOf(
    db,
    workspaceId,
    rows.map((r) => r.id),
  )
  return rows.map((row) => toContact(row, ids.get(row.id) ?? []).value)
}

/** A page of the workspace's live contacts, oldest first. */
export async function listContacts(
  db: Kysely<Database>,
  workspaceId: string,
  filters: ContactFilters,
  page: PageRequest,
): Promise<PageResult<Contact>> {
  let query = selectLive(db, 'contacts', workspaceId)
  if (filters.customer_id) query = query.where(idEquals('t.customer_id', filters.customer_id))
  if (filters.email) {
    // Found through the (workspace_id, lower(email)) index (see rowsWhere).
    const email = sql<boolean>`workspace_id = ${workspaceId} and lower(email) = lower(${filters.email.trim()})`
    query = query.where(rowsWhere(db, 'contacts', email))
  }
  if (filters.q) query = query.where(await matches(db, 'contacts', filters.q))
  const result = await paginate(query, page, 'created_at', listBinding('contacts', filters))
  return { ...result, rows: await withAddressIds(db, workspaceId, result.rows) }
}

/** The customer's live contacts, oldest first (for ?expand=contacts). */
export async function listContactsOfCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  customerId: string,
): Promise<Contact[]> {
  const rows = await liveChildren(db, 'contacts', workspaceId, 'customer_id', customerId)
  return withAddressIds(db, workspaceId, rows)
}

/**
 * Whether `contactId` names a live contact of this customer. On PostgreSQL the row stays locked (shared)
 * until the transaction ends, so a concurrent delete of the contact cannot slip in between.
 */
export async function isContactOfCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  customerId: string,
  contactId: string,
): Promise<boolean> {
  if (!isUuid(contactId) || !isUuid(customerId)) return false
  const row = await db
    .selectFrom('contacts')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId.toLowerCase())
    .where('id', '=', contactId.toLowerCase())
    .where('deleted_at', 'is', null)
    .$if(isPostgres(db) && db.isTransaction, (q) => q.forShare())
    .executeTakeFirst()
  return row !== undefined
}

// Writes lock rows in one order, customer → contact → address, as deleting a customer does: no deadlocks.

/** Creates a contact of a live customer of the workspace; the customer's contact_ids change with it. */
export async function createContact({ trx, workspaceId }: WriteContext, input: CreateContactBody) {
  const at = nowIso()
  const customerId = input.customer_id.toLowerCase()
  // Touched first: the customer's row lock makes the check below see a concurrent delete.
  await touchCustomer(trx, workspaceId, customerId, at)
  if (!(await customerExists(trx, workspaceId, customerId))) {
    throw new ApiError('validation_failed', 'Validation error', [NO_SUCH_CUSTOMER])
  }
  const names = {
    first_name: input.first_name.trim(),
    last_name: input.last_name.trim(),
    email: input.email.trim(),
  }
  const id = uuidv7()
  await trx
    .insertInto('contacts')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: customerId,
      ...names,
      search_text: contactSearchText(names),
      phone: input.phone ?? null,
      role: (input.role ?? []).join(','),
      id_crm: input.id_crm ?? null,
      id_erp: input.id_erp ?? null,
      id_accounting: input.id_accounting ?? null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

function contactChanges(patch: UpdateContactBody): Updateable<ContactTable> {
  const set: Updateable<ContactTable> = {}
  if (patch.first_name !== undefined) set.first_name = patch.first_name.trim()
  if (patch.last_name !== undefined) set.last_name = patch.last_name.trim()
  if (patch.email !== undefined) set.email = patch.email.trim()
  if (patch.phone !== undefined) set.phone = patch.phone
  if (patch.role !== undefined) set.role = patch.role.join(',')
  if (patch.id_crm !== undefined) set.id_crm = patch.id_crm
  if (patch.id_erp !== undefined) set.id_erp = patch.id_erp
  if (patch.id_accounting !== undefined) set.id_accounting = patch.id_accounting
  return set
}

/** Changes the fields given (null clears, role is replaced whole); false unless the contact is live. */
export async function updateContact(
  { trx, workspaceId }: WriteContext,
  id: string,
  patch: UpdateContactBody,
) {
  const changes = contactChanges(patch)
  const searched = await searchTextAfter(trx, 'contacts', workspaceId, id, changes)
  if (searched === undefined) return false
  return updateLive(trx, 'contacts', workspaceId, id, { ...changes, ...searched }, { softDeleted: true })
}

/**
 * Soft-deletes a live contact (false otherwise) and unlinks it from its live addresses; the customer's
 * contact_ids change with it.
 */
export async function deleteContact({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const contact = await liveRow(trx, 'contacts', workspaceId, id, ['customer_id'])
  if (!contact) return false
  const at = nowIso()
  await touchCustomer(trx, workspaceId, contact.customer_id, at)
  if (!(await softDeleteLive(trx, 'contacts', workspaceId, id, at))) return false
  await trx
    .updateTable('addresses')
    .set({ contact_id: null, updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('contact_id', '=', id)
    .where('deleted_at', 'is', null)
    .execute()
  return true
}

/** Marks contacts as changed: the addresses linked to a contact are part of what it shows. */
export async function touchContacts(
  db: Kysely<Database>,
  workspaceId: string,
  ids: (string | null)[],
  at: string,
) {
  const live = ids.filter((id): id is string => id !== null)
  if (live.length === 0) return
  await db
    .updateTable('contacts')
    .set({ updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', live)
    .where('deleted_at', 'is', null)
    .execute()
}
