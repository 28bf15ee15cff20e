import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import { productSearchText } from '../../db/search.ts'
import type { Database, ProductParentTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import {
  combinationCount,
  declarationProblems,
  type PlannedOption,
  planOptions,
  planVariants,
  type StoredOption,
} from '../../domain/product-variants.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageRequest, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, updateLive, versioned } from '../../kernel/store.ts'
import { author, type WriteContext } from '../../kernel/write.ts'
import {
  catalogsOf,
  checkParentApiName,
  checkRefs,
  createParentWithVariant,
  groupBy,
  insertVariants,
  parentsInCatalog,
  setCatalogs,
  touchVariants,
  uniquely,
} from '../products/store.ts'
import {
  MAX_VARIANTS,
  type OptionsInput,
  type ProductParent,
  type ProductParentCreate,
  type ProductParentListQuery,
  type ProductParentPatch,
} from './schema.ts'

type ParentRow = Selectable<ProductParentTable>

/** Parent rows as the wire shows them: catalogs, live variants, the default's reference, options in use. */
async function toParents(
  db: Kysely<Database>,
  workspaceId: string,
  rows: ParentRow[],
): Promise<ProductParent[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const catalogs = await catalogsOf(db, workspaceId, ids)
  const variants = await db
    .selectFrom('products')
    .select(['id', 'product_parent_id', 'reference', 'is_default'])
    .where('workspace_id', '=', workspaceId)
    .where('product_parent_id', 'in', ids)
    .where('deleted_at', 'is', null)
    .orderBy('position')
    .orderBy('id')
    .execute()
  const options = await db
    .selectFrom('product_options')
    .select(['id', 'product_parent_id', 'name', 'api_name'])
    .where('workspace_id', '=', workspaceId)
    .where('product_parent_id', 'in', ids)
    .where('removed_at', 'is', null)
    .orderBy('position')
    .execute()
  const values =
    options.length === 0
      ? []
      : await db
          .selectFrom('product_option_values')
          .select(['id', 'option_id', 'name', 'api_name'])
          .where('workspace_id', '=', workspaceId)
          .where(
            'option_id',
            'in',
            options.map((o) => o.id),
          )
          .where('removed_at', 'is', null)
          .orderBy('position')
          .execute()
  const variantsOf = groupBy(variants, (v) => v.product_parent_id)
  const optionsOf = groupBy(options, (o) => o.product_parent_id)
  const valuesOf = groupBy(values, (v) => v.option_id)
  return rows.map((row) => {
    const mine = variantsOf.get(row.id) ?? []
    const main = mine.find((v) => isSet(v.is_default)) ?? mine[0]
    return {
      id: row.id,
      catalog_ids: catalogs.get(row.id) ?? [],
      product_ids: mine.map((v) => v.id),
      name: row.name,
      api_name: row.api_name,
      recurrence_type: row.recurrence_type,
      reference: main?.reference ?? null,
      description: row.description,
      is_active: isSet(row.is_active),
      id_crm: row.id_crm,
      id_erp: row.id_erp,
      id_accounting: row.id_accounting,
      ...stamps(row),
      options: (optionsOf.get(row.id) ?? []).map((o) => ({
        id: o.id,
        name: o.name,
        api_name: o.api_name,
        values: (valuesOf.get(o.id) ?? []).map((v) => ({ id: v.id, name: v.name, api_name: v.api_name })),
      })),
    }
  })
}

/** One live product parent of the workspace, or undefined. */
export async function findProductParent(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<ProductParent> | undefined> {
  if (!isUuid(id)) return undefined
  const row = await db
    .selectFrom('product_parents')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id.toLowerCase())
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  const [parent] = await toParents(db, workspaceId, [row])
  return versioned(parent!, Number(row.version))
}

/** A page of the workspace's live parents, oldest first. */
export async function listProductParents(
  db: Kysely<Database>,
  workspaceId: string,
  filters: Omit<ProductParentListQuery, 'limit' | 'cursor'>,
  page: PageRequest,
): Promise<PageResult<ProductParent>> {
  let query = db
    .selectFrom('product_parents as t')
    .selectAll('t')
    .where('t.workspace_id', '=', workspaceId)
    .where('t.deleted_at', 'is', null)
  if (filters.catalog_id !== undefined) {
    const catalog = filters.catalog_id
    query = query.where((eb) => eb('t.id', 'in', parentsInCatalog(db, workspaceId, catalog)))
  }
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  if (filters.api_name !== undefined) query = query.where('t.api_name', '=', filters.api_name)
  const result = await paginate(query, page, 'created_at', listBinding('product_parents', filters))
  return { ...result, rows: await toParents(db, workspaceId, result.rows) }
}

/** The options of a parent as stored, removed ones included, with their values. */
async function storedOptions(w: WriteContext, parentId: string): Promise<StoredOption[]> {
  const options = await w.trx
    .selectFrom('product_options')
    .selectAll()
    .where('workspace_id', '=', w.workspaceId)
    .where('product_parent_id', '=', parentId)
    .orderBy('position')
    .execute()
  const values =
    options.length === 0
      ? []
      : await w.trx
          .selectFrom('product_option_values')
          .selectAll()
          .where(
            'option_id',
            'in',
            options.map((o) => o.id),
          )
          .orderBy('position')
          .execute()
  return options.map((o) => ({
    id: o.id,
    name: o.name,
    api_name: o.api_name,
    position: o.position,
    removed: o.removed_at !== null,
    values: values
      .filter((v) => v.option_id === o.id)
      .map((v) => ({
        id: v.id,
        name: v.name,
        api_name: v.api_name,
        position: v.position,
        removed: v.removed_at !== null,
      })),
  }))
}

/** A declaration refused before anything is written: duplicate api_names, too many combinations. */
export function checkOptions(options: OptionsInput | undefined): void {
  if (options === undefined) return
  const problems = declarationProblems(options)
  const count = combinationCount(options)
  if (count > MAX_VARIANTS) {
    problems.push(`Field 'options' would make ${count} variants: at most ${MAX_VARIANTS}`)
  }
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
}

/**
 * Makes the parent's options `declared` (or, when undefined, keeps them as they are) and its variants one
 * per combination (see planVariants); `previousName` is the parent's name before this write.
 */
async function syncVariants(
  w: WriteContext,
  parent: { id: string; name: string; api_name: string },
  previousName: string,
  declared: OptionsInput | undefined,
): Promise<boolean> {
  const { trx, workspaceId } = w
  const stored = await storedOptions(w, parent.id)
  const at = nowIso()
  const plan: PlannedOption[] =
    declared === undefined
      ? stored.map((o) => ({
          ...o,
          added: false,
          values: o.values.map((v) => ({ ...v, added: false, readded: false })),
        }))
      : planOptions(stored, declared, uuidv7)
  let changed = false
  if (declared !== undefined) {
    const before = new Map(stored.map((o) => [o.id, o]))
    for (const o of plan) {
      const was = before.get(o.id)
      const row = {
        name: o.name,
        api_name: o.api_name,
        position: o.position,
        removed_at: o.removed ? at : null,
      }
      if (!was) {
        await trx
          .insertInto('product_options')
          .values({ id: o.id, workspace_id: workspaceId, product_parent_id: parent.id, ...row })
          .execute()
        changed = true
      } else if (was.name !== o.name || was.position !== o.position || was.removed !== o.removed) {
        await trx
          .updateTable('product_options')
          .set(was.removed === o.removed ? { name: o.name, position: o.position } : row)
          .where('id', '=', o.id)
          .execute()
        changed = true
      }
      const valuesBefore = new Map((was?.values ?? []).map((v) => [v.id, v]))
      for (const v of o.values) {
        const vwas = valuesBefore.get(v.id)
        const vrow = { name: v.name, api_name: v.api_name, position: v.position }
        if (!vwas) {
          await trx
            .insertInto('product_option_values')
            .values({ id: v.id, workspace_id: workspaceId, option_id: o.id, ...vrow, removed_at: null })
            .execute()
          changed = true
        } else if (vwas.name !== v.name || vwas.position !== v.position || vwas.removed !== v.removed) {
          await trx
            .updateTable('product_option_values')
            .set(vwas.removed === v.removed ? vrow : { ...vrow, removed_at: v.removed ? at : null })
            .where('id', '=', v.id)
            .execute()
          changed = true
        }
      }
    }
  }
  const variants = await trx
    .selectFrom('products')
    .select(['id', 'name', 'api_name', 'is_active', 'is_default', 'position'])
    .where('workspace_id', '=', workspaceId)
    .where('product_parent_id', '=', parent.id)
    .where('deleted_at', 'is', null)
    .orderBy('position')
    .execute()
  const links = await trx
    .selectFrom('product_variant_values')
    .select(['product_id', 'option_value_id'])
    .where('workspace_id', '=', workspaceId)
    .where(
      'product_id',
      'in',
      variants.map((v) => v.id),
    )
    .execute()
  const previousValueNames = new Map(stored.flatMap((o) => o.values.map((v) => [v.id, v.name] as const)))
  const { create, change } = planVariants({
    parent,
    previousParentName: previousName,
    options: plan,
    previousValueNames,
    variants: variants.map((v) => ({
      id: v.id,
      name: v.name,
      api_name: v.api_name,
      value_ids: links.filter((l) => l.product_id === v.id).map((l) => l.option_value_id),
      is_active: isSet(v.is_active),
      is_default: isSet(v.is_default),
      position: v.position,
    })),
    newId: uuidv7,
  })
  // New variants take the default variant's settings, shipping and accounting; not its reference, SKU or
  // identifiers, which are its own.
  const model =
    create.length === 0
      ? undefined
      : await trx
          .selectFrom('products')
          .select([
            'unit_per_pack',
            'product_type',
            'language_id',
            'unit_of_measure',
            'weight',
            'weight_unit',
            'height',
            'length',
            'width',
            'length_unit',
            'country_of_origin',
            'harmonized_system_code',
            'ledger_account',
          ])
          .where('workspace_id', '=', workspaceId)
          .where('product_parent_id', '=', parent.id)
          .where('deleted_at', 'is', null)
          .orderBy('is_default', 'desc')
          .orderBy('position')
          .executeTakeFirst()
  for (const c of change) {
    const set: Record<string, unknown> = { ...c.set }
    if (c.set.is_active !== undefined) set.is_active = flag(c.set.is_active)
    if (c.set.is_default !== undefined) set.is_default = flag(c.set.is_default)
    if (c.set.name !== undefined || c.set.api_name !== undefined) {
      const row = await trx
        .selectFrom('products')
        .select(['name', 'api_name', 'reference', 'sku'])
        .where('id', '=', c.id)
        .executeTakeFirstOrThrow()
      set.search_text = productSearchText({ ...row, ...c.set })
    }
    await uniquely(() =>
      trx
        .updateTable('products')
        .set({ ...set, updated_at: at, updated_by: author(w) })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', c.id)
        .execute(),
    )
    if (c.add_value_ids.length > 0) {
      await trx
        .insertInto('product_variant_values')
        .values(
          c.add_value_ids.map((option_value_id) => ({
            workspace_id: workspaceId,
            product_id: c.id,
            option_value_id,
          })),
        )
        .execute()
    }
    changed = true
  }
  if (create.length > 0) {
    await insertVariants(
      w,
      create.map((v) => ({
        id: v.id,
        productParentId: parent.id,
        name: v.name,
        api_name: v.api_name,
        position: v.position,
        is_default: v.is_default,
        option_key: [...v.value_ids].sort().join(','),
        columns: model ?? {},
      })),
    )
    const links = create.flatMap((v) =>
      v.value_ids.map((option_value_id) => ({
        workspace_id: workspaceId,
        product_id: v.id,
        option_value_id,
      })),
    )
    for (let i = 0; i < links.length; i += 300) {
      await trx
        .insertInto('product_variant_values')
        .values(links.slice(i, i + 300))
        .execute()
    }
    changed = true
  }
  return changed
}

/** POST /api/product-parents: the parent, its default variant, and a variant per option combination. */
export async function createProductParent(w: WriteContext, input: ProductParentCreate): Promise<string> {
  checkOptions(input.options)
  const { parentId } = await createParentWithVariant(
    w,
    {
      api_name: input.api_name,
      recurrence_type: input.recurrence_type,
      name: input.name,
      description: input.description,
      is_active: input.is_active,
      id_crm: input.id_crm,
      id_erp: input.id_erp,
      id_accounting: input.id_accounting,
      catalog_ids: input.catalog_ids,
    },
    { reference: input.reference },
  )
  if (input.options?.length) {
    await syncVariants(
      w,
      { id: parentId, name: input.name, api_name: input.api_name },
      input.name,
      input.options,
    )
  }
  return parentId
}

/** PATCH /api/product-parents/{id}: false when the parent is not there. */
export async function updateProductParent(
  w: WriteContext,
  id: string,
  patch: ProductParentPatch,
): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await trx
    .selectFrom('product_parents')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!current) return false
  checkOptions(patch.options)
  const set: Record<string, unknown> = {}
  for (const key of [
    'recurrence_type',
    'name',
    'description',
    'id_crm',
    'id_erp',
    'id_accounting',
  ] as const) {
    if (patch[key] !== undefined && patch[key] !== current[key]) set[key] = patch[key]
  }
  if (patch.is_active !== undefined && patch.is_active !== isSet(current.is_active)) {
    set.is_active = flag(patch.is_active)
  }
  if (patch.api_name !== undefined && patch.api_name !== current.api_name) {
    await checkParentApiName(trx, workspaceId, patch.api_name, id)
    set.api_name = patch.api_name
  }
  let catalogsChanged = false
  if (patch.catalog_ids !== undefined) {
    const catalogs = await checkRefs(trx, workspaceId, 'catalogs', 'catalog_ids', patch.catalog_ids)
    const stored = (await catalogsOf(trx, workspaceId, [id])).get(id) ?? []
    catalogsChanged = stored.join() !== catalogs.join()
    if (catalogsChanged) await setCatalogs(w, id, catalogs)
  }
  const name = patch.name ?? current.name
  let variantsChanged = false
  if (patch.options !== undefined || name !== current.name) {
    const api_name = (set.api_name as string | undefined) ?? current.api_name
    variantsChanged = await syncVariants(w, { id, name, api_name }, current.name, patch.options)
  }
  const at = nowIso()
  // updateLive writes only what differs: a GET sent back unchanged keeps the version and records no event.
  await uniquely(() =>
    updateLive(trx, 'product_parents', workspaceId, id, set, {
      softDeleted: true,
      at,
      stamps: { updated_by: author(w) },
      touch: catalogsChanged || variantsChanged,
    }),
  )
  // Its variants show its catalogs, recurrence type and (when they inherit it) description.
  if (catalogsChanged || set.recurrence_type !== undefined || set.description !== undefined) {
    await touchVariants(w, id, at)
  }
  return true
}

/** DELETE /api/product-parents/{id}: the parent and its variants, as one deletion. */
export async function deleteProductParent(w: WriteContext, id: string): Promise<boolean> {
  const deletion = { deleted_at: nowIso(), deletion_id: uuidv7() }
  const result = await w.trx
    .updateTable('product_parents')
    .set(deletion)
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) === 0) return false
  await w.trx
    .updateTable('products')
    .set(deletion)
    .where('workspace_id', '=', w.workspaceId)
    .where('product_parent_id', '=', id)
    .where('deleted_at', 'is', null)
    .execute()
  return true
}
