import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import { adviceByKind, refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import { apiNames } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { catalogs } from './resource.ts'
import type { Catalog, CatalogCreate, CatalogListQuery, CatalogPatch } from './schema.ts'

type CatalogRow = Awaited<ReturnType<ReturnType<typeof selectCatalogs>['execute']>>[number]

function selectCatalogs(db: Kysely<Database>) {
  return db.selectFrom('catalogs as t').selectAll('t')
}

/** The wire object, keys in the order of Qwoty's docs. */
export function toCatalog(row: CatalogRow): Versioned<Catalog> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      api_name: row.api_name,
      reference: row.reference,
      description: row.description,
      is_active: isSet(row.is_active),
      id_crm: row.id_crm,
      id_erp: row.id_erp,
      id_accounting: row.id_accounting,
      ...stamps(row),
    },
    row.version,
  )
}

/** One catalog of the workspace, or undefined. */
export async function findCatalog(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Catalog> | undefined> {
  const row = await selectCatalogs(db)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst()
  return row && toCatalog(row)
}

/** A page of the workspace's catalogs, oldest first (the workspace's "Standard" comes first). */
export async function listCatalogs(
  db: Kysely<Database>,
  workspaceId: string,
  filters: CatalogListQuery,
): Promise<PageResult<Catalog>> {
  let query = selectCatalogs(db).where('t.workspace_id', '=', workspaceId)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const page = await paginate(query, filters, 'created_at', listBinding('catalogs', filters))
  return { ...page, rows: page.rows.map((row) => toCatalog(row).value) }
}

const { taken, holderOf, withApiName } = apiNames('catalogs', 'catalog')

/** Creates a catalog; returns its id. */
export async function createCatalog(
  { trx, workspaceId }: WriteContext,
  input: CatalogCreate,
): Promise<string> {
  const { name } = input
  if (input.api_name !== undefined) {
    const holder = await holderOf(trx, workspaceId, input.api_name)
    if (holder) throw taken(input.api_name, holder)
  }
  const at = nowIso()
  const id = uuidv7()
  await withApiName(trx, workspaceId, { explicit: input.api_name, name }, async (apiName) => {
    await trx
      .insertInto('catalogs')
      .values({
        id,
        workspace_id: workspaceId,
        name,
        api_name: apiName,
        reference: input.reference ?? null,
        description: input.description ?? null,
        is_active: flag(input.is_active ?? true),
        id_crm: input.id_crm ?? null,
        id_erp: input.id_erp ?? null,
        id_accounting: input.id_accounting ?? null,
        created_at: at,
        updated_at: at,
      })
      .execute()
  })
  return id
}

/**
 * Applies a partial update: omitted fields stay, null clears. A new name keeps the api_name (an
 * integrator's key does not move under them); a new api_name must be free. False if the catalog is absent.
 */
export async function updateCatalog({ trx, workspaceId }: WriteContext, id: string, patch: CatalogPatch) {
  const set = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.reference !== undefined ? { reference: patch.reference } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.is_active !== undefined ? { is_active: flag(patch.is_active) } : {}),
    ...(patch.id_crm !== undefined ? { id_crm: patch.id_crm } : {}),
    ...(patch.id_erp !== undefined ? { id_erp: patch.id_erp } : {}),
    ...(patch.id_accounting !== undefined ? { id_accounting: patch.id_accounting } : {}),
  }
  const explicit = patch.api_name
  if (explicit === undefined) return updateLive(trx, 'catalogs', workspaceId, id, set, { softDeleted: false })
  const holder = await holderOf(trx, workspaceId, explicit, id)
  if (holder) throw taken(explicit, holder)
  let found = false
  await withApiName(trx, workspaceId, { explicit, name: '' }, async (apiName) => {
    found = await updateLive(
      trx,
      'catalogs',
      workspaceId,
      id,
      { ...set, api_name: apiName },
      { softDeleted: false },
    )
  })
  return found
}

const ADVICE = adviceByKind(
  {
    product_parent_catalogs: [
      'take it out of its catalog_ids (or delete it) first',
      'take it out of their catalog_ids (or delete them) first',
    ],
    pricebooks: [
      'move it to another catalog (or delete it) first',
      'move them to another catalog (or delete them) first',
    ],
  },
  'take it out of the catalog_ids of the products, and move the pricebooks to another catalog (or delete them), first',
)

/**
 * Deletes the catalog for good, unless live product parents belong to it or pricebooks use it (409). The
 * links of soft-deleted product parents to it are removed: a restored one comes back without it. False if
 * it is absent.
 */
export async function deleteCatalog({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  // The kernel locked the catalog's row (PostgreSQL): a concurrent write that links a product parent to it
  // waits for this transaction (its foreign key check), and the count below sees every link committed.
  await refuseIfUsed(trx, workspaceId, catalogs, id, ADVICE)
  await trx
    .deleteFrom('product_parent_catalogs')
    .where('workspace_id', '=', workspaceId)
    .where('catalog_id', '=', id)
    .where('product_parent_id', 'in', (eb) =>
      eb
        .selectFrom('product_parents')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is not', null),
    )
    .execute()
  return deleteRecord(trx, 'catalogs', workspaceId, id)
}
