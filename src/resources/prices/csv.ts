import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { stringify } from 'csv-stringify'
import { Decimal } from 'decimal.js'
import { type Kysely, sql } from 'kysely'
import { isPostgres, isSet, jsonArrayLength, toStoredTime } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError, type RowProblem } from '../../http/errors.ts'
import { tidyText, validationError, validatorCompiler } from '../../http/validation.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { prices } from './resource.ts'
import { PricePatch, type TierIn } from './schema.ts'
import { updatePrice } from './service.ts'
import { type PriceFilters, type PriceRow, selectFiltered, selectPrices, toPrice } from './store.ts'

// Price import and export, as the CSV of Qwoty's docs (§3.8): one row per price, `id` its only match key.
// Both stream: the export reads the prices a batch at a time (keyset), the import reads its file a row at a
// time and applies the rows a batch at a time, each changed price through updatePrice (the PATCH's rules), all
// in one transaction. A file with a bad row changes nothing: the import goes on to find every bad row, then
// undoes everything and names them all. Memory stays flat however long the file.

/** Read-only keys: written by the export, ignored by the import. */
export const KEY_COLUMNS = [
  'id',
  'product_api_name',
  'pricebook_api_name',
  'currency_code',
  'type',
  'period_unit',
  'period',
] as const
/** What the import changes, as Qwoty's docs name it. */
export const EDITABLE_COLUMNS = [
  'pricing_model',
  'amount',
  'percent',
  'cost',
  'floor_price',
  'vat_code',
  'engagement_type',
  'period_duration_month',
  'pay_as_you_go',
  'identifiers[crm]',
  'identifiers[erp]',
  'identifiers[accounting]',
] as const
/** Quoin's fields beyond the docs' columns, after the tiers. */
export const EXTRA_COLUMNS = ['cost_multiplier', 'price_percentage_type', 'is_setup'] as const
const TIER_PARTS = ['up_to', 'unit_amount', 'flat_amount'] as const
/** The tier columns the export writes at least (more when a price has more tiers). */
export const EXPORTED_TIERS = 10
/** The most tiers a price holds, so the most tier columns a file has: as many as PATCH takes. */
export const MAX_TIERS =
  (PricePatch.properties.volume_tiers as { maxItems?: number }).maxItems ?? EXPORTED_TIERS

const tierColumn = (n: number, part: (typeof TIER_PARTS)[number]) => `tier_${n}_${part}`

/** The header of an export with `tiers` tier columns (three per tier). */
export function priceColumns(tiers = EXPORTED_TIERS): string[] {
  const tierColumns = Array.from({ length: tiers }, (_, i) =>
    TIER_PARTS.map((p) => tierColumn(i + 1, p)),
  ).flat()
  return [...KEY_COLUMNS, ...EDITABLE_COLUMNS, ...tierColumns, ...EXTRA_COLUMNS]
}

// Export.

const EXPORT_BATCH = 1000

function selectExport(db: Kysely<Database>, workspaceId: string, filters: PriceFilters) {
  return selectFiltered(db, workspaceId, filters)
    .innerJoin('product_parents as pp', 'pp.id', 'v.product_parent_id')
    .select('pp.recurrence_type')
}

type ExportRow = Awaited<ReturnType<ReturnType<typeof selectExport>['execute']>>[number]

/** The prices the filters keep, oldest first, a batch at a time (keyset on the workspace's index). */
async function* exportBatches(db: Kysely<Database>, workspaceId: string, filters: PriceFilters) {
  let after: { at: string; id: string } | undefined
  for (;;) {
    const last = after
    const rows = await selectExport(db, workspaceId, filters)
      .$if(last !== undefined, (q) =>
        q.where((eb) => eb(eb.refTuple('t.created_at', 't.id'), '>', eb.tuple(last!.at, last!.id))),
      )
      .orderBy('t.created_at')
      .orderBy('t.id')
      .limit(EXPORT_BATCH)
      .execute()
    if (rows.length > 0) yield rows
    if (rows.length < EXPORT_BATCH) return
    const end = rows.at(-1)!
    after = { at: toStoredTime(end.created_at), id: end.id }
  }
}

/** How many prices the filters keep, and the most tiers one of them shows. */
export async function exportSize(
  db: Kysely<Database>,
  workspaceId: string,
  filters: PriceFilters,
): Promise<{ prices: number; tiers: number }> {
  const shown = sql<number | null>`case t.pricing_model
    when 'volume' then ${jsonArrayLength(db, 't.volume_tiers')}
    when 'graduated' then ${jsonArrayLength(db, 't.graduated_tiers')} end`
  const row = await selectExport(db, workspaceId, filters)
    .clearSelect()
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max(shown).as('tiers')])
    .executeTakeFirstOrThrow()
  return { prices: Number(row.n), tiers: Number(row.tiers ?? 0) }
}

type StoredTier = { up_to: string | null; unit_amount: string | null; flat_amount: string | null }

/** The tiers a price shows: those of its model, volume or graduated; none for the other models. */
function shownTiers(row: Pick<PriceRow, 'pricing_model' | 'volume_tiers' | 'graduated_tiers'>): StoredTier[] {
  const text =
    row.pricing_model === 'volume'
      ? row.volume_tiers
      : row.pricing_model === 'graduated'
        ? row.graduated_tiers
        : null
  return text === null ? [] : (JSON.parse(text) as StoredTier[])
}

const cell = (value: string | number | null | undefined): string =>
  value === null || value === undefined ? '' : String(value)

/** One price as a row of the file: decimals as stored, never through a binary float. */
function toRecord(row: ExportRow, tiers: number): string[] {
  const shown = shownTiers(row)
  const tierCells: string[] = []
  for (let i = 0; i < tiers; i++) {
    const tier = shown[i]
    tierCells.push(cell(tier?.up_to), cell(tier?.unit_amount), cell(tier?.flat_amount))
  }
  return [
    row.id,
    row.variant_api_name,
    row.pricebook_api_name,
    row.currency_code,
    row.recurrence_type,
    cell(row.bf_unit),
    cell(row.bf_period),
    cell(row.pricing_model),
    cell(row.amount),
    cell(row.percent),
    cell(row.cost),
    cell(row.floor_price),
    row.default_tax_id === null ? '' : cell(row.tax_api_name),
    cell(row.engagement_type),
    cell(row.period_duration),
    String(isSet(row.is_pay_as_you_go)),
    cell(row.id_crm),
    cell(row.id_erp),
    cell(row.id_accounting),
    ...tierCells,
    cell(row.cost_multiplier),
    cell(row.price_percentage_type),
    String(isSet(row.is_setup)),
  ]
}

/**
 * The CSV of the prices the filters keep, oldest first, as a stream of text read from the database a
 * batch at a time. Its first query runs before it returns, so a database that cannot answer fails the
 * call rather than the stream. `onRow` is told of each price written.
 */
export async function exportPrices(
  db: Kysely<Database>,
  workspaceId: string,
  filters: PriceFilters,
  onRow?: () => void,
): Promise<Readable> {
  const { tiers } = await exportSize(db, workspaceId, filters)
  const width = Math.max(EXPORTED_TIERS, tiers)
  async function* records() {
    yield priceColumns(width)
    for await (const batch of exportBatches(db, workspaceId, filters)) {
      for (const row of batch) {
        yield toRecord(row, width)
        onRow?.()
      }
    }
  }
  const csv = stringify({ record_delimiter: 'unix' })
  pipeline(Readable.from(records()), csv).catch((err) => csv.destroy(err))
  return csv
}

// Import.

/** What an import did. */
export interface ImportResult {
  /** The rows of the file, its header aside. */
  rows: number
  /** The prices it changed. */
  updated: number
  /** The rows that left their price as it was. */
  unchanged: number
}

/** A file refused for bad rows: every one of them, with its line and reasons. */
export class InvalidRows extends ApiError {
  constructor(rows: RowProblem[], total: number) {
    const n = rows.length
    super(
      'validation_failed',
      `${n} of the ${total} rows ${n === 1 ? 'is' : 'are'} invalid: nothing was imported`,
      rows.flatMap((r) => r.errors.map((e) => `line ${r.line}${r.id === null ? '' : ` (id ${r.id})`}: ${e}`)),
    )
    this.rows = rows
  }
}

const IMPORT_BATCH = 500
/** A cell as an error message quotes it: short. */
const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)

type Editable = (typeof EDITABLE_COLUMNS)[number] | (typeof EXTRA_COLUMNS)[number]
const READ_ONLY = new Set<string>(KEY_COLUMNS.filter((c) => c !== 'id'))
const DECIMAL_COLUMNS = new Set<string>(['amount', 'percent', 'cost', 'floor_price', 'cost_multiplier'])
const BOOLEAN_COLUMNS = new Set<string>(['pay_as_you_go', 'is_setup'])
const TIER_COLUMN = /^tier_([1-9]\d*)_(up_to|unit_amount|flat_amount)$/

/** Where each column of the file's header is, and how many tiers its tier columns hold. */
interface Layout {
  width: number
  id: number
  /** The editable columns of the file, with their place. */
  columns: [Editable, number][]
  /** The place of tier n's columns, at n - 1; empty when the file has none (the tiers stay as they are). */
  tiers: [number, number, number][]
}

function fileError(message: string, details?: string[]): ApiError {
  return new ApiError('validation_failed', message, details)
}

/** The header, checked: every column known and there once, `id` among them, tier columns whole and in order. */
function readHeader(record: string[]): Layout {
  const names = record.map((name) => tidyText(name))
  const known = new Set<string>([...KEY_COLUMNS, ...EDITABLE_COLUMNS, ...EXTRA_COLUMNS])
  const problems: string[] = []
  const unknown: string[] = []
  const seen = new Map<string, number>()
  let tierCount = 0
  for (const [i, name] of names.entries()) {
    if (name === '') problems.push(`Column ${i + 1} of the header has no name`)
    else if (seen.has(name)) problems.push(`Column '${name}' appears twice in the header`)
    else seen.set(name, i)
    const tier = TIER_COLUMN.exec(name)
    if (tier && Number(tier[1]) <= MAX_TIERS) tierCount = Math.max(tierCount, Number(tier[1]))
    else if (name !== '' && !known.has(name)) unknown.push(name)
  }
  if (unknown.length > 0) {
    throw fileError(
      `Unknown column${unknown.length === 1 ? '' : 's'} in the header: ${unknown.map((n) => `'${n}'`).join(', ')}`,
      unknown.map(
        (n) => `Column '${n}' is not a column of the price file (GET /api/prices/export shows them)`,
      ),
    )
  }
  if (!seen.has('id')) problems.push("The header has no 'id' column: id is the only match key")
  const tiers: [number, number, number][] = []
  for (let n = 1; n <= tierCount; n++) {
    const missing = TIER_PARTS.map((p) => tierColumn(n, p)).filter((c) => !seen.has(c))
    if (missing.length > 0) {
      problems.push(
        `The header lacks ${missing.map((m) => `'${m}'`).join(', ')}: tier columns come in threes from tier 1`,
      )
    } else tiers.push(TIER_PARTS.map((p) => seen.get(tierColumn(n, p))!) as [number, number, number])
  }
  if (problems.length > 0) throw fileError(problems[0]!, problems)
  const columns = [...seen]
    .filter(([name]) => name !== 'id' && !READ_ONLY.has(name) && !TIER_COLUMN.test(name))
    .map(([name, i]) => [name as Editable, i] as [Editable, number])
  return { width: names.length, id: seen.get('id')!, columns, tiers }
}

type Identifiers = { crm?: string | null; erp?: string | null; accounting?: string | null }

/** What one row says, read from its cells: a column the file lacks is left out, an empty cell is null. */
interface RowValues {
  pricing_model?: string | null
  amount?: string | null
  percent?: string | null
  cost?: string | null
  floor_price?: string | null
  cost_multiplier?: string | null
  vat_code?: string | null
  engagement_type?: string | null
  period_duration?: number | null
  is_pay_as_you_go?: boolean
  is_setup?: boolean
  price_percentage_type?: string | null
  identifiers?: Identifiers
  tiers?: StoredTier[]
}

interface ParsedRow {
  line: number
  /** The id cell, lower-cased. */
  id: string
  values: RowValues
  problems: string[]
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/
const TRUE = /^(true|1|yes)$/i
const FALSE = /^(false|0|no)$/i

/** A row's cells as values, with what is wrong with their syntax (the PATCH's rules come later). */
function readRow(layout: Layout, record: string[], line: number): ParsedRow {
  const problems: string[] = []
  if (record.length !== layout.width) {
    problems.push(`The row has ${record.length} cells where the header has ${layout.width}`)
  }
  const text = (i: number, column: string): string | null => {
    const raw = record[i] ?? ''
    if (raw.includes('\u0000')) {
      problems.push(`Column '${column}' must not contain NUL characters`)
      return null
    }
    const value = tidyText(raw)
    return value === '' ? null : value
  }
  const decimal = (i: number, column: string): string | null => {
    const value = text(i, column)
    if (value === null) return null
    // A number beyond what a JSON number holds exactly would be changed by the PATCH's rules: refused.
    if (DECIMAL.test(value) && new Decimal(String(Number(value))).equals(value)) return value
    const hint = /^\d+,\d+$/.test(value) ? ' (a dot, not a comma, before the decimals)' : ''
    problems.push(`Column '${column}' must be a decimal number such as 129.99${hint}, not ${quote(value)}`)
    return null
  }
  const values: RowValues = {}
  for (const [column, i] of layout.columns) {
    if (DECIMAL_COLUMNS.has(column)) {
      values[column as 'amount'] = decimal(i, column)
    } else if (BOOLEAN_COLUMNS.has(column)) {
      const value = text(i, column)
      const flag =
        value === null ? undefined : TRUE.test(value) ? true : FALSE.test(value) ? false : undefined
      if (flag === undefined) {
        problems.push(
          `Column '${column}' must be true or false, not ${value === null ? 'empty' : quote(value)}`,
        )
      } else values[column === 'pay_as_you_go' ? 'is_pay_as_you_go' : 'is_setup'] = flag
    } else if (column === 'period_duration_month') {
      const value = text(i, column)
      if (value !== null && !/^[+-]?\d{1,9}$/.test(value)) {
        problems.push(`Column '${column}' must be a whole number of months, not ${quote(value)}`)
      } else values.period_duration = value === null ? null : Number(value)
    } else if (column.startsWith('identifiers[')) {
      const key = column.slice('identifiers['.length, -1) as keyof Identifiers
      values.identifiers = { ...values.identifiers, [key]: text(i, column) }
    } else {
      values[column as 'pricing_model'] = text(i, column)
    }
  }
  if (layout.tiers.length > 0) {
    const tiers: StoredTier[] = []
    let empty = 0
    for (const [n, places] of layout.tiers.entries()) {
      const [upTo, unit, flat] = places.map((i, k) => decimal(i, tierColumn(n + 1, TIER_PARTS[k]!)))
      if (upTo === null && unit === null && flat === null) {
        empty ||= n + 1
        continue
      }
      if (empty)
        problems.push(
          `Tier ${n + 1} follows tier ${empty}, which is empty: tiers run from tier 1 without a gap`,
        )
      tiers.push({ up_to: upTo ?? null, unit_amount: unit ?? null, flat_amount: flat ?? null })
    }
    values.tiers = tiers
  }
  const id = tidyText(record[layout.id] ?? '').toLowerCase()
  if (id === '') problems.push("Column 'id' is empty")
  return { line, id, values, problems }
}

const sameDecimal = (a: string | null | undefined, b: string | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined
    ? (a ?? null) === (b ?? null)
    : new Decimal(a).equals(b)

const sameTiers = (a: StoredTier[], b: StoredTier[]) =>
  a.length === b.length && a.every((t, i) => TIER_PARTS.every((p) => sameDecimal(t[p], b[i]![p])))

const number = (value: string | null) => (value === null ? null : Number(value))

/**
 * The patch that makes a price say what its row says: only what differs, so that a row sent back as
 * exported changes nothing (and is no conflict on a dynamic price). A dynamic price this import has already
 * moved (its base price changed in an earlier row) is `following`: its row shows what it held before, so
 * only its identifiers are compared.
 */
function patchOf(
  values: RowValues,
  price: PriceRow,
  taxes: Map<string, string>,
  following: boolean,
): { patch: PricePatch; problems: string[] } {
  const patch: PricePatch = {}
  const problems: string[] = []
  if (!following) {
    if (values.pricing_model !== undefined && values.pricing_model !== price.pricing_model) {
      patch.pricing_model = values.pricing_model as PricePatch['pricing_model']
    }
    for (const field of ['amount', 'percent', 'cost', 'floor_price', 'cost_multiplier'] as const) {
      const value = values[field]
      if (value !== undefined && !sameDecimal(value, price[field])) patch[field] = number(value)
    }
    if (values.vat_code !== undefined) {
      const taxId = values.vat_code === null ? null : taxes.get(values.vat_code.toLowerCase())
      if (taxId === undefined) {
        problems.push(
          `Column 'vat_code' names no tax of this workspace (the api_name of a tax): ${quote(values.vat_code!)}`,
        )
      } else if (taxId !== price.default_tax_id) patch.default_tax_id = taxId
    }
    for (const field of ['engagement_type', 'price_percentage_type'] as const) {
      const value = values[field]
      if (value !== undefined && value !== price[field]) patch[field] = value as never
    }
    const duration = values.period_duration
    if (
      duration !== undefined &&
      duration !== (price.period_duration === null ? null : Number(price.period_duration))
    ) {
      patch.period_duration = duration
    }
    for (const field of ['is_pay_as_you_go', 'is_setup'] as const) {
      const value = values[field]
      if (value !== undefined && value !== isSet(price[field])) patch[field] = value
    }
    if (values.tiers !== undefined) {
      const model = values.pricing_model !== undefined ? values.pricing_model : price.pricing_model
      if (model === 'volume' || model === 'graduated') {
        const field = model === 'volume' ? 'volume_tiers' : 'graduated_tiers'
        const stored = price[field] === null ? [] : (JSON.parse(price[field]) as StoredTier[])
        if (!sameTiers(values.tiers, stored)) {
          patch[field] =
            values.tiers.length === 0
              ? null
              : values.tiers.map(
                  (t): TierIn => ({
                    up_to: number(t.up_to),
                    unit_amount: number(t.unit_amount),
                    flat_amount: number(t.flat_amount),
                  }),
                )
        }
      } else if (values.tiers.length > 0) {
        problems.push(
          `The tier columns are for the volume and graduated models, not ${model === null ? 'a price without pricing_model' : `'${model}'`}: leave them empty`,
        )
      }
    }
  }
  if (values.identifiers) {
    const stored = { crm: price.id_crm, erp: price.id_erp, accounting: price.id_accounting }
    const identifiers: Identifiers = {}
    for (const [key, value] of Object.entries(values.identifiers) as [keyof Identifiers, string | null][]) {
      if (value !== stored[key]) identifiers[key] = value
    }
    if (Object.keys(identifiers).length > 0) patch.identifiers = identifiers
  }
  return { patch, problems }
}

/** The fields of the PATCH body as the columns of the file name them. */
const COLUMN_OF: Record<string, string> = {
  is_pay_as_you_go: 'pay_as_you_go',
  default_tax_id: 'vat_code',
  period_duration: 'period_duration_month',
  'identifiers.crm': 'identifiers[crm]',
  'identifiers.erp': 'identifiers[erp]',
  'identifiers.accounting': 'identifiers[accounting]',
}

/** A problem the PATCH's rules found ("Field 'volume_tiers[1].up_to' …"), naming the column of the file. */
function inColumns(message: string): string {
  return message.replace(/Field '([^']+)'/g, (_, field: string) => {
    const tier = /^(?:volume|graduated)_tiers\[(\d+)\]\.(up_to|unit_amount|flat_amount)$/.exec(field)
    if (tier) return `Column '${tierColumn(Number(tier[1]) + 1, tier[2] as 'up_to')}'`
    const tiers = /^(?:volume|graduated)_tiers(?:\[(\d+)\])?$/.exec(field)
    if (tiers) return tiers[1] === undefined ? "Column 'tier_*'" : `Columns 'tier_${Number(tiers[1]) + 1}_*'`
    return `Column '${COLUMN_OF[field] ?? field}'`
  })
}

const checkPatch = validatorCompiler({ schema: PricePatch, httpPart: 'body' })

/** What the PATCH's schema says of a patch, as problems; none when it passes. */
function schemaProblems(patch: PricePatch): string[] {
  if (checkPatch(patch)) return []
  return validationError(checkPatch.errors as never, 'body').details ?? []
}

interface ImportState {
  /** The write, as updatePrice gets it: what it emits of other prices marks them `moved`. */
  w: WriteContext
  /** The events of the prices the rows change themselves. */
  emit: WriteContext['emit']
  taxes: Map<string, string>
  /** The prices this import changed through others: the dynamic ones following a base price it changed. */
  moved: Set<string>
  bad: RowProblem[]
  result: ImportResult
}

/** Applies a batch of rows: their prices read in one query, each changed one through updatePrice. */
async function applyBatch(state: ImportState, batch: ParsedRow[]): Promise<void> {
  const { w, bad, result } = state
  const ids = batch.map((r) => r.id).filter(isUuid)
  const current = new Map(
    ids.length === 0
      ? []
      : (
          await selectPrices(w.trx)
            .where('t.workspace_id', '=', w.workspaceId)
            .where('t.id', 'in', ids)
            .execute()
        ).map((row) => [row.id, row] as const),
  )
  const written = new Set<PriceRow>()
  for (const row of batch) {
    const price = current.get(row.id)
    if (!price) {
      const unknown = row.id === '' ? [] : ["Column 'id' names no price of this workspace"]
      // The id is not echoed: it may be another workspace's, and this one must learn nothing of it.
      bad.push({ line: row.line, id: null, errors: [...row.problems, ...unknown] })
      continue
    }
    const { patch, problems } = patchOf(row.values, price, state.taxes, state.moved.has(price.id))
    problems.unshift(...row.problems)
    if (problems.length === 0 && Object.keys(patch).length > 0) {
      problems.push(...schemaProblems(patch).map(inColumns))
      if (problems.length === 0) {
        try {
          if (await updatePrice(w, price.id, patch)) written.add(price)
          else problems.push("Column 'id' names no price of this workspace")
        } catch (err) {
          if (!(err instanceof ApiError) || err.status >= 500) throw err
          problems.push(...(err.details?.length ? err.details : [err.message]).map(inColumns))
        }
      }
    }
    if (problems.length > 0) bad.push({ line: row.line, id: price.id, errors: problems })
    else if (!written.has(price)) result.unchanged++
  }
  // Once a row is bad nothing is kept: what the written ones now hold matters no more.
  if (bad.length > 0 || written.size === 0) return
  const after = new Map(
    (
      await selectPrices(w.trx)
        .where('t.workspace_id', '=', w.workspaceId)
        .where(
          't.id',
          'in',
          [...written].map((p) => p.id),
        )
        .execute()
    ).map((row) => [row.id, row] as const),
  )
  // In the order of the file, each as it now stands.
  for (const price of written) {
    const now = after.get(price.id)!
    // What updatePrice found equal to what the price held leaves its version, and records no event.
    if (now.version === price.version) {
      result.unchanged++
      continue
    }
    result.updated++
    state.emit(prices, 'updated', now.id, toPrice(now).value)
  }
}

/** The lines of a record beyond its first: line breaks inside its quoted cells. */
function breaksIn(record: string[]): number {
  let n = 0
  for (const value of record)
    if (value.includes('\n') || value.includes('\r')) n += value.match(/\r\n|\r|\n/g)!.length
  return n
}

/** Passes bytes through, refusing those that are not UTF-8 (rather than reading them as U+FFFD). */
function utf8Only(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const refuse = () =>
    fileError('The file is not valid UTF-8: save it as "CSV UTF-8", as GET /api/prices/export writes it')
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.decode(chunk, { stream: true })
      } catch {
        return done(refuse())
      }
      done(null, chunk)
    },
    flush(done) {
      try {
        decoder.decode()
      } catch {
        return done(refuse())
      }
      done()
    },
  })
}

/** The longest row the import reads: longer, it is most likely an unclosed quote swallowing the file. */
const MAX_ROW_BYTES = 1 << 20

/** csv-parse's refusal of the file, as the 400 that says where. */
function syntaxError(err: unknown): unknown {
  if (!(err instanceof CsvError)) return err
  const e = err as CsvError & { lines?: number }
  const where = e.lines ? ` at line ${e.lines}` : ''
  const reason =
    e.code === 'CSV_MAX_RECORD_SIZE'
      ? `a row is longer than ${MAX_ROW_BYTES} characters (a quote left open?)`
      : e.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'a quote is left open'
        : e.message.replace(/ at line \d+.*$/s, '')
  return fileError(`The file is not valid CSV${where}: ${reason}`)
}

/**
 * Applies a price file (see the columns above) in the write `w`: rows a batch at a time, each price that
 * changes through updatePrice, with its event. Any bad row (syntax, unknown id, a PATCH rule) is an
 * InvalidRows naming every bad row, thrown once the whole file is read: the write's transaction undoes the
 * rest. `open` may be called again when the write runs again (PostgreSQL serialization failures).
 */
export async function importPrices(
  w: WriteContext,
  open: () => Readable,
  onProgress?: (progress: { bytes: number; rows: number }) => void,
): Promise<ImportResult> {
  const { trx, workspaceId } = w
  // A write of prices locks their pricebooks first (kernel/write.ts): all of them, as this may touch any.
  if (isPostgres(trx)) {
    await sql`select id from pricebooks where workspace_id = ${workspaceId} order by id for update`.execute(
      trx,
    )
  }
  const taxes = await trx
    .selectFrom('taxes')
    .select(['id', 'api_name'])
    .where('workspace_id', '=', workspaceId)
    .execute()
  const moved = new Set<string>()
  const state: ImportState = {
    // The prices updatePrice moves along with the one it writes are recorded as it records them.
    w: {
      ...w,
      emit: (resource, action, id, data) => {
        if (resource === prices) moved.add(id)
        w.emit(resource, action, id, data)
      },
    },
    emit: w.emit,
    taxes: new Map(taxes.map((t) => [t.api_name.toLowerCase(), t.id])),
    moved,
    bad: [],
    result: { rows: 0, updated: 0, unchanged: 0 },
  }
  const source = open()
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    max_record_size: MAX_ROW_BYTES,
  })
  const piped = pipeline(source, utf8Only(), parser)
  // Its errors reach the loop below too, which reports them; the end of the loop waits for it.
  piped.catch(() => {})
  let layout: Layout | undefined
  let batch: ParsedRow[] = []
  let inBatch = new Set<string>()
  let bytes = 0
  const flush = async () => {
    await applyBatch(state, batch)
    await w.flushEvents()
    batch = []
    inBatch = new Set()
    onProgress?.({ bytes, rows: state.result.rows })
  }
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[]
      info: { lines: number; bytes: number }
    }>) {
      bytes = info.bytes
      if (!layout) {
        layout = readHeader(record)
        continue
      }
      state.result.rows++
      const row = readRow(layout, record, info.lines - breaksIn(record))
      // A row naming a price of the batch again waits for the batch: it applies over what that row did.
      if (batch.length >= IMPORT_BATCH || inBatch.has(row.id)) await flush()
      batch.push(row)
      inBatch.add(row.id)
    }
    await piped
  } catch (err) {
    throw syntaxError(err)
  } finally {
    source.destroy()
  }
  if (!layout) throw fileError("The file is empty: its first line must be the header, with an 'id' column")
  await flush()
  if (state.bad.length > 0) throw new InvalidRows(state.bad, state.result.rows)
  return state.result
}

// Uploads.

/**
 * A CSV file received, kept on disk rather than in memory, until the request that sent it has answered.
 * Its enumerable fields are what it means (an Idempotency-Key's fingerprint is made of them), not where
 * it lies.
 */
export class CsvUpload {
  readonly sha256: string
  readonly bytes: number
  readonly #path: string

  constructor(path: string, sha256: string, bytes: number) {
    this.#path = path
    this.sha256 = sha256
    this.bytes = bytes
  }

  open(): Readable {
    return createReadStream(this.#path)
  }

  remove(): Promise<void> {
    return rm(this.#path, { force: true })
  }
}

/**
 * Copies `source` to a temporary file, at most `limit` bytes (else a 413, the rest left unread), and
 * returns it with its SHA-256.
 */
export function spoolCsv(source: Readable, limit = Number.POSITIVE_INFINITY): Promise<CsvUpload> {
  const path = join(tmpdir(), `quoin-prices-${randomUUID()}.csv`)
  const tooLarge = () => new ApiError('payload_too_large', `The file is larger than ${limit} bytes`)
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    const file = createWriteStream(path, { flags: 'wx', mode: 0o600 })
    let bytes = 0
    let failed = false
    const fail = (err: unknown) => {
      if (failed) return
      failed = true
      source.off('data', onData)
      source.pause()
      file.destroy()
      rm(path, { force: true }).finally(() => reject(err))
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > limit) return fail(tooLarge())
      hash.update(chunk)
      if (!file.write(chunk)) {
        source.pause()
        file.once('drain', () => source.resume())
      }
    }
    source.on('data', onData)
    source.once('error', fail)
    source.once('aborted', () =>
      fail(new ApiError('request_timeout', 'The request was aborted before its end')),
    )
    file.once('error', fail)
    source.once('end', () => {
      if (failed) return
      file.end(() => resolve(new CsvUpload(path, hash.digest('hex'), bytes)))
    })
  })
}
