import { Decimal } from 'decimal.js'
import type { Insertable, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { PriceTable } from '../../db/types.ts'
import { minorUnitsOf } from '../../domain/currencies.ts'
import { applyRule, type Rounding } from '../../domain/pricebook-rules.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { products } from '../products/resource.ts'
import { findProducts } from '../products/store.ts'
import { prices } from './resource.ts'
import { findPrices } from './store.ts'

// Prices are never made or deleted by hand, as in Qwoty: a row exists for every (pricebook, variant of its
// catalog), one per active billing frequency for a recurring product, made with empty pricing fields when
// the pricebook, the variant, the catalog membership or the frequency appears, and deactivated (never
// deleted: quotes and integrations hold their ids) when it goes; it comes back active, filled in as it was,
// if it returns. A dynamic pricebook's rows follow their base pricebook's (parent_price_id) through its rule.
// Every write that can change the set calls syncPrices in its own transaction, for what it touched.

export interface SyncScope {
  /** These pricebooks (with the dynamic ones based on them, and their bases). */
  pricebookIds?: readonly string[]
  /** The variants of these product parents, in every pricebook. */
  productParentIds?: readonly string[]
}

const BATCH = 500

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH))
  return out
}

interface Book {
  id: string
  type: 'fixed' | 'dynamic'
  catalog_id: string | null
  base_pricebook_id: string | null
}

/** The pricebooks a scope touches: those named, the dynamic ones based on them, and their bases. */
async function booksOf(w: WriteContext, scope: SyncScope): Promise<Book[]> {
  const { trx, workspaceId } = w
  const base = trx
    .selectFrom('pricebooks')
    .select(['id', 'type', 'catalog_id', 'base_pricebook_id'])
    .where('workspace_id', '=', workspaceId)
  if (!scope.pricebookIds) return base.orderBy('created_at').orderBy('id').execute()
  if (scope.pricebookIds.length === 0) return []
  const named = scope.pricebookIds
  return base
    .where((eb) =>
      eb.or([
        eb('id', 'in', named),
        eb('base_pricebook_id', 'in', named),
        eb(
          'id',
          'in',
          eb
            .selectFrom('pricebooks')
            .select('base_pricebook_id')
            .where('workspace_id', '=', workspaceId)
            .where('id', 'in', named)
            .where('base_pricebook_id', 'is not', null)
            .$narrowType<{ base_pricebook_id: string }>(),
        ),
      ]),
    )
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

const keyOf = (pricebookId: string, productId: string, slot: string) => `${pricebookId}|${productId}|${slot}`

/**
 * Makes, reactivates and deactivates the price rows of `scope` so that they match the catalog. A product
 * whose prices change moves (version, updated_at: its object lists its prices), with its event unless the
 * caller, a write of products that records their events from their versions, says `productEvents: false`:
 * then the events of the prices wait for the function it returns, so that they come after the products'.
 */
export async function syncPrices(
  w: WriteContext,
  scope: SyncScope = {},
  options: { productEvents?: boolean; touchProducts?: boolean } = {},
): Promise<() => Promise<void>> {
  const none = async () => {}
  const { trx, workspaceId } = w
  if (scope.productParentIds?.length === 0) return none
  const books = await booksOf(w, scope)
  if (books.length === 0) return none
  const byId = new Map(books.map((b) => [b.id, b]))
  const catalogOf = (b: Book) =>
    b.type === 'fixed' ? b.catalog_id : byId.get(b.base_pricebook_id ?? '')?.catalog_id
  const catalogIds = [...new Set(books.map(catalogOf).filter((c): c is string => !!c))]

  const parents = scope.productParentIds
  const variants =
    catalogIds.length === 0
      ? []
      : await trx
          .selectFrom('product_parent_catalogs as ppc')
          .innerJoin('product_parents as pp', 'pp.id', 'ppc.product_parent_id')
          .innerJoin('products as p', 'p.product_parent_id', 'pp.id')
          .select(['ppc.catalog_id', 'p.id as product_id', 'pp.recurrence_type'])
          .where('ppc.workspace_id', '=', workspaceId)
          .where('ppc.catalog_id', 'in', catalogIds)
          .where('pp.deleted_at', 'is', null)
          .where('p.deleted_at', 'is', null)
          .$if(parents !== undefined, (q) => q.where('pp.id', 'in', parents as string[]))
          .orderBy('p.created_at')
          .orderBy('p.id')
          .execute()
  const frequencies = (
    await trx
      .selectFrom('billing_frequencies')
      .select(['id', 'is_active'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  )
    .filter((f) => isSet(f.is_active))
    .map((f) => f.id)

  const existing = await trx
    .selectFrom('prices')
    .select(['id', 'pricebook_id', 'product_id', 'slot', 'is_active', 'parent_price_id'])
    .where('workspace_id', '=', workspaceId)
    .where(
      'pricebook_id',
      'in',
      books.map((b) => b.id),
    )
    .$if(parents !== undefined, (q) =>
      q.where('product_id', 'in', (eb) =>
        eb
          .selectFrom('products')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('product_parent_id', 'in', parents as string[]),
      ),
    )
    .execute()
  const rows = new Map(existing.map((r) => [keyOf(r.pricebook_id, r.product_id, r.slot), r]))

  const at = nowIso()
  const created: string[] = []
  const toActivate: string[] = []
  /** Dynamic rows that name another base row now: changed, active or not. */
  const reparented: string[] = []
  const dynamicTouched: string[] = []
  const desired = new Set<string>()
  const inserts: Insertable<PriceTable>[] = []
  // Fixed pricebooks first: a dynamic row names its base's row, which must exist by then.
  const ordered = [...books].sort((a, b) => (a.type === b.type ? 0 : a.type === 'fixed' ? -1 : 1))
  for (const book of ordered) {
    const catalog = catalogOf(book)
    for (const v of variants) {
      if (v.catalog_id !== catalog) continue
      for (const slot of v.recurrence_type === 'recurring' ? frequencies : ['']) {
        const key = keyOf(book.id, v.product_id, slot)
        if (desired.has(key)) continue
        desired.add(key)
        const parentId =
          book.type === 'dynamic'
            ? (rows.get(keyOf(book.base_pricebook_id ?? '', v.product_id, slot))?.id ?? null)
            : null
        const row = rows.get(key)
        if (!row) {
          const id = uuidv7()
          rows.set(key, {
            id,
            pricebook_id: book.id,
            product_id: v.product_id,
            slot,
            is_active: 1,
            parent_price_id: parentId,
          })
          inserts.push(emptyPrice(id, workspaceId, book.id, v.product_id, slot, parentId, at))
          created.push(id)
          if (book.type === 'dynamic') dynamicTouched.push(id)
          continue
        }
        if (!isSet(row.is_active)) toActivate.push(row.id)
        if (book.type === 'dynamic' && row.parent_price_id !== parentId) {
          await trx
            .updateTable('prices')
            .set({ parent_price_id: parentId, updated_at: at })
            .where('workspace_id', '=', workspaceId)
            .where('id', '=', row.id)
            .execute()
          dynamicTouched.push(row.id)
          reparented.push(row.id)
        } else if (book.type === 'dynamic' && !isSet(row.is_active)) {
          dynamicTouched.push(row.id)
        }
      }
    }
  }
  const toDeactivate = existing
    .filter((r) => isSet(r.is_active) && !desired.has(keyOf(r.pricebook_id, r.product_id, r.slot)))
    .map((r) => r.id)

  // A concurrent write that made the same row first wins; this one leaves it be (and records nothing of it).
  const inserted = new Set<string>()
  for (const batch of chunks(inserts)) {
    const rowsIn = await trx
      .insertInto('prices')
      .values(batch)
      .onConflict((oc) => oc.columns(['pricebook_id', 'product_id', 'slot']).doNothing())
      .returning('id')
      .execute()
    for (const r of rowsIn) inserted.add(r.id)
  }
  if (inserted.size < created.length)
    created.splice(0, created.length, ...created.filter((id) => inserted.has(id)))
  for (const [ids, active] of [
    [toActivate, true],
    [toDeactivate, false],
  ] as const) {
    for (const batch of chunks(ids)) {
      await trx
        .updateTable('prices')
        .set({ is_active: flag(active), updated_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', batch)
        .where('is_active', '=', flag(!active))
        .execute()
    }
  }
  const moved = new Set<string>()
  const productOf = new Map([...rows.values()].map((r) => [r.id, r.product_id]))
  // The demo, which makes its products with their prices in one write, shows them as the docs date them.
  if (options.touchProducts !== false) {
    for (const id of [...created, ...toActivate, ...toDeactivate]) moved.add(productOf.get(id) as string)
  }
  for (const batch of chunks([...moved])) {
    await trx
      .updateTable('products')
      .set({ updated_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', batch)
      .where('deleted_at', 'is', null)
      .execute()
  }
  if (options.productEvents !== false && moved.size > 0) {
    const shown = await findProducts(trx, workspaceId, [...moved])
    for (const [id, value] of shown) w.emit(products, 'updated', id, value)
  }
  const derived = await refreshDerived(w, { priceIds: dynamicTouched }, false)
  const made = new Set(created)
  const updated = [...new Set([...toActivate, ...toDeactivate, ...reparented, ...derived])].filter(
    (id) => !made.has(id),
  )
  const record = async () => {
    await emitPrices(w, created, 'created')
    await emitPrices(w, updated, 'updated')
  }
  if (options.productEvents === false) return record
  await record()
  return none
}

function emptyPrice(
  id: string,
  workspaceId: string,
  pricebookId: string,
  productId: string,
  slot: string,
  parentId: string | null,
  at: string,
): Insertable<PriceTable> {
  return {
    id,
    workspace_id: workspaceId,
    pricebook_id: pricebookId,
    product_id: productId,
    billing_frequency_id: slot === '' ? null : slot,
    slot,
    parent_price_id: parentId,
    is_active: 1,
    pricing_model: null,
    amount: null,
    volume_tiers: null,
    is_volume_grid_displayed: 0,
    graduated_tiers: null,
    is_graduated_grid_displayed: 0,
    percent: null,
    price_percentage_type: null,
    percentage_product_ids: null,
    cost: null,
    cost_multiplier: null,
    floor_price: null,
    is_setup: 0,
    is_pay_as_you_go: 0,
    default_tax_id: null,
    engagement_type: null,
    period_duration: null,
    id_crm: null,
    id_erp: null,
    id_accounting: null,
    created_at: at,
    updated_at: at,
  }
}

async function emitPrices(w: WriteContext, ids: readonly string[], action: 'created' | 'updated') {
  if (ids.length === 0) return
  const shown = await findPrices(w.trx, w.workspaceId, ids)
  for (const id of ids) w.emit(prices, action, id, shown.get(id))
}

/** The columns a dynamic price takes from the base price it follows; its identifiers stay its own. */
const FOLLOWED = [
  'pricing_model',
  'amount',
  'volume_tiers',
  'is_volume_grid_displayed',
  'graduated_tiers',
  'is_graduated_grid_displayed',
  'percent',
  'price_percentage_type',
  'percentage_product_ids',
  'cost',
  'cost_multiplier',
  'floor_price',
  'is_setup',
  'is_pay_as_you_go',
  'default_tax_id',
  'engagement_type',
  'period_duration',
] as const
type Followed = Pick<Selectable<PriceTable>, (typeof FOLLOWED)[number]>

interface Rule {
  adjustment_percent: string | null
  rounding: string | null
  rounding_value: string | null
  code: string
}

type StoredTier = { up_to: string | null; unit_amount: string | null; flat_amount: string | null }

/** What a dynamic price holds, from its base price and its pricebook's rule. */
function follow(base: Followed, rule: Rule): Followed {
  const r = {
    adjustmentPercent: rule.adjustment_percent ?? '0',
    rounding: (rule.rounding ?? 'minor_unit') as Rounding,
    roundingValue: rule.rounding_value,
  }
  const minor = minorUnitsOf(rule.code)
  const moved = (v: string | null) => (v === null ? null : applyRule(v, r, minor).toFixed(minor))
  const tiers = (text: string | null) =>
    text === null
      ? null
      : JSON.stringify(
          (JSON.parse(text) as StoredTier[]).map((t) => ({
            up_to: t.up_to,
            unit_amount: moved(t.unit_amount),
            flat_amount: moved(t.flat_amount),
          })),
        )
  return {
    ...base,
    amount: moved(base.amount),
    volume_tiers: tiers(base.volume_tiers),
    graduated_tiers: tiers(base.graduated_tiers),
    floor_price: moved(base.floor_price),
    // A cost-plus price moves with its multiplier: the cost is what it costs, in any pricebook.
    cost_multiplier:
      base.cost_multiplier === null
        ? null
        : new Decimal(base.cost_multiplier)
            .times(new Decimal(100).plus(r.adjustmentPercent))
            .dividedBy(100)
            .toFixed(),
  }
}

const DECIMALS = new Set(['amount', 'percent', 'cost', 'cost_multiplier', 'floor_price'])

function same(column: string, a: unknown, b: unknown): boolean {
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null)
  if (DECIMALS.has(column)) return new Decimal(a as string).equals(b as string)
  if (typeof a === 'boolean' || typeof b === 'boolean') return isSet(a as number) === isSet(b as number)
  return String(a) === String(b)
}

/**
 * Sets what the dynamic prices of `scope` take from their base prices (a base price changed, a rule
 * changed, rows appeared); returns the ids of those that changed, and records their events unless the
 * caller records them (`emit` false).
 */
export async function refreshDerived(
  w: WriteContext,
  scope: {
    pricebookIds?: readonly string[]
    parentPriceIds?: readonly string[]
    priceIds?: readonly string[]
  },
  emit = true,
): Promise<string[]> {
  const { trx, workspaceId } = w
  const [column, ids] = scope.priceIds
    ? (['c.id', scope.priceIds] as const)
    : scope.parentPriceIds
      ? (['c.parent_price_id', scope.parentPriceIds] as const)
      : (['c.pricebook_id', scope.pricebookIds ?? []] as const)
  const changed: string[] = []
  const at = nowIso()
  for (const batch of chunks(ids)) {
    const children = await trx
      .selectFrom('prices as c')
      .innerJoin('pricebooks as pb', 'pb.id', 'c.pricebook_id')
      .innerJoin('currencies as cur', 'cur.id', 'pb.currency_id')
      .selectAll('c')
      .select(['pb.adjustment_percent', 'pb.rounding', 'pb.rounding_value', 'cur.code'])
      .where('c.workspace_id', '=', workspaceId)
      .where('pb.type', '=', 'dynamic')
      .where('c.parent_price_id', 'is not', null)
      .where(column, 'in', batch)
      .execute()
    if (children.length === 0) continue
    const parentIds = [...new Set(children.map((c) => c.parent_price_id as string))]
    const bases = new Map(
      (
        await trx
          .selectFrom('prices')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', parentIds)
          .execute()
      ).map((p) => [p.id, p]),
    )
    for (const child of children) {
      const base = bases.get(child.parent_price_id as string)
      if (!base) continue
      const target = follow(base, child)
      const changes: Record<string, unknown> = {}
      for (const c of FOLLOWED) {
        if (!same(c, child[c], target[c])) changes[c] = target[c]
      }
      if (Object.keys(changes).length === 0) continue
      await trx
        .updateTable('prices')
        .set({ ...changes, updated_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', child.id)
        .execute()
      changed.push(child.id)
    }
  }
  if (emit) await emitPrices(w, changed, 'updated')
  return changed
}

/**
 * Runs `write` (an update of a tax or a currency) and, when it changed one of `columns`, which price objects
 * show (`default_tax_name`, `currency_name` …), moves the prices that show it (version, updated_at, event):
 * their ETag must not stay the same while their body changes.
 */
export async function touchingPrices(
  w: WriteContext,
  record: { table: 'taxes' | 'currencies'; id: string; columns: readonly string[] },
  write: () => Promise<boolean>,
): Promise<boolean> {
  const { trx, workspaceId } = w
  const read = async () =>
    JSON.stringify(
      await trx
        .selectFrom(record.table)
        .select(record.columns as never[])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', record.id)
        .executeTakeFirst(),
    )
  const before = await read()
  if (!(await write())) return false
  if ((await read()) === before) return true
  const ids = (
    await trx
      .selectFrom('prices')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .$if(record.table === 'taxes', (q) => q.where('default_tax_id', '=', record.id))
      .$if(record.table === 'currencies', (q) =>
        q.where('pricebook_id', 'in', (eb) =>
          eb
            .selectFrom('pricebooks')
            .select('id')
            .where('workspace_id', '=', workspaceId)
            .where('currency_id', '=', record.id),
        ),
      )
      .execute()
  ).map((r) => r.id)
  await touchPriceRows(w, ids)
  return true
}

/** As touchingPrices, for variants renamed by `write` (a product's own PATCH, or its parent's renaming it). */
export async function touchingVariantPrices(
  w: WriteContext,
  where: { parentId: string } | { id: string },
  write: () => Promise<boolean>,
): Promise<boolean> {
  const { trx, workspaceId } = w
  const names = async () =>
    new Map(
      (
        await trx
          .selectFrom('products')
          .select(['id', 'name'])
          .where('workspace_id', '=', workspaceId)
          .where(
            'parentId' in where ? 'product_parent_id' : 'id',
            '=',
            'parentId' in where ? where.parentId : where.id,
          )
          .execute()
      ).map((r) => [r.id, r.name]),
    )
  const before = await names()
  if (!(await write())) return false
  const renamed = [...(await names())]
    .filter(([id, name]) => before.has(id) && before.get(id) !== name)
    .map(([id]) => id)
  if (renamed.length === 0) return true
  const ids = (
    await trx
      .selectFrom('prices')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('product_id', 'in', renamed)
      .execute()
  ).map((r) => r.id)
  await touchPriceRows(w, ids)
  return true
}

/** Moves the prices `ids` (version, updated_at) and records their price.updated: what they show changed. */
async function touchPriceRows(w: WriteContext, ids: readonly string[]) {
  const at = nowIso()
  for (const batch of chunks(ids)) {
    await w.trx
      .updateTable('prices')
      .set({ updated_at: at })
      .where('workspace_id', '=', w.workspaceId)
      .where('id', 'in', batch)
      .execute()
  }
  await emitPrices(w, ids, 'updated')
}
