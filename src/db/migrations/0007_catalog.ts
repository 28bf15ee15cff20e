import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
  PostgresAdapter,
  sql,
} from 'kysely'
import { v7 as uuidv7 } from 'uuid'

// Frozen: never edit a migration that has shipped; add a new one.
// The catalog: payment terms and their installments, catalogs, categories (a tree), product parents
// with their options and option values, and products (the variants Qwoty's API calls products) with
// their catalogs, categories and option values. Every workspace gets what Qwoty gives a new account:
// the "Net 30" payment term and the "Standard" catalog.
// Booleans are `boolean` on PostgreSQL and 0/1 integers on SQLite; stores write 0/1, which PostgreSQL
// reads as booleans too. Decimals (percentages, dimensions) are `numeric` on PostgreSQL and text on
// SQLite, never binary floating point.

const VERSIONED = ['payment_terms', 'catalogs', 'categories', 'product_parents', 'products']

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (!pg) {
    // Kysely runs SQLite migrations outside a transaction: this one is all or nothing.
    await db.transaction().execute((trx) => build(trx, false))
    return
  }
  await build(db, true)
}

async function build(db: Kysely<unknown>, pg: boolean): Promise<void> {
  const id = pg ? sql`uuid` : sql`text`
  const ts = pg ? sql`timestamptz` : sql`text`
  const bool = pg ? sql`boolean` : sql`integer`
  const decimal = pg ? sql`numeric` : sql`text`
  const yes = pg ? sql`true` : sql`1`
  const no = pg ? sql`false` : sql`0`
  const workspace = (c: ColumnDefinitionBuilder) =>
    c.notNull().references('workspaces.id').onDelete('cascade')
  const externalIds = ['id_crm', 'id_erp', 'id_accounting'] as const

  // Payment terms (§3.4): the installments are the term's, replaced whole.
  // biome-ignore lint/suspicious/noExplicitAny: one builder variable for tables of different columns
  let table: CreateTableBuilder<string, any> = db.schema
    .createTable('payment_terms')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
  for (const column of externalIds) table = table.addColumn(column, 'text')
  await table
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('payment_terms_api_name', ['workspace_id', 'api_name'])
    .execute()
  await db.schema
    .createIndex('payment_terms_workspace_created')
    .on('payment_terms')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createTable('payment_term_installments')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('payment_term_id', id, (c) => c.notNull().references('payment_terms.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('percentage', decimal, (c) => c.notNull())
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('custom_text', 'text')
    .addColumn('order_number', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('payment_term_installments_term')
    .on('payment_term_installments')
    .columns(['payment_term_id', 'position'])
    .execute()

  // Catalogs (§3.5).
  table = db.schema
    .createTable('catalogs')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('description', 'text')
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
  for (const column of externalIds) table = table.addColumn(column, 'text')
  await table
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('catalogs_api_name', ['workspace_id', 'api_name'])
    .execute()
  await db.schema
    .createIndex('catalogs_workspace_created')
    .on('catalogs')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  // Categories: a tree within the workspace.
  await db.schema
    .createTable('categories')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', id, (c) => c.references('categories.id'))
    .addColumn('description', 'text')
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema
    .createIndex('categories_workspace_created')
    .on('categories')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema.createIndex('categories_parent').on('categories').columns(['parent_id']).execute()

  // Product parents (§3.6): soft-deleted with their variants, as customers are with their parts.
  table = db.schema
    .createTable('product_parents')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('recurrence_type', 'text', (c) =>
      c.notNull().check(sql`recurrence_type in ('one_off', 'recurring')`),
    )
    .addColumn('description', 'text')
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
  for (const column of externalIds) table = table.addColumn(column, 'text')
  await table
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('deleted_at', ts)
    .addColumn('deletion_id', id)
    .execute()
  await db.schema
    .createIndex('product_parents_api_name')
    .on('product_parents')
    .columns(['workspace_id', 'api_name'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute()
  await db.schema
    .createIndex('product_parents_workspace_created')
    .on('product_parents')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createTable('product_parent_catalogs')
    .addColumn('workspace_id', id, workspace)
    .addColumn('product_parent_id', id, (c) =>
      c.notNull().references('product_parents.id').onDelete('cascade'),
    )
    .addColumn('catalog_id', id, (c) => c.notNull().references('catalogs.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_parent_catalogs_pk', ['product_parent_id', 'catalog_id'])
    .execute()
  await db.schema
    .createIndex('product_parent_catalogs_catalog')
    .on('product_parent_catalogs')
    .columns(['workspace_id', 'catalog_id'])
    .execute()

  // Options (Seniority) and their values (Junior, Senior). A value removed stays, marked removed_at,
  // for the variants (and the quotes to come) that carry it.
  await db.schema
    .createTable('product_options')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('product_parent_id', id, (c) =>
      c.notNull().references('product_parents.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('removed_at', ts)
    .addUniqueConstraint('product_options_api_name', ['product_parent_id', 'api_name'])
    .execute()
  await db.schema
    .createTable('product_option_values')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('option_id', id, (c) => c.notNull().references('product_options.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('removed_at', ts)
    .addUniqueConstraint('product_option_values_api_name', ['option_id', 'api_name'])
    .execute()

  // Products: the variants (§3.7). `option_key` is the sorted ids of its option values ('' for a parent
  // without options): one variant per combination.
  table = db.schema
    .createTable('products')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('product_parent_id', id, (c) => c.notNull().references('product_parents.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('description', 'text')
    .addColumn('description_inherit_from_product', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('primary_image_inherit_from_product', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('primary_image_id', 'text')
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('is_default', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('option_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('unit_per_pack', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('product_type', 'text')
    .addColumn('language_id', 'text')
    .addColumn('unit_of_measure', 'text')
    .addColumn('weight', decimal)
    .addColumn('weight_unit', 'text')
    .addColumn('height', decimal)
    .addColumn('length', decimal)
    .addColumn('width', decimal)
    .addColumn('length_unit', 'text')
    .addColumn('country_of_origin', 'text')
    .addColumn('harmonized_system_code', 'text')
    .addColumn('sku', 'text')
    .addColumn('ledger_account', 'text')
  for (const column of externalIds) table = table.addColumn(column, 'text')
  await table
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('deleted_at', ts)
    .addColumn('deletion_id', id)
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema
    .createIndex('products_workspace_created')
    .on('products')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createIndex('products_parent')
    .on('products')
    .columns(['workspace_id', 'product_parent_id', 'position'])
    .execute()
  await db.schema
    .createIndex('products_option_key')
    .on('products')
    .columns(['product_parent_id', 'option_key'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute()
  // reference and inventory.sku are unique among the workspace's active variants: the stores check first
  // (to name the holder), these indexes settle races.
  for (const column of ['reference', 'sku']) {
    await sql`create unique index ${sql.raw(`products_${column}`)} on products (workspace_id, ${sql.ref(column)})
      where ${sql.ref(column)} is not null and is_active = ${yes} and deleted_at is null`.execute(db)
    await db.schema
      .createIndex(`products_${column}_lookup`)
      .on('products')
      .columns(['workspace_id', column])
      .execute()
  }
  await db.schema
    .createIndex('products_workspace_deletion')
    .on('products')
    .columns(['workspace_id', 'deletion_id'])
    .where(sql.ref('deletion_id'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('product_parents_workspace_deletion')
    .on('product_parents')
    .columns(['workspace_id', 'deletion_id'])
    .where(sql.ref('deletion_id'), 'is not', null)
    .execute()
  await db.schema
    .createTable('product_variant_values')
    .addColumn('workspace_id', id, workspace)
    .addColumn('product_id', id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('option_value_id', id, (c) => c.notNull().references('product_option_values.id'))
    .addPrimaryKeyConstraint('product_variant_values_pk', ['product_id', 'option_value_id'])
    .execute()
  await db.schema
    .createIndex('product_variant_values_value')
    .on('product_variant_values')
    .columns(['option_value_id'])
    .execute()
  await db.schema
    .createTable('product_categories')
    .addColumn('workspace_id', id, workspace)
    .addColumn('product_id', id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('category_id', id, (c) => c.notNull().references('categories.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_categories_pk', ['product_id', 'category_id'])
    .execute()
  await db.schema
    .createIndex('product_categories_category')
    .on('product_categories')
    .columns(['workspace_id', 'category_id'])
    .execute()

  for (const name of VERSIONED) {
    const trigger = sql.raw(`${name}_bump_version`)
    const t = sql.raw(name)
    if (pg) {
      await sql`create trigger ${trigger} before update on ${t}
        for each row execute function quoin_bump_version()`.execute(db)
    } else {
      await sql`create trigger ${trigger} after update on ${t}
        for each row when new.version = old.version
        begin update ${t} set version = old.version + 1 where id = new.id; end`.execute(db)
    }
  }

  // Search (?q=) on products, as 0005 does for customers: name, api_name, reference and sku.
  if (pg) {
    const { rows } = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
      join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)
    const ops = sql`${sql.id(rows[0]!.schema)}.gin_trgm_ops`
    await sql`create index products_search on products using gin (search_text ${ops})`.execute(db)
  } else {
    await sql`create virtual table products_search using fts5(search_text, content='products',
      content_rowid='rowid', tokenize='trigram case_sensitive 1')`.execute(db)
    await sql`create trigger products_search_insert after insert on products
      begin insert into products_search(rowid, search_text) values (new.rowid, new.search_text); end`.execute(
      db,
    )
    await sql`create trigger products_search_delete after delete on products
      begin insert into products_search(products_search, rowid, search_text)
        values ('delete', old.rowid, old.search_text); end`.execute(db)
    await sql`create trigger products_search_update after update of search_text on products
      begin
        insert into products_search(products_search, rowid, search_text) values ('delete', old.rowid, old.search_text);
        insert into products_search(rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(db)
  }

  // What every workspace starts with, as a new one does (see resources/workspaces/defaults.ts).
  const { rows: workspaces } = await sql<{ id: string }>`select id from workspaces`.execute(db)
  const at = new Date().toISOString()
  for (const w of workspaces) {
    const termId = uuidv7()
    await sql`insert into payment_terms (id, workspace_id, name, api_name, reference, is_active, created_at, updated_at)
      values (${termId}, ${w.id}, 'Net 30', 'net_30_days', null, ${yes}, ${at}, ${at})`.execute(db)
    await sql`insert into payment_term_installments
      (id, workspace_id, payment_term_id, position, name, percentage, term, custom_text, order_number)
      values (${uuidv7()}, ${w.id}, ${termId}, 0, 'Full Payment', '100', 'net30', null, 1)`.execute(db)
    await sql`insert into catalogs (id, workspace_id, name, api_name, reference, description, is_active, created_at, updated_at)
      values (${uuidv7()}, ${w.id}, 'Standard', 'standard', null, null, ${yes}, ${at}, ${at})`.execute(db)
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (!pg) await sql`drop table if exists products_search`.execute(db)
  for (const name of [
    'product_categories',
    'product_variant_values',
    'products',
    'product_option_values',
    'product_options',
    'product_parent_catalogs',
    'product_parents',
    'categories',
    'catalogs',
    'payment_term_installments',
    'payment_terms',
  ]) {
    await db.schema.dropTable(name).execute()
  }
}
