import { Decimal } from 'decimal.js'
import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { decimalNumber, flag, idEquals, isForeignKeyViolation, nowIso } from '../../db/dialect.ts'
import type { Database, PricebookTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { type Rounding, ruleProblems } from '../../domain/pricebook-rules.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import { adviceByKind, refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import { apiNames } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { prices } from '../prices/resource.ts'
import { findPrices } from '../prices/store.ts'
import { refreshDerived, syncPrices } from '../prices/sync.ts'
import { products } from '../products/resource.ts'
import { findProducts } from '../products/store.ts'
import { pricebooks } from './resource.ts'
import type { Pricebook, PricebookCreate, PricebookListQuery, PricebookPatch } from './schema.ts'

type PricebookRow = Selectable<PricebookTable> & { currency_code: string }

function selectPricebooks(db: Kysely<Database>) {
  return db
    .selectFrom('pricebooks as t')
    .innerJoin('currencies as c', 'c.id', 't.currency_id')
    .selectAll('t')
    .select('c.code as currency_code')
}

/** The segments of each pricebook, in the order given. */
async function segmentsOf(
  db: Kysely<Database>,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (ids.length === 0) return out
  const rows = await db
    .selectFrom('pricebook_segments')
    .select(['pricebook_id', 'segment_id'])
    .where('workspace_id', '=', workspaceId)
    .where('pricebook_id', 'in', ids)
    .orderBy('pricebook_id')
    .orderBy('position')
    .execute()
  for (const r of rows) out.set(r.pricebook_id, [...(out.get(r.pricebook_id) ?? []), r.segment_id])
  return out
}

/** The wire object, keys in the documented order. */
function toPricebook(row: PricebookRow, segmentIds: string[]): Versioned<Pricebook> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      api_name: row.api_name,
      reference: row.reference,
      description: row.description,
      status: row.status,
      type: row.type,
      catalog_id: row.catalog_id,
      currency_id: row.currency_id,
      currency_code: row.currency_code,
      base_pricebook_id: row.base_pricebook_id,
      adjustment_percent: decimalNumber(row.adjustment_percent),
      rounding: row.rounding as Rounding | null,
      rounding_value: decimalNumber(row.rounding_value),
      segment_ids: segmentIds,
      ...stamps(row),
    },
    Number(row.version),
  )
}

/** One pricebook of the workspace, or undefined. */
export async function findPricebook(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Pricebook> | undefined> {
  const row = await selectPricebooks(db)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst()
  if (!row) return undefined
  return toPricebook(row, (await segmentsOf(db, workspaceId, [row.id])).get(row.id) ?? [])
}

/** A page of the workspace's pricebooks, oldest first (the workspace's "Standard" comes first). */
export async function listPricebooks(
  db: Kysely<Database>,
  workspaceId: string,
  filters: PricebookListQuery,
): Promise<PageResult<Pricebook>> {
  let query = selectPricebooks(db).where('t.workspace_id', '=', workspaceId)
  if (filters.status !== undefined) query = query.where('t.status', '=', filters.status)
  if (filters.type !== undefined) query = query.where('t.type', '=', filters.type)
  if (filters.catalog_id !== undefined) query = query.where(idEquals('t.catalog_id', filters.catalog_id))
  if (filters.currency_id !== undefined) query = query.where(idEquals('t.currency_id', filters.currency_id))
  if (filters.segment_id !== undefined) {
    const segment = filters.segment_id
    query = query.where((eb) =>
      eb(
        't.id',
        'in',
        eb
          .selectFrom('pricebook_segments as ps')
          .select('ps.pricebook_id')
          .where('ps.workspace_id', '=', workspaceId)
          .where(idEquals('ps.segment_id', segment)),
      ),
    )
  }
  const page = await paginate(query, filters, 'created_at', listBinding('pricebooks', filters))
  const segments = await segmentsOf(
    db,
    workspaceId,
    page.rows.map((r) => r.id),
  )
  return { ...page, rows: page.rows.map((row) => toPricebook(row, segments.get(row.id) ?? []).value) }
}

// ---------------------------------------------------------------------------------------------------------
// api_name: generated from the name unless given, unique in the workspace (as catalogs do).

const { taken, holderOf, withApiName } = apiNames('pricebooks', 'pricebook')

// ---------------------------------------------------------------------------------------------------------
// What a write names: checked first, so the 400 names each field; a record deleted between the check and
// the write (PostgreSQL) trips a foreign key, answered with the same 400.

const NOT_FOUND_BY_CONSTRAINT: Record<string, string> = {
  pricebooks_catalog_id_fkey: "Field 'catalog_id' does not name a catalog of this workspace",
  pricebooks_currency_id_fkey: "Field 'currency_id' does not name an active currency of this workspace",
  pricebooks_base_pricebook_id_fkey: "Field 'base_pricebook_id' does not name a pricebook of this workspace",
  pricebook_segments_segment_id_fkey: "Field 'segment_ids' does not name a segment of this workspace",
}

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)

async function referring<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (!isForeignKeyViolation(err)) throw err
    const constraint = String((err as { constraint?: unknown }).constraint ?? '')
    throw invalid([NOT_FOUND_BY_CONSTRAINT[constraint] ?? 'A record the pricebook names no longer exists'])
  }
}

/** The id of the record of `table` in the workspace that `id` names (any case), or undefined. */
async function idIn(
  trx: Kysely<Database>,
  table: 'catalogs' | 'pricebooks',
  workspaceId: string,
  id: string,
): Promise<string | undefined> {
  if (!isUuid(id)) return undefined
  const row = await trx
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst()
  return row?.id
}

/** The workspace's active currency `id`, or its default currency when `id` is undefined. */
async function currencyOf(trx: Kysely<Database>, workspaceId: string, id: string | undefined) {
  if (id !== undefined && !isUuid(id)) return undefined
  const query = trx
    .selectFrom('currencies')
    .select(['id', 'code'])
    .where('workspace_id', '=', workspaceId)
    .where('is_active', '=', flag(true))
  return (
    id === undefined ? query.where('is_default', '=', flag(true)) : query.where('id', '=', id.toLowerCase())
  ).executeTakeFirst()
}

/** The segments named, duplicates collapsed, in the order given; a problem for each unknown one. */
async function checkSegments(
  trx: Kysely<Database>,
  workspaceId: string,
  ids: readonly string[],
  problems: string[],
): Promise<string[]> {
  const wanted = [...new Set(ids.map((id) => id.toLowerCase()))]
  const uuids = wanted.filter(isUuid)
  const found = new Set(
    uuids.length === 0
      ? []
      : (
          await trx
            .selectFrom('segments')
            .select('id')
            .where('workspace_id', '=', workspaceId)
            .where('id', 'in', uuids)
            .execute()
        ).map((r) => r.id),
  )
  ids.forEach((id, i) => {
    if (!found.has(id.toLowerCase())) {
      problems.push(`Field 'segment_ids[${i}]' does not name a segment of this workspace`)
    }
  })
  return wanted
}

/** Replaces the segments of a pricebook. */
async function setSegments(w: WriteContext, pricebookId: string, segmentIds: readonly string[]) {
  await w.trx.deleteFrom('pricebook_segments').where('pricebook_id', '=', pricebookId).execute()
  if (segmentIds.length === 0) return
  await referring(() =>
    w.trx
      .insertInto('pricebook_segments')
      .values(
        segmentIds.map((segment_id, position) => ({
          workspace_id: w.workspaceId,
          pricebook_id: pricebookId,
          segment_id,
          position,
        })),
      )
      .execute(),
  )
}

// ---------------------------------------------------------------------------------------------------------
// The rule of a dynamic pricebook.

interface RuleInput {
  adjustment_percent?: number | null
  rounding?: Rounding | null
  rounding_value?: number | null
}

const RULE_FIELDS = ['adjustment_percent', 'rounding', 'rounding_value'] as const

/** A decimal as stored: exactly the number sent ("-10", "0.99"), without exponent. */
function stored(value: number | null | undefined): string | null {
  return value === undefined || value === null ? null : new Decimal(String(value)).toFixed()
}

/** A stored decimal in the form `stored` gives ("-10.0000" from PostgreSQL → "-10"). */
function canonical(value: string | null): string | null {
  return value === null ? null : new Decimal(value).toFixed()
}

/** The columns of a rule that holds. */
function ruleColumns(rule: RuleInput) {
  const rounding = rule.rounding ?? 'minor_unit'
  return {
    adjustment_percent: stored(rule.adjustment_percent),
    rounding,
    rounding_value: rounding === 'minor_unit' ? null : stored(rule.rounding_value),
  }
}

const FOR_DYNAMIC = (field: string) => `Field '${field}' is for dynamic pricebooks only`
const FOR_FIXED_CATALOG =
  "Field 'catalog_id' is for fixed pricebooks only: a dynamic pricebook uses its base pricebook's catalog"
const NO_SUCH_CATALOG = "Field 'catalog_id' does not name a catalog of this workspace"
const SET_AT_CREATION = (field: string) =>
  `Field '${field}' cannot change once the pricebook exists: create another pricebook`

// ---------------------------------------------------------------------------------------------------------

/** The columns that depend on the type of a new pricebook. */
interface Columns {
  type: 'fixed' | 'dynamic'
  catalog_id: string | null
  currency_id: string
  base_pricebook_id: string | null
  adjustment_percent: string | null
  rounding: Rounding | null
  rounding_value: string | null
}

/** The type-specific columns of a new pricebook, or the problems of its fields. */
async function plannedColumns(
  trx: Kysely<Database>,
  workspaceId: string,
  input: PricebookCreate,
  problems: string[],
): Promise<Columns | undefined> {
  if ((input.type ?? 'fixed') === 'fixed') {
    for (const field of ['base_pricebook_id', ...RULE_FIELDS] as const) {
      if (input[field] !== undefined && input[field] !== null) problems.push(FOR_DYNAMIC(field))
    }
    let catalog: string | undefined
    if (input.catalog_id === undefined || input.catalog_id === null) {
      problems.push("Field 'catalog_id' is required for a fixed pricebook")
    } else {
      catalog = await idIn(trx, 'catalogs', workspaceId, input.catalog_id)
      if (!catalog) problems.push(NO_SUCH_CATALOG)
    }
    const currency = await currencyOf(trx, workspaceId, input.currency_id ?? undefined)
    if (!currency) {
      problems.push(
        input.currency_id == null
          ? "Field 'currency_id' is required: the workspace has no active default currency"
          : "Field 'currency_id' does not name an active currency of this workspace",
      )
    }
    if (!catalog || !currency) return undefined
    return {
      type: 'fixed',
      catalog_id: catalog,
      currency_id: currency.id,
      base_pricebook_id: null,
      adjustment_percent: null,
      rounding: null,
      rounding_value: null,
    }
  }
  if (input.catalog_id !== undefined && input.catalog_id !== null) problems.push(FOR_FIXED_CATALOG)
  problems.push(...ruleProblems(input))
  let base: { id: string; type: string; currency_id: string; code: string } | undefined
  if (input.base_pricebook_id === undefined || input.base_pricebook_id === null) {
    problems.push("Field 'base_pricebook_id' is required for a dynamic pricebook")
  } else {
    const id = input.base_pricebook_id
    base = isUuid(id)
      ? await trx
          .selectFrom('pricebooks as p')
          .innerJoin('currencies as c', 'c.id', 'p.currency_id')
          .select(['p.id', 'p.type', 'p.currency_id', 'c.code'])
          .where('p.workspace_id', '=', workspaceId)
          .where('p.id', '=', id.toLowerCase())
          .executeTakeFirst()
      : undefined
    if (!base) {
      problems.push("Field 'base_pricebook_id' does not name a pricebook of this workspace")
    } else if (base.type !== 'fixed') {
      problems.push(
        "Field 'base_pricebook_id' must name a fixed pricebook: a dynamic pricebook cannot be the base of another",
      )
      base = undefined
    } else if (input.currency_id != null && input.currency_id.toLowerCase() !== base.currency_id) {
      problems.push(
        `Field 'currency_id' must be the base pricebook's currency (${base.code}): a dynamic pricebook is in its base's currency`,
      )
    }
  }
  if (!base || problems.length > 0) return undefined
  return {
    type: 'dynamic',
    catalog_id: null,
    currency_id: base.currency_id,
    base_pricebook_id: base.id,
    ...ruleColumns(input),
  }
}

/** Creates a pricebook and its prices; returns its id. */
export async function createPricebook(w: WriteContext, input: PricebookCreate): Promise<string> {
  const { trx, workspaceId } = w
  const problems: string[] = []
  const columns = await plannedColumns(trx, workspaceId, input, problems)
  const segmentIds = await checkSegments(trx, workspaceId, input.segment_ids ?? [], problems)
  if (problems.length > 0 || !columns) throw invalid(problems)
  if (input.api_name !== undefined) {
    const holder = await holderOf(trx, workspaceId, input.api_name)
    if (holder) throw taken(input.api_name, holder)
  }
  const at = nowIso()
  const id = uuidv7()
  await referring(() =>
    withApiName(trx, workspaceId, { explicit: input.api_name, name: input.name }, async (apiName) => {
      await trx
        .insertInto('pricebooks')
        .values({
          id,
          workspace_id: workspaceId,
          name: input.name,
          api_name: apiName,
          reference: input.reference ?? null,
          description: input.description ?? null,
          status: input.status ?? 'active',
          ...columns,
          created_at: at,
          updated_at: at,
        })
        .execute()
    }),
  )
  await setSegments(w, id, segmentIds)
  await syncPrices(w, { pricebookIds: [id] })
  return id
}

/** Whether a value sent for a field set at creation is the stored one (ids in any case). */
function sameAsStored(sent: unknown, value: string | null): boolean {
  if (sent === null || value === null) return sent === value
  return typeof sent === 'string' && sent.toLowerCase() === value
}

/**
 * Applies a partial update: omitted fields stay, null clears. type, currency_id and base_pricebook_id are
 * set at creation; a fixed pricebook takes a catalog_id, a dynamic one its rule, checked whole once merged.
 * False if the pricebook is absent.
 */
export async function updatePricebook(w: WriteContext, id: string, patch: PricebookPatch): Promise<boolean> {
  const { trx, workspaceId } = w
  const current = await trx
    .selectFrom('pricebooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!current) return false
  const problems: string[] = []
  for (const field of ['type', 'currency_id', 'base_pricebook_id'] as const) {
    if (field in patch && !sameAsStored(patch[field], current[field])) problems.push(SET_AT_CREATION(field))
  }
  const set: Record<string, unknown> = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.reference !== undefined ? { reference: patch.reference } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
  }
  let catalogChanged = false
  let ruleChanged = false
  if (current.type === 'fixed') {
    for (const field of RULE_FIELDS) {
      if (patch[field] !== undefined && patch[field] !== null) problems.push(FOR_DYNAMIC(field))
    }
    if (patch.catalog_id === null) {
      problems.push("Field 'catalog_id' cannot be null: a fixed pricebook has a catalog")
    } else if (patch.catalog_id !== undefined) {
      const catalog = await idIn(trx, 'catalogs', workspaceId, patch.catalog_id)
      if (!catalog) problems.push(NO_SUCH_CATALOG)
      else if (catalog !== current.catalog_id) {
        set.catalog_id = catalog
        catalogChanged = true
      }
    }
  } else {
    if (patch.catalog_id !== undefined && patch.catalog_id !== null) problems.push(FOR_FIXED_CATALOG)
    if (RULE_FIELDS.some((field) => patch[field] !== undefined)) {
      const rounding = patch.rounding !== undefined ? (patch.rounding ?? 'minor_unit') : current.rounding
      // A move to 'minor_unit' drops the step or ending it no longer uses.
      const value =
        patch.rounding_value !== undefined
          ? patch.rounding_value
          : rounding === 'minor_unit'
            ? null
            : decimalNumber(current.rounding_value)
      const merged: RuleInput = {
        adjustment_percent:
          patch.adjustment_percent !== undefined
            ? patch.adjustment_percent
            : decimalNumber(current.adjustment_percent),
        rounding: rounding as Rounding,
        rounding_value: value,
      }
      const ruleErrors = ruleProblems(merged)
      problems.push(...ruleErrors)
      if (ruleErrors.length === 0) {
        const columns = ruleColumns(merged)
        ruleChanged =
          columns.adjustment_percent !== canonical(current.adjustment_percent) ||
          columns.rounding !== current.rounding ||
          columns.rounding_value !== canonical(current.rounding_value)
        if (ruleChanged) Object.assign(set, columns)
      }
    }
  }
  let segmentIds: string[] | undefined
  if (patch.segment_ids !== undefined) {
    segmentIds = await checkSegments(trx, workspaceId, patch.segment_ids, problems)
  }
  if (problems.length > 0) throw invalid(problems)
  let segmentsChanged = false
  if (segmentIds !== undefined) {
    const before = (await segmentsOf(trx, workspaceId, [id])).get(id) ?? []
    segmentsChanged = before.join() !== segmentIds.join()
    if (segmentsChanged) await setSegments(w, id, segmentIds)
  }
  const explicit = patch.api_name
  if (explicit !== undefined && explicit !== current.api_name) {
    const holder = await holderOf(trx, workspaceId, explicit, id)
    if (holder) throw taken(explicit, holder)
    await referring(() =>
      withApiName(trx, workspaceId, { explicit, name: '' }, async (apiName) => {
        await updateLive(
          trx,
          'pricebooks',
          workspaceId,
          id,
          { ...set, api_name: apiName },
          { softDeleted: false, touch: segmentsChanged },
        )
      }),
    )
  } else {
    await referring(() =>
      updateLive(trx, 'pricebooks', workspaceId, id, set, { softDeleted: false, touch: segmentsChanged }),
    )
  }
  // Its dynamic pricebooks use its catalog: syncPrices takes their prices along.
  if (catalogChanged) await syncPrices(w, { pricebookIds: [id] })
  if (ruleChanged) await refreshDerived(w, { pricebookIds: [id] })
  const renamed = patch.name !== undefined && patch.name !== current.name
  const apiNameChanged = explicit !== undefined && explicit !== current.api_name
  if (renamed || apiNameChanged) await movePrices(w, id)
  if (apiNameChanged) await moveProducts(w, await pricedProducts(w, id))
  return true
}

// A price shows its pricebook's name and api_name, a product the api_name of each pricebook it has a price
// in: when they change, or the pricebook goes, those records move too (version, so their ETags; event).

const BATCH = 500

/** The variants with an active price in the pricebook. */
async function pricedProducts({ trx, workspaceId }: WriteContext, pricebookId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('prices')
    .select('product_id')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('pricebook_id', '=', pricebookId)
    .where('is_active', '=', flag(true))
    .execute()
  return rows.map((r) => r.product_id)
}

async function moveProducts(w: WriteContext, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  const at = nowIso()
  for (let i = 0; i < ids.length; i += BATCH) {
    await w.trx
      .updateTable('products')
      .set({ updated_at: at })
      .where('workspace_id', '=', w.workspaceId)
      .where('id', 'in', ids.slice(i, i + BATCH))
      .where('deleted_at', 'is', null)
      .execute()
  }
  for (const [id, value] of await findProducts(w.trx, w.workspaceId, ids))
    w.emit(products, 'updated', id, value)
}

async function movePrices(w: WriteContext, pricebookId: string): Promise<void> {
  const { trx, workspaceId } = w
  const ids = (
    await trx
      .selectFrom('prices')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('pricebook_id', '=', pricebookId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  ).map((r) => r.id)
  if (ids.length === 0) return
  await trx
    .updateTable('prices')
    .set({ updated_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('pricebook_id', '=', pricebookId)
    .execute()
  const shown = await findPrices(trx, workspaceId, ids)
  for (const id of ids) w.emit(prices, 'updated', id, shown.get(id))
}

const ADVICE = adviceByKind(
  {
    pricebooks: [
      'delete the dynamic pricebook based on it first',
      'delete the dynamic pricebooks based on it first',
    ],
    quotes: [
      'deactivate it instead (PATCH {"status": "inactive"}): the quote keeps it',
      'deactivate it instead (PATCH {"status": "inactive"}): the quotes keep it',
    ],
  },
  'delete the dynamic pricebooks based on it first, and deactivate it rather than delete it while quotes use it',
)

/**
 * Deletes the pricebook for good, with its prices (the foreign key cascades), unless dynamic pricebooks are
 * based on it (409). The variants it priced no longer list those prices: they move.
 */
export async function deletePricebook(w: WriteContext, id: string): Promise<boolean> {
  const { trx, workspaceId } = w
  // The kernel locked the pricebook's row (PostgreSQL): a dynamic pricebook created on it meanwhile waits
  // for this transaction (its foreign key check), and the count below sees every one committed.
  await refuseIfUsed(trx, workspaceId, pricebooks, id, ADVICE)
  const priced = await pricedProducts(w, id)
  if (!(await deleteRecord(trx, 'pricebooks', workspaceId, id))) return false
  await moveProducts(w, priced)
  return true
}
