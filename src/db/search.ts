// Search (`?q=`) as one capability: what a record is searched by, how its text is folded, and how a list
// asks for the records that contain a text. Every searchable table carries `search_text`, its searchable
// fields folded and joined, written by the statement that writes the fields (see the stores); customers
// also carry `search_tax`, their tax values, which q matches in their own normalised form.
//
// Folding happens here, in the application, so that SQLite and PostgreSQL match exactly the same records.
// The index is made for substring search on each database: an FTS5 table with the trigram tokenizer on
// SQLite (`<table>_search`, kept in step by triggers, see migration 0005), a GIN trigram index (pg_trgm)
// on PostgreSQL. A trigram index needs at least 3 characters: a shorter text is looked for by a scan.
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely'
import { normalizeTaxValue } from '../domain/tax-ids.ts'
import { isPostgres } from './dialect.ts'
import { rowsWhere, type SortColumn } from './lookup.ts'
import type { Database } from './types.ts'

export type Searchable = 'customers' | 'contacts' | 'segments' | 'products'

/** Between fields in search_text: fold() turns it into a space, so no text searched for can span two fields. */
const SEPARATOR = '\u001f'
const MARKS = /\p{M}/gu

/**
 * Text as search compares it: compatibility-decomposed (NFKD), without combining marks (accents), in lower
 * case, final sigma as sigma. `Société`, `SOCIÉTÉ` and `societe` fold alike.
 */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replaceAll('ς', 'σ')
    .replaceAll(SEPARATOR, ' ')
}

function joined(fields: readonly (string | null | undefined)[]): string {
  return fields
    .filter((f): f is string => f !== null && f !== undefined && f !== '')
    .map(fold)
    .join(SEPARATOR)
}

/** A customer's search_text: its name and external ids. */
export function customerSearchText(c: {
  name: string
  id_crm?: string | null
  id_erp?: string | null
  id_accounting?: string | null
}): string {
  return joined([c.name, c.id_crm, c.id_erp, c.id_accounting])
}

/** A customer's search_tax: its tax values, normalised as tax_value filters compare them. */
export function customerSearchTax(taxValues: readonly string[]): string {
  return joined(taxValues.map(normalizeTaxValue))
}

/** A contact's search_text: first name, last name, email. */
export function contactSearchText(c: { first_name: string; last_name: string; email: string }): string {
  return joined([c.first_name, c.last_name, c.email])
}

/** A segment's search_text: its name and reference. */
export function segmentSearchText(s: { name: string; reference?: string | null }): string {
  return joined([s.name, s.reference])
}

/** A product's (variant's) search_text: its name, api_name, reference and SKU. */
export function productSearchText(p: {
  name: string
  api_name: string
  reference?: string | null
  sku?: string | null
}): string {
  return joined([p.name, p.api_name, p.reference, p.sku])
}

/** What each table's search_text is made of, and whether its deleted records stay (soft deletion). */
const SEARCHED: Record<
  Searchable,
  { fields: readonly string[]; text: (record: never) => string; softDeleted: boolean }
> = {
  customers: {
    fields: ['name', 'id_crm', 'id_erp', 'id_accounting'],
    text: customerSearchText,
    softDeleted: true,
  },
  contacts: { fields: ['first_name', 'last_name', 'email'], text: contactSearchText, softDeleted: true },
  segments: { fields: ['name', 'reference'], text: segmentSearchText, softDeleted: false },
  products: { fields: ['name', 'api_name', 'reference', 'sku'], text: productSearchText, softDeleted: true },
}

/**
 * The search_text that `changes` (the columns an update sets, as it stores them) give the live record `id`,
 * from the record as it is (locked by the write): `{}` when they change no searched field, undefined when
 * the record is not there.
 */
export async function searchTextAfter(
  trx: Kysely<Database>,
  table: Searchable,
  workspaceId: string,
  id: string,
  changes: Record<string, unknown>,
): Promise<{ search_text?: string } | undefined> {
  const { fields, text, softDeleted } = SEARCHED[table]
  if (!fields.some((f) => changes[f] !== undefined)) return {}
  const live = softDeleted ? sql` and deleted_at is null` : sql``
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(fields.map((f) => sql.ref(f)))}
    from ${sql.table(table)} where workspace_id = ${workspaceId} and id = ${id}${live}`.execute(trx)
  const current = rows[0]
  if (!current) return undefined
  for (const f of fields) if (changes[f] !== undefined) current[f] = changes[f]
  return { search_text: text(current as never) }
}

/** The columns q is looked for in, each with what q becomes there. */
const NEEDLES: Record<Searchable, { column: 'search_text' | 'search_tax'; needle: (q: string) => string }[]> =
  {
    customers: [
      { column: 'search_text', needle: fold },
      { column: 'search_tax', needle: (q) => fold(normalizeTaxValue(q)) },
    ],
    contacts: [{ column: 'search_text', needle: fold }],
    segments: [{ column: 'search_text', needle: fold }],
    products: [{ column: 'search_text', needle: fold }],
  }

/** The shortest text a trigram index can find: shorter ones are looked for by a scan. */
const TRIGRAM = 3

/**
 * On SQLite, up to this many matches are looked up one by one and sorted; with more, the list walks its
 * own index in page order and tests each row, which finds a page of them soon enough. Around one million
 * rows the two cost the same near two thousand matches.
 */
export const FEW = 2000

/** A LIKE pattern matching `text` anywhere, its own % _ and \ taken literally (ESCAPE '\'). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** An FTS5 query: the text as one phrase, which the trigram tokenizer matches as a substring. */
function phrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`
}

/**
 * The records of `table` (aliased `alias`, the list sorted by `sort`) that contain `q` in a searchable
 * field, ignoring case and accents, with LIKE's wildcards taken literally: a condition for the list's WHERE.
 * On SQLite it asks the FTS5 table first how many records match (in every workspace: the index is shared).
 */
export async function matches(
  db: Kysely<Database>,
  table: Searchable,
  q: string,
  sort: SortColumn = 'created_at',
  alias = 't',
): Promise<Expression<SqlBool>> {
  const terms = NEEDLES[table]
    .map(({ column, needle }) => ({ column, text: needle(q) }))
    // An empty needle (q holds only what a tax value drops) looks for nothing in that column.
    .filter((t) => t.text !== '')
  if (terms.length === 0) return sql<SqlBool>`1 = 0`
  const like = sql<SqlBool>`(${sql.join(
    terms.map((t) => sql`${sql.ref(`${alias}.${t.column}`)} like ${containsPattern(t.text)} escape '\\'`),
    sql` or `,
  )})`
  // On PostgreSQL the GIN trigram index serves LIKE itself (a needle under 3 characters scans).
  if (isPostgres(db) || terms.some((t) => [...t.text].length < TRIGRAM)) return like
  const fts = sql.table(`${table}_search`)
  const query = terms.map((t) => `${t.column} : ${phrase(t.text)}`).join(' OR ')
  const { rows } = await sql<{ rowid: number }>`select rowid from ${fts} where ${fts} match ${query}
    limit ${FEW}`.execute(db)
  if (rows.length === 0) return sql<SqlBool>`1 = 0`
  if (rows.length >= FEW) return like
  // The trigram phrase finds every record holding the text (and, in principle, more): LIKE keeps exactly
  // what PostgreSQL keeps, and a record changed since the first statement is judged as it is now.
  const found = sql<SqlBool>`rowid in (select value from json_each(${JSON.stringify(rows.map((r) => r.rowid))}))`
  return sql<SqlBool>`(${rowsWhere(db, table, found, sort, alias)} and ${like})`
}
