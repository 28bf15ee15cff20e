import { type Expression, type ExpressionBuilder, type Kysely, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { idEquals, jsonArrayFrom, nowIso, parseJsonArray } from '../../db/dialect.ts'
import { rowsWhere } from '../../db/lookup.ts'
import { prepared } from '../../db/prepared.ts'
import { isRevalidated, revalidatedCache, versionedCache } from '../../db/read-cache.ts'
import { customerSearchTax, customerSearchText, matches, searchTextAfter } from '../../db/search.ts'
import type { Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { cleanTaxValue, normalizeTaxValue } from '../../domain/tax-ids.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { liveIdsOf, softDeleteLive, stamps, updateLive, versioned } from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import {
  type CustomProperties,
  checkCustomProperties,
  parseCustomProperties,
  patchCustomProperties,
} from '../custom-fields/check.ts'
import type { Customer, CustomerCreate, CustomerListQuery, CustomerPatch } from './schema.ts'

/** How long a deleted customer can be restored, and after which `quoin purge` removes it by default. */
export const RESTORE_WINDOW_DAYS = 30

type CustomerScope = ExpressionBuilder<Database & { t: Database['customers'] }, 't'>

/** A customer's lists as JSON arrays, for the customers table aliased `t`. */
function customerLists(db: Kysely<Database>, eb: CustomerScope) {
  return {
    tax_ids: jsonArrayFrom(
      db,
      eb
        .selectFrom('customer_tax_ids as x')
        .select(['x.tax', 'x.tax_value'])
        .whereRef('x.workspace_id', '=', 't.workspace_id')
        .whereRef('x.customer_id', '=', 't.id')
        .orderBy('x.position'),
    ),
    contacts: liveIdsOf(db, eb, 'contacts', 'customer_id', 't'),
    addresses: liveIdsOf(db, eb, 'addresses', 'customer_id', 't'),
  }
}

/** The customers table aliased `t`, with its lists as JSON arrays: one statement per customer or page. */
function selectCustomers(db: Kysely<Database>) {
  return db
    .selectFrom('customers as t')
    .selectAll('t')
    .select((eb) => {
      const lists = customerLists(db, eb)
      return [lists.tax_ids.as('tax_ids'), lists.contacts.as('contacts'), lists.addresses.as('addresses')]
    })
}

type CustomerRow = Awaited<ReturnType<ReturnType<typeof selectCustomers>['execute']>>[number]

export function toCustomer(row: CustomerRow): Versioned<Customer> {
  return versioned(
    {
      id: row.id,
      workspace_id: row.workspace_id,
      name: row.name,
      type: row.type,
      segment_id: row.segment_id,
      logo: row.logo,
      tax_ids: parseJsonArray(row.tax_ids),
      id_crm: row.id_crm,
      id_erp: row.id_erp,
      id_accounting: row.id_accounting,
      contact_ids: parseJsonArray(row.contacts).map((c) => c.id),
      address_ids: parseJsonArray(row.addresses).map((a) => a.id),
      ...stamps(row),
      custom_properties: parseCustomProperties(row.custom_properties),
    },
    row.version,
  )
}

/** One live customer with its lists, except when its version is `known`: then the database skips them. */
const customerById = prepared((db, p: { workspaceId: string; id: string; known: number }) =>
  db
    .selectFrom('customers as t')
    .selectAll('t')
    .select((eb) => {
      const lists = customerLists(db, eb)
      const unless = <T>(list: Expression<T>) =>
        eb.case().when('t.version', '=', p.known).then(sql<null>`null`).else(list).end()
      return [
        unless(lists.tax_ids).as('tax_ids'),
        unless(lists.contacts).as('contacts'),
        unless(lists.addresses).as('addresses'),
      ]
    })
    .where('t.workspace_id', '=', p.workspaceId)
    .where('t.id', '=', p.id)
    .where('t.deleted_at', 'is', null),
)

const cache = versionedCache<Versioned<Customer>>()
const held = revalidatedCache<Versioned<Customer>>()

/** The customer, or only its version when that is `known` (-1, no version, always reads it whole). */
async function readCustomer(db: Kysely<Database>, workspaceId: string, id: string, known: number) {
  const [row] = await customerById(db, { workspaceId, id, known })
  if (!row) return undefined
  const { tax_ids, contacts, addresses } = row
  if (tax_ids === null || contacts === null || addresses === null) return { version: row.version }
  return { version: row.version, value: toCustomer({ ...row, tax_ids, contacts, addresses }) }
}

/** One live customer of the workspace with its tax ids and the ids of its contacts and addresses. */
export function findCustomer(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Customer> | undefined> {
  const key = `${workspaceId}/${id}`
  if (isRevalidated(db)) return held(db, key, (known) => readCustomer(db, workspaceId, id, known))
  return cache(db, key, async () => (await readCustomer(db, workspaceId, id, -1))?.value)
}

export async function listCustomers(
  db: Kysely<Database>,
  workspaceId: string,
  filters: CustomerListQuery,
): Promise<PageResult<Customer>> {
  const sort = filters.updated_since !== undefined ? 'updated_at' : 'created_at'
  let query = selectCustomers(db).where('t.workspace_id', '=', workspaceId).where('t.deleted_at', 'is', null)
  if (filters.type) query = query.where('t.type', '=', filters.type)
  if (filters.segment_id) query = query.where(idEquals('t.segment_id', filters.segment_id))
  // Exact filters find their customers through their own index (see rowsWhere).
  for (const column of ['id_crm', 'id_erp', 'id_accounting'] as const) {
    const value = filters[column]
    if (value === undefined) continue
    const exact = sql<boolean>`workspace_id = ${workspaceId} and ${sql.ref(column)} = ${value}`
    query = query.where(rowsWhere(db, 'customers', exact, sort))
  }
  if (filters.tax_value !== undefined) {
    const holders = sql<boolean>`id in (select customer_id from customer_tax_ids
      where workspace_id = ${workspaceId} and tax_value_norm = ${normalizeTaxValue(filters.tax_value)})`
    query = query.where(rowsWhere(db, 'customers', holders, sort))
  }
  if (filters.updated_since !== undefined) {
    query = query.where('t.updated_at', '>=', new Date(filters.updated_since).toISOString())
  }
  if (filters.q !== undefined) query = query.where(await matches(db, 'customers', filters.q, sort))
  const page = await paginate(query, filters, sort, listBinding('customers', filters))
  return { ...page, rows: page.rows.map((row) => toCustomer(row).value) } as PageResult<Customer>
}

async function replaceTaxIds(
  trx: Kysely<Database>,
  workspaceId: string,
  customerId: string,
  taxIds: { tax: string; tax_value: string }[],
): Promise<boolean> {
  const rows = taxIds.map((t, position) => {
    const value = cleanTaxValue(t.tax_value)
    return {
      workspace_id: workspaceId,
      customer_id: customerId,
      position,
      tax: t.tax.trim(),
      tax_value: value,
      tax_value_norm: normalizeTaxValue(value),
    }
  })
  const stored = await trx
    .selectFrom('customer_tax_ids')
    .select(['tax', 'tax_value'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('position')
    .execute()
  const same =
    stored.length === rows.length &&
    stored.every((r, i) => r.tax === rows[i]!.tax && r.tax_value === rows[i]!.tax_value)
  if (same) return false
  await trx
    .deleteFrom('customer_tax_ids')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .execute()
  if (rows.length > 0) await trx.insertInto('customer_tax_ids').values(rows).execute()
  return true
}

/** Custom properties as stored: JSON text, null for none. */
const storedProperties = (properties: CustomProperties) =>
  Object.keys(properties).length === 0 ? null : JSON.stringify(properties)

/** Creates the customer with its tax ids; returns its id. */
export async function createCustomer({ trx, workspaceId }: WriteContext, input: CustomerCreate) {
  const properties = await checkCustomProperties(
    trx,
    workspaceId,
    'customer',
    input.custom_properties ?? {},
    'custom_properties',
    { required: true },
  )
  const id = uuidv7()
  const at = nowIso()
  await trx
    .insertInto('customers')
    .values({
      id,
      workspace_id: workspaceId,
      name: input.name.trim(),
      type: input.type,
      segment_id: input.segment_id?.toLowerCase() ?? null,
      logo: input.logo ?? null,
      id_crm: input.id_crm ?? null,
      id_erp: input.id_erp ?? null,
      id_accounting: input.id_accounting ?? null,
      custom_properties: storedProperties(properties),
      created_at: at,
      updated_at: at,
      search_text: customerSearchText({ ...input, name: input.name.trim() }),
      search_tax: customerSearchTax((input.tax_ids ?? []).map((t) => t.tax_value)),
    })
    .execute()
  await replaceTaxIds(trx, workspaceId, id, input.tax_ids ?? [])
  return id
}

/** Applies a partial update: omitted fields stay, null clears, tax_ids replaces the list. False if absent. */
export async function updateCustomer(
  { trx, workspaceId }: WriteContext,
  id: string,
  patch: CustomerPatch,
): Promise<boolean> {
  const { tax_ids, custom_properties, ...fields } = patch
  const set: Record<string, unknown> = {
    ...fields,
    ...(fields.name !== undefined ? { name: fields.name.trim() } : {}),
    ...(fields.segment_id ? { segment_id: fields.segment_id.toLowerCase() } : {}),
  }
  const searched = await searchTextAfter(trx, 'customers', workspaceId, id, set)
  if (searched === undefined) return false
  if (custom_properties !== undefined) {
    const current = await trx
      .selectFrom('customers')
      .select('custom_properties')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    const stored = parseCustomProperties(current.custom_properties)
    const merged = await patchCustomProperties(trx, workspaceId, 'customer', stored, custom_properties)
    set.custom_properties = storedProperties(merged)
  }
  const tax = tax_ids === undefined ? {} : { search_tax: customerSearchTax(tax_ids.map((t) => t.tax_value)) }
  // Its tax ids are rows of their own: a change of them alone (a label) marks the customer as changed too.
  const touch = tax_ids !== undefined && (await replaceTaxIds(trx, workspaceId, id, tax_ids))
  const changes = { ...set, ...searched, ...tax }
  return updateLive(trx, 'customers', workspaceId, id, changes, { softDeleted: true, touch })
}

/** Soft-deletes the customer with its live contacts and addresses, as one deletion. False if absent. */
export async function deleteCustomer({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const deletion = { deleted_at: nowIso(), deletion_id: uuidv7() }
  const { deleted_at, deletion_id } = deletion
  if (!(await softDeleteLive(trx, 'customers', workspaceId, id, deleted_at, deletion_id))) return false
  // Its contacts and addresses go with it, as the same deletion: a restore brings back exactly these.
  for (const table of ['contacts', 'addresses'] as const) {
    await trx
      .updateTable(table)
      .set(deletion)
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', id)
      .where('deleted_at', 'is', null)
      .execute()
  }
  return true
}

export type RestoreOutcome = 'restored' | 'not_deleted' | 'not_found' | 'expired'

/**
 * Brings back a deleted customer with exactly the contacts and addresses its deletion took, within
 * RESTORE_WINDOW_DAYS. Contacts or addresses deleted on their own before stay deleted.
 */
export async function restoreCustomer(
  { trx, workspaceId }: WriteContext,
  id: string,
): Promise<RestoreOutcome> {
  const row = await trx
    .selectFrom('customers')
    .select(['deleted_at', 'deletion_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) return 'not_found'
  if (row.deleted_at === null || row.deletion_id === null) return 'not_deleted'
  const deletedAt = new Date(row.deleted_at).getTime()
  if (Date.now() - deletedAt > RESTORE_WINDOW_DAYS * 86_400_000) return 'expired'
  const restored = { deleted_at: null, deletion_id: null, updated_at: nowIso() }
  for (const table of ['customers', 'contacts', 'addresses'] as const) {
    await trx
      .updateTable(table)
      .set(restored)
      .where('workspace_id', '=', workspaceId)
      .where('deletion_id', '=', row.deletion_id)
      .execute()
  }
  return 'restored'
}

/** Whether a live (not deleted) customer with this id exists in the workspace. */
export async function customerExists(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<boolean> {
  if (!isUuid(id)) return false
  const row = await db
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

/** Marks the customer as changed: its contact_ids or address_ids are part of what it shows. */
export async function touchCustomer(db: Kysely<Database>, workspaceId: string, id: string, at: string) {
  if (!isUuid(id)) return
  await db
    .updateTable('customers')
    .set({ updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute()
}
