import { Decimal } from 'decimal.js'
import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import {
  decimalNumber,
  flag,
  idEquals,
  isForeignKeyViolation,
  isSet,
  nowIso,
  toWireTime,
} from '../../db/dialect.ts'
import { matches, productSearchText, searchTextAfter } from '../../db/search.ts'
import type { Database, ProductTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { foldBrackets } from '../../domain/product-variants.ts'
import { ApiError } from '../../http/errors.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { updateLive, versioned } from '../../kernel/store.ts'
import { alreadyUsed, holderOf, isUniqueViolation } from '../../kernel/unique.ts'
import { author, type WriteContext } from '../../kernel/write.ts'
import { DEFAULT_CATALOG } from '../workspaces/defaults.ts'
import {
  DEFAULT_PAGE_SIZE,
  type NestedWrite,
  type Product,
  type ProductCreate,
  type ProductListQuery,
  type ProductPatch,
} from './schema.ts'

// The store of variants (Qwoty's products), and what product parents share with it: the catalogs and
// categories a write names, the uniqueness of references and SKUs, and the variant rows themselves.

type VariantRow = Selectable<ProductTable>

const CHUNK = 500

/** `ids` a chunk at a time, for `in (…)` lists of any length. */
function chunks<T>(ids: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < ids.length; i += CHUNK) out.push(ids.slice(i, i + CHUNK))
  return out
}

export function groupBy<R, K>(rows: readonly R[], key: (r: R) => K): Map<K, R[]> {
  const out = new Map<K, R[]>()
  for (const r of rows) {
    const list = out.get(key(r))
    if (list) list.push(r)
    else out.set(key(r), [r])
  }
  return out
}

/** The catalogs of each parent, in the order given. */
export async function catalogsOf(
  db: Kysely<Database>,
  workspaceId: string,
  parentIds: readonly string[],
): Promise<Map<string, string[]>> {
  const rows = []
  for (const part of chunks([...new Set(parentIds)])) {
    rows.push(
      ...(await db
        .selectFrom('product_parent_catalogs')
        .select(['product_parent_id', 'catalog_id'])
        .where('workspace_id', '=', workspaceId)
        .where('product_parent_id', 'in', part)
        .orderBy('position')
        .execute()),
    )
  }
  const grouped = groupBy(rows, (r) => r.product_parent_id)
  return new Map([...grouped].map(([k, v]) => [k, v.map((r) => r.catalog_id)]))
}

/** Variant rows as the wire shows them, with their parent's fields, categories and option values. */
async function toProducts(db: Kysely<Database>, workspaceId: string, rows: VariantRow[]): Promise<Product[]> {
  if (rows.length === 0) return []
  const parentIds = [...new Set(rows.map((r) => r.product_parent_id))]
  const ids = rows.map((r) => r.id)
  const parents = new Map<string, { recurrence_type: 'one_off' | 'recurring'; description: string | null }>()
  const categories: { product_id: string; category_id: string }[] = []
  const options: {
    product_id: string
    option_id: string
    option_name: string
    option_api_name: string
    value_id: string
    value_name: string
    value_api_name: string
  }[] = []
  for (const part of chunks(parentIds)) {
    for (const p of await db
      .selectFrom('product_parents')
      .select(['id', 'recurrence_type', 'description'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', part)
      .execute()) {
      parents.set(p.id, p)
    }
  }
  for (const part of chunks(ids)) {
    categories.push(
      ...(await db
        .selectFrom('product_categories')
        .select(['product_id', 'category_id'])
        .where('workspace_id', '=', workspaceId)
        .where('product_id', 'in', part)
        .orderBy('position')
        .execute()),
    )
    options.push(
      ...(await db
        .selectFrom('product_variant_values as pv')
        .innerJoin('product_option_values as v', 'v.id', 'pv.option_value_id')
        .innerJoin('product_options as o', 'o.id', 'v.option_id')
        .select([
          'pv.product_id',
          'o.id as option_id',
          'o.name as option_name',
          'o.api_name as option_api_name',
          'v.id as value_id',
          'v.name as value_name',
          'v.api_name as value_api_name',
        ])
        .where('pv.workspace_id', '=', workspaceId)
        .where('pv.product_id', 'in', part)
        .orderBy('o.position')
        .execute()),
    )
  }
  const priceRows: { product_id: string; id: string; pricebook_id: string; pricebook_api_name: string }[] = []
  for (const part of chunks(ids)) {
    priceRows.push(
      ...(await db
        .selectFrom('prices as pr')
        .innerJoin('pricebooks as pb', 'pb.id', 'pr.pricebook_id')
        .select(['pr.product_id', 'pr.id', 'pr.pricebook_id', 'pb.api_name as pricebook_api_name'])
        .where('pr.workspace_id', '=', workspaceId)
        .where('pr.product_id', 'in', part)
        .where('pr.is_active', '=', flag(true))
        .orderBy('pr.created_at')
        .orderBy('pr.id')
        .execute()),
    )
  }
  const pricesOf = groupBy(priceRows, (p) => p.product_id)
  const catalogs = await catalogsOf(db, workspaceId, parentIds)
  const categoriesOf = groupBy(categories, (c) => c.product_id)
  const optionsOf = groupBy(options, (o) => o.product_id)
  return rows.map((row) => {
    const parent = parents.get(row.product_parent_id)
    const inherits = isSet(row.description_inherit_from_product)
    return {
      id: row.id,
      product_parent_id: row.product_parent_id,
      workspace_id: row.workspace_id,
      name: row.name,
      api_name: row.api_name,
      reference: row.reference,
      description: row.description ?? (inherits ? (parent?.description ?? null) : null),
      description_inherit_from_product: inherits,
      primary_image_inherit_from_product: isSet(row.primary_image_inherit_from_product),
      is_active: isSet(row.is_active),
      is_default: isSet(row.is_default),
      catalog_ids: catalogs.get(row.product_parent_id) ?? [],
      category_ids: (categoriesOf.get(row.id) ?? []).map((c) => c.category_id),
      settings: {
        unit_per_pack: Number(row.unit_per_pack),
        product_type: row.product_type as Product['settings']['product_type'],
        language_id: row.language_id,
        unit_of_measure: row.unit_of_measure,
        recurrence_type: parent?.recurrence_type ?? 'one_off',
      },
      shipping: {
        weight: decimalNumber(row.weight),
        weight_unit: row.weight_unit,
        height: decimalNumber(row.height),
        length: decimalNumber(row.length),
        width: decimalNumber(row.width),
        length_unit: row.length_unit,
        country_of_origin: row.country_of_origin,
        harmonized_system_code: row.harmonized_system_code,
      },
      inventory: { sku: row.sku },
      identifiers: { crm: row.id_crm, accounting: row.id_accounting, erp: row.id_erp },
      accounting: { ledger_account: row.ledger_account },
      primary_image_id: row.primary_image_id,
      parent_primary_image_id: null,
      options: (optionsOf.get(row.id) ?? []).map(({ product_id: _, ...o }) => o),
      prices: (pricesOf.get(row.id) ?? []).map(({ product_id: _, ...p }) => p),
      created_at: toWireTime(row.created_at),
      updated_at: toWireTime(row.updated_at),
      created_by: row.created_by,
      updated_by: row.updated_by,
    }
  })
}

/** One live variant of the workspace, or undefined. */
export async function findProduct(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Product> | undefined> {
  if (!isUuid(id)) return undefined
  const row = await db
    .selectFrom('products')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id.toLowerCase())
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  const [product] = await toProducts(db, workspaceId, [row])
  return versioned(product!, Number(row.version))
}

/** Some live variants of the workspace by id, as the wire shows them, in one read per 500. */
export async function findProducts(
  db: Kysely<Database>,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, Product>> {
  const rows: VariantRow[] = []
  for (const part of chunks(ids)) {
    rows.push(
      ...(await db
        .selectFrom('products')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', part)
        .where('deleted_at', 'is', null)
        .execute()),
    )
  }
  return new Map((await toProducts(db, workspaceId, rows)).map((p) => [p.id, p]))
}

/** The ids of the product parents in a catalog: what the catalog_id filters of both lists keep. */
export function parentsInCatalog(db: Kysely<Database>, workspaceId: string, catalogId: string) {
  return db
    .selectFrom('product_parent_catalogs as pc')
    .select('pc.product_parent_id')
    .where('pc.workspace_id', '=', workspaceId)
    .where(idEquals('pc.catalog_id', catalogId))
}

/** One page of the workspace's live variants, oldest first, with how many match in all. */
export async function listProducts(
  db: Kysely<Database>,
  workspaceId: string,
  query: ProductListQuery,
): Promise<{ total: number; rows: Product[]; more: boolean }> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE
  const page = query.page ?? 1
  let base = db
    .selectFrom('products as t')
    .where('t.workspace_id', '=', workspaceId)
    .where('t.deleted_at', 'is', null)
  if (query.product_parent_id !== undefined)
    base = base.where(idEquals('t.product_parent_id', query.product_parent_id))
  if (query.catalog_id !== undefined) {
    const catalog = query.catalog_id
    base = base.where((eb) => eb('t.product_parent_id', 'in', parentsInCatalog(db, workspaceId, catalog)))
  }
  if (query.category_id !== undefined) {
    const category = query.category_id
    base = base.where((eb) =>
      eb(
        't.id',
        'in',
        eb
          .selectFrom('product_categories as pc')
          .select('pc.product_id')
          .where('pc.workspace_id', '=', workspaceId)
          .where(idEquals('pc.category_id', category)),
      ),
    )
  }
  if (query.is_active !== undefined) base = base.where('t.is_active', '=', flag(query.is_active))
  if (query.reference !== undefined) base = base.where('t.reference', '=', query.reference)
  if (query.api_name !== undefined) base = base.where('t.api_name', '=', query.api_name)
  if (query.q !== undefined) base = base.where(await matches(db, 'products', query.q))
  const { n } = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
  const total = Number(n)
  const rows = await base
    .selectAll('t')
    .orderBy('t.created_at')
    .orderBy('t.id')
    .limit(limit)
    .offset((page - 1) * limit)
    .execute()
  return { total, rows: await toProducts(db, workspaceId, rows), more: page * limit < total }
}

// Writes.

/** The ids a write names that are not records of `table` in the workspace: a 400 naming the field. */
export async function checkRefs(
  trx: Kysely<Database>,
  workspaceId: string,
  table: 'catalogs' | 'categories',
  field: string,
  ids: readonly string[],
): Promise<string[]> {
  const wanted = [...new Set(ids.map((id) => id.toLowerCase()))]
  const uuids = wanted.filter(isUuid)
  const found = new Set<string>()
  for (const part of chunks(uuids)) {
    for (const r of await trx
      .selectFrom(table)
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', part)
      .execute()) {
      found.add(r.id)
    }
  }
  const unknown = ids.filter((id) => !found.has(id.toLowerCase()))
  if (unknown.length > 0) {
    const noun = table === 'catalogs' ? 'catalog' : 'category'
    throw new ApiError('validation_failed', 'Validation error', [
      `Field '${field}' does not name a ${noun} of this workspace: ${unknown.join(', ')}`,
    ])
  }
  return wanted
}

/** Replaces the categories of a variant. */
export async function setCategories(w: WriteContext, productId: string, categoryIds: readonly string[]) {
  const ids = await checkRefs(w.trx, w.workspaceId, 'categories', 'category_ids', categoryIds)
  await w.trx.deleteFrom('product_categories').where('product_id', '=', productId).execute()
  if (ids.length === 0) return
  await referring('categories', 'category_ids', () =>
    w.trx
      .insertInto('product_categories')
      .values(
        ids.map((category_id, position) => ({
          workspace_id: w.workspaceId,
          product_id: productId,
          category_id,
          position,
        })),
      )
      .execute(),
  )
}

/**
 * Runs a write of links to catalogs or categories: one deleted between the check (checkRefs) and the write
 * is the same 400 as one that was never there.
 */
async function referring(table: 'catalogs' | 'categories', field: string, write: () => Promise<unknown>) {
  try {
    await write()
  } catch (err) {
    if (!isForeignKeyViolation(err)) throw err
    throw new ApiError('validation_failed', 'Validation error', [
      `Field '${field}' does not name a ${table === 'catalogs' ? 'catalog' : 'category'} of this workspace`,
    ])
  }
}

/** A decimal as stored: exactly the number sent. */
function storedDecimal(value: number | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value
  return new Decimal(value).toString()
}

type VariantColumns = Partial<
  Pick<
    VariantRow,
    | 'reference'
    | 'description'
    | 'primary_image_id'
    | 'unit_per_pack'
    | 'product_type'
    | 'language_id'
    | 'unit_of_measure'
    | 'weight'
    | 'weight_unit'
    | 'height'
    | 'length'
    | 'width'
    | 'length_unit'
    | 'country_of_origin'
    | 'harmonized_system_code'
    | 'sku'
    | 'ledger_account'
    | 'id_crm'
    | 'id_erp'
    | 'id_accounting'
  >
> & {
  description_inherit_from_product?: 0 | 1
  primary_image_inherit_from_product?: 0 | 1
  is_active?: 0 | 1
}

type VariantFields = NestedWrite & {
  reference?: string | null | undefined
  description?: string | null | undefined
  description_inherit_from_product?: boolean | undefined
  primary_image_inherit_from_product?: boolean | undefined
  primary_image_id?: string | null | undefined
  is_active?: boolean | undefined
}

/** The columns a write's fields set; what it omits stays out. */
export function variantColumns(f: VariantFields): VariantColumns {
  const out: Record<string, unknown> = {
    reference: f.reference,
    description: f.description,
    description_inherit_from_product:
      f.description_inherit_from_product === undefined ? undefined : flag(f.description_inherit_from_product),
    primary_image_inherit_from_product:
      f.primary_image_inherit_from_product === undefined
        ? undefined
        : flag(f.primary_image_inherit_from_product),
    primary_image_id: f.primary_image_id,
    is_active: f.is_active === undefined ? undefined : flag(f.is_active),
    unit_per_pack: f.settings?.unit_per_pack,
    product_type: f.settings?.product_type,
    language_id: f.settings?.language_id?.toLowerCase() ?? f.settings?.language_id,
    unit_of_measure: f.settings?.unit_of_measure,
    weight: storedDecimal(f.shipping?.weight),
    weight_unit: f.shipping?.weight_unit,
    height: storedDecimal(f.shipping?.height),
    length: storedDecimal(f.shipping?.length),
    width: storedDecimal(f.shipping?.width),
    length_unit: f.shipping?.length_unit,
    country_of_origin: f.shipping?.country_of_origin?.toUpperCase() ?? f.shipping?.country_of_origin,
    harmonized_system_code: f.shipping?.harmonized_system_code,
    sku: f.inventory?.sku,
    ledger_account: f.accounting?.ledger_account,
    id_crm: f.identifiers?.crm,
    id_erp: f.identifiers?.erp,
    id_accounting: f.identifiers?.accounting,
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key]
  return out as VariantColumns
}

/**
 * Refuses (409) a reference or SKU that another active variant of the workspace holds, naming it, when the
 * variant `id` (being written, or new) is to be active with them.
 */
export async function checkUnique(
  trx: Kysely<Database>,
  workspaceId: string,
  id: string | undefined,
  after: { reference: string | null; sku: string | null; is_active: boolean },
): Promise<void> {
  if (!after.is_active) return
  for (const [column, field] of UNIQUE_FIELDS) {
    const value = after[column]
    if (value === null) continue
    const holder = await holderOf(trx, 'products', workspaceId, column, value, {
      except: id,
      live: true,
      active: true,
    })
    if (holder) throw alreadyUsed(field, value, 'product', holder)
  }
}

const UNIQUE_FIELDS = [
  ['reference', 'reference'],
  ['sku', 'inventory.sku'],
] as const

/**
 * Runs a write of variants (or of a parent's api_name): a unique index that a concurrent write got to first
 * is the same 409, without the holder, whose transaction has not committed.
 */
export async function uniquely<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    for (const [column, field] of UNIQUE_FIELDS) {
      if (isUniqueViolation(err, 'products', column)) {
        throw new ApiError('conflict', `${field} is already used by another active product`)
      }
    }
    if (isUniqueViolation(err, 'product_parents', 'api_name')) {
      throw new ApiError('conflict', 'api_name is already used by another product parent')
    }
    throw err
  }
}

export interface NewVariantRow {
  id?: string
  productParentId: string
  name: string
  api_name: string
  position: number
  is_default: boolean
  option_key?: string
  columns: VariantColumns
}

/** Inserts variants (checked by the caller) and returns their ids. */
export async function insertVariants(w: WriteContext, variants: readonly NewVariantRow[]): Promise<string[]> {
  const at = nowIso()
  const rows = variants.map((v) => {
    const id = v.id ?? uuidv7()
    return {
      id,
      workspace_id: w.workspaceId,
      product_parent_id: v.productParentId,
      name: v.name,
      api_name: v.api_name,
      position: v.position,
      is_default: flag(v.is_default),
      option_key: v.option_key ?? '',
      is_active: flag(true),
      description_inherit_from_product: flag(true),
      primary_image_inherit_from_product: flag(true),
      ...v.columns,
      created_by: author(w),
      updated_by: author(w),
      created_at: at,
      updated_at: at,
      search_text: productSearchText({
        name: v.name,
        api_name: v.api_name,
        reference: v.columns.reference ?? null,
        sku: v.columns.sku ?? null,
      }),
    }
  })
  for (const part of chunks(rows)) {
    // 100 rows of ~40 columns stay below SQLite's limit of bound parameters.
    for (let i = 0; i < part.length; i += 100) {
      await uniquely(() =>
        w.trx
          .insertInto('products')
          .values(part.slice(i, i + 100))
          .execute(),
      )
    }
  }
  return rows.map((r) => r.id)
}

/** Moves updated_at (and so the version) of the live variants of a parent, whose wire shows its fields. */
export async function touchVariants(w: WriteContext, parentId: string, at: string) {
  await w.trx
    .updateTable('products')
    .set({ updated_at: at })
    .where('workspace_id', '=', w.workspaceId)
    .where('product_parent_id', '=', parentId)
    .where('deleted_at', 'is', null)
    .execute()
}

/** A body with its bracket keys folded into the nested objects; a field sent both ways is a 400. */
export function folded<B extends object>(body: B): B {
  const { body: out, both } = foldBrackets(body as Record<string, unknown>)
  if (both.length > 0) {
    throw new ApiError(
      'validation_failed',
      'Validation error',
      both.map((f) => {
        const [group, field] = f.split('.')
        return `Field '${f}' is sent twice, nested and as '${group}[${field}]': send one`
      }),
    )
  }
  return out as B
}

/** The workspace's `standard` catalog, the default of a new parent, as a list. */
export async function defaultCatalogs(trx: Kysely<Database>, workspaceId: string): Promise<string[]> {
  const row = await trx
    .selectFrom('catalogs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('api_name', '=', DEFAULT_CATALOG.api_name)
    .executeTakeFirst()
  return row ? [row.id] : []
}

/** Replaces the catalogs of a parent. */
export async function setCatalogs(w: WriteContext, parentId: string, catalogIds: readonly string[]) {
  await w.trx.deleteFrom('product_parent_catalogs').where('product_parent_id', '=', parentId).execute()
  if (catalogIds.length === 0) return
  await referring('catalogs', 'catalog_ids', () =>
    w.trx
      .insertInto('product_parent_catalogs')
      .values(
        catalogIds.map((catalog_id, position) => ({
          workspace_id: w.workspaceId,
          product_parent_id: parentId,
          catalog_id,
          position,
        })),
      )
      .execute(),
  )
}

/** Refuses (409) an api_name another live parent of the workspace holds, naming it. */
export async function checkParentApiName(
  trx: Kysely<Database>,
  workspaceId: string,
  apiName: string,
  id?: string,
): Promise<void> {
  const holder = await holderOf(trx, 'product_parents', workspaceId, 'api_name', apiName, {
    except: id,
    live: true,
  })
  if (holder) throw alreadyUsed('api_name', apiName, 'product parent', holder)
}

export interface ParentInput {
  api_name: string
  recurrence_type: 'one_off' | 'recurring'
  name: string
  description?: string | null | undefined
  is_active?: boolean | undefined
  id_crm?: string | null | undefined
  id_erp?: string | null | undefined
  id_accounting?: string | null | undefined
  catalog_ids?: string[] | undefined
}

/**
 * Creates a parent with its default variant (which takes `variant`'s fields); returns both ids. The
 * parent's options, if any, are the caller's next step.
 */
export async function createParentWithVariant(
  w: WriteContext,
  parent: ParentInput,
  variant: VariantFields & { category_ids?: string[] | undefined },
): Promise<{ parentId: string; variantId: string }> {
  const { trx, workspaceId } = w
  await checkParentApiName(trx, workspaceId, parent.api_name)
  const catalogs =
    parent.catalog_ids === undefined
      ? await defaultCatalogs(trx, workspaceId)
      : await checkRefs(trx, workspaceId, 'catalogs', 'catalog_ids', parent.catalog_ids)
  const at = nowIso()
  const parentId = uuidv7()
  const isActive = parent.is_active ?? true
  await uniquely(() =>
    trx
      .insertInto('product_parents')
      .values({
        id: parentId,
        workspace_id: workspaceId,
        name: parent.name,
        api_name: parent.api_name,
        recurrence_type: parent.recurrence_type,
        description: parent.description ?? null,
        is_active: flag(isActive),
        id_crm: parent.id_crm ?? null,
        id_erp: parent.id_erp ?? null,
        id_accounting: parent.id_accounting ?? null,
        created_by: author(w),
        updated_by: author(w),
        created_at: at,
        updated_at: at,
      })
      .execute(),
  )
  await setCatalogs(w, parentId, catalogs)
  const columns = variantColumns({ ...variant, is_active: variant.is_active ?? isActive })
  await checkUnique(trx, workspaceId, undefined, {
    reference: columns.reference ?? null,
    sku: columns.sku ?? null,
    is_active: columns.is_active === 1,
  })
  const [variantId] = await insertVariants(w, [
    {
      productParentId: parentId,
      name: parent.name,
      api_name: parent.api_name,
      position: 0,
      is_default: true,
      columns,
    },
  ])
  if (variant.category_ids?.length) await setCategories(w, variantId!, variant.category_ids)
  return { parentId, variantId: variantId! }
}

/** POST /api/products: a parent with its default variant; returns the variant's id. */
export async function createProduct(w: WriteContext, input: ProductCreate): Promise<string> {
  const identifiers = {
    crm: input.identifiers?.crm ?? input.id_crm,
    erp: input.identifiers?.erp ?? input.id_erp,
    accounting: input.identifiers?.accounting ?? input.id_accounting,
  }
  const { variantId } = await createParentWithVariant(
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
    {
      reference: input.reference,
      is_active: input.is_active,
      category_ids: input.category_ids,
      settings: input.settings,
      shipping: input.shipping,
      inventory: input.inventory,
      identifiers,
      accounting: input.accounting,
    },
  )
  return variantId
}

/** PATCH /api/products/{id}: false when the variant is not there. */
export async function updateProduct(w: WriteContext, id: string, patch: ProductPatch): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await trx
    .selectFrom('products')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!current) return false
  const columns: Record<string, unknown> = { ...variantColumns(patch) }
  if (patch.name !== undefined) columns.name = patch.name
  // The description a GET shows it inheriting, sent back, is no description of its own.
  if (
    columns.description !== undefined &&
    current.description === null &&
    isSet(current.description_inherit_from_product) &&
    columns.description_inherit_from_product !== 0
  ) {
    const parent = await trx
      .selectFrom('product_parents')
      .select('description')
      .where('id', '=', current.product_parent_id)
      .executeTakeFirst()
    if (parent?.description === columns.description) delete columns.description
  }
  let touched = false
  if (patch.category_ids !== undefined) {
    const stored = await trx
      .selectFrom('product_categories')
      .select('category_id')
      .where('product_id', '=', id)
      .orderBy('position')
      .execute()
    const wanted = patch.category_ids.map((c) => c.toLowerCase())
    touched = stored.map((r) => r.category_id).join() !== wanted.join()
    if (touched) await setCategories(w, id, patch.category_ids)
  }
  const after = { ...current, ...columns } as VariantRow
  await checkUnique(trx, workspaceId, id, {
    reference: after.reference,
    sku: after.sku,
    is_active: isSet(after.is_active),
  })
  const searched = await searchTextAfter(trx, 'products', workspaceId, id, columns)
  const at = nowIso()
  // updateLive writes only what differs: a GET sent back unchanged keeps the version and records no event.
  await uniquely(() =>
    updateLive(
      trx,
      'products',
      workspaceId,
      id,
      { ...columns, ...searched },
      {
        softDeleted: true,
        at,
        stamps: { updated_by: author(w) },
        touch: touched,
      },
    ),
  )
  // The parent shows its default variant's reference.
  if (
    isSet(current.is_default) &&
    columns.reference !== undefined &&
    columns.reference !== current.reference
  ) {
    await trx
      .updateTable('product_parents')
      .set({ updated_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', current.product_parent_id)
      .execute()
  }
  return true
}
