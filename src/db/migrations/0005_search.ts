import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen: never edit a migration that has shipped; add a new one.
// Search (?q=) through an index made for substring search. Every searchable table gets `search_text`,
// its searchable fields folded (NFKD, no combining marks, lower case) and joined by U+001F; customers
// also get `search_tax`, their tax values normalised. The application writes both with the record; this
// migration fills them for the records that exist, with a copy of the application's folding as it is today.
// SQLite: an FTS5 table per searchable table (`<table>_search`), trigram tokenizer, external content keyed by
// the table's rowid, kept in step by triggers. VACUUM keeps the rowids of a table that has an index, as each
// of these has (its primary key's); `insert into customers_search(customers_search) values ('rebuild')`
// rebuilds one from its table. PostgreSQL: pg_trgm, and a GIN trigram index per table.

const SEPARATOR = '\u001f'

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replaceAll('ς', 'σ')
    .replaceAll(SEPARATOR, ' ')
}

function joined(fields: (string | null)[]): string {
  return fields
    .filter((f): f is string => f !== null && f !== '')
    .map(fold)
    .join(SEPARATOR)
}

function normalizeTaxValue(value: string): string {
  return value.toUpperCase().replace(/[\s./\-\u2010-\u2015\u2212]/g, '')
}

interface Source {
  table: 'customers' | 'contacts' | 'segments'
  fields: string[]
  columns: string[]
}

const SOURCES: Source[] = [
  {
    table: 'customers',
    fields: ['name', 'id_crm', 'id_erp', 'id_accounting'],
    columns: ['search_text', 'search_tax'],
  },
  { table: 'contacts', fields: ['first_name', 'last_name', 'email'], columns: ['search_text'] },
  { table: 'segments', fields: ['name', 'reference'], columns: ['search_text'] },
]

const BATCH = 500

type Row = Record<string, string | null>

/** Fills the new columns of every existing row, a batch at a time, in id order. */
async function backfill(db: Kysely<unknown>, pg: boolean, source: Source) {
  const t = sql.table(source.table)
  let after: string | null = null
  for (;;) {
    const fields = sql.join(source.fields.map((f) => sql.ref(f)))
    const rows: Row[] = (
      await sql<Row>`select id, ${fields} from ${t}
        ${after === null ? sql`` : sql`where id > ${after}`} order by id limit ${BATCH}`.execute(db)
    ).rows.map((r) => ({ ...r, id: String(r.id) }))
    if (rows.length === 0) return
    after = rows.at(-1)!.id as string
    const taxes = new Map<string, string[]>()
    if (source.table === 'customers') {
      const ids = rows.map((r) => r.id as string)
      const { rows: taxRows } = await sql<{ customer_id: string; tax_value: string }>`
        select customer_id, tax_value from customer_tax_ids
        where customer_id in (${sql.join(ids)}) order by customer_id, position`.execute(db)
      for (const r of taxRows) {
        const id = String(r.customer_id)
        taxes.set(id, [...(taxes.get(id) ?? []), normalizeTaxValue(r.tax_value)])
      }
    }
    const values = rows.map((r) => {
      const text = joined(source.fields.map((f) => r[f] ?? null))
      const row = [r.id, text]
      if (source.table === 'customers') row.push(joined(taxes.get(r.id as string) ?? []))
      return sql`(${sql.join(row)})`
    })
    const id = pg ? sql`v.column1::uuid` : sql`v.column1`
    const set = sql.join(source.columns.map((c, i) => sql`${sql.ref(c)} = ${sql.ref(`v.column${i + 2}`)}`))
    await sql`update ${t} set ${set} from (values ${sql.join(values)}) as v
      where ${t}.id = ${id}`.execute(db)
  }
}

/** The SQLite trigger of migration 0003 that bumps a record's version on every update. */
function sqliteBumpVersion(table: string) {
  const t = sql.raw(table)
  return sql`create trigger ${sql.raw(`${table}_bump_version`)} after update on ${t}
    for each row when new.version = old.version
    begin update ${t} set version = old.version + 1 where id = new.id; end`
}

async function upSqlite(db: Kysely<unknown>) {
  for (const source of SOURCES) {
    const table = source.table
    for (const column of source.columns) {
      await db.schema
        .alterTable(table)
        .addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
        .execute()
    }
    // Filling the columns is no change of the record: its version (its ETag) stays.
    await sql`drop trigger ${sql.raw(`${table}_bump_version`)}`.execute(db)
    await backfill(db, false, source)
    await sqliteBumpVersion(table).execute(db)

    const fts = sql.raw(`${table}_search`)
    const columns = sql.raw(source.columns.join(', '))
    const news = sql.raw(source.columns.map((c) => `new.${c}`).join(', '))
    const olds = sql.raw(source.columns.map((c) => `old.${c}`).join(', '))
    // case_sensitive 1: the text is folded already, and the query is folded alike.
    await sql`create virtual table ${fts} using fts5(${columns}, content='${sql.raw(table)}',
      content_rowid='rowid', tokenize='trigram case_sensitive 1')`.execute(db)
    await sql`insert into ${fts}(${fts}) values ('rebuild')`.execute(db)
    await sql`create trigger ${sql.raw(`${table}_search_insert`)} after insert on ${sql.raw(table)}
      begin insert into ${fts}(rowid, ${columns}) values (new.rowid, ${news}); end`.execute(db)
    await sql`create trigger ${sql.raw(`${table}_search_delete`)} after delete on ${sql.raw(table)}
      begin insert into ${fts}(${fts}, rowid, ${columns}) values ('delete', old.rowid, ${olds}); end`.execute(
      db,
    )
    await sql`create trigger ${sql.raw(`${table}_search_update`)} after update of ${columns} on ${sql.raw(table)}
      begin
        insert into ${fts}(${fts}, rowid, ${columns}) values ('delete', old.rowid, ${olds});
        insert into ${fts}(rowid, ${columns}) values (new.rowid, ${news});
      end`.execute(db)
  }
}

/** The schema pg_trgm lives in, once installed if it was not. */
async function trigramSchema(db: Kysely<unknown>): Promise<string> {
  // Migrations of two schemas of one database can run at once: one of them creates the extension.
  await sql`select pg_advisory_xact_lock(hashtext('quoin pg_trgm'))`.execute(db)
  const installed = async () =>
    (
      await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
        join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)
    ).rows[0]?.schema
  const found = await installed()
  if (found) return found
  // In `public` if this role may create there, rather than in Quoin's schema: dropping that schema would
  // drop the extension with it, and the indexes of every other schema that uses it.
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_namespace
    where nspname = 'public' and has_schema_privilege(oid, 'CREATE')`.execute(db)
  try {
    if (rows[0]?.n) await sql`create extension if not exists pg_trgm with schema public`.execute(db)
    else await sql`create extension if not exists pg_trgm`.execute(db)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(
      `search needs the PostgreSQL extension pg_trgm (${reason}); ` +
        'install postgresql-contrib, or have a superuser run: create extension pg_trgm',
    )
  }
  return (await installed())!
}

async function upPostgres(db: Kysely<unknown>) {
  const ops = sql`${sql.id(await trigramSchema(db))}.gin_trgm_ops`
  for (const source of SOURCES) {
    const table = source.table
    const t = sql.raw(table)
    for (const column of source.columns) {
      await db.schema
        .alterTable(table)
        .addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
        .execute()
    }
    const trigger = sql.raw(`${table}_bump_version`)
    await sql`alter table ${t} disable trigger ${trigger}`.execute(db)
    await backfill(db, true, source)
    await sql`alter table ${t} enable trigger ${trigger}`.execute(db)
    const columns = sql.join(source.columns.map((c) => sql`${sql.ref(c)} ${ops}`))
    await sql`create index ${sql.raw(`${table}_search`)} on ${t} using gin (${columns})`.execute(db)
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return upPostgres(db)
  // Kysely runs SQLite migrations outside a transaction: this one is all or nothing, and its backfill fast.
  await db.transaction().execute((trx) => upSqlite(trx))
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  for (const source of SOURCES) {
    const table = source.table
    if (pg) {
      await sql`drop index ${sql.raw(`${table}_search`)}`.execute(db)
    } else {
      for (const trigger of ['insert', 'delete', 'update']) {
        await sql`drop trigger ${sql.raw(`${table}_search_${trigger}`)}`.execute(db)
      }
      await sql`drop table ${sql.raw(`${table}_search`)}`.execute(db)
    }
    // pg_trgm stays: other schemas of the database may use it.
    for (const column of source.columns) await db.schema.alterTable(table).dropColumn(column).execute()
  }
}
