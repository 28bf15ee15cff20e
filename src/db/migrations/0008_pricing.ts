import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'

// Frozen: never edit a migration that has shipped; add a new one.
// Pricing: the currencies a workspace enables, its taxes and billing frequencies, its pricebooks (fixed,
// or dynamic: indexed on a base pricebook by a rule) with the segments they are for, and prices: one row
// per (pricebook, variant of its catalog, billing frequency for recurring products), made by Quoin, never
// by hand, deactivated rather than deleted when what made them goes. Every workspace gets what a new one
// gets (resources/workspaces/defaults.ts): EUR, "VAT 20%", monthly / quarterly / yearly, and the
// "Standard" pricebook on the Standard catalog, with a price row for each of its variants.
// Amounts are `numeric` on PostgreSQL and text decimals on SQLite; tiers are JSON text whose amounts are
// decimal strings, never binary floating point.

const VERSIONED = ['currencies', 'taxes', 'billing_frequencies', 'pricebooks', 'prices']

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (!pg) {
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

  await db.schema
    .createTable('currencies')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('is_default', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('currencies_code', ['workspace_id', 'code'])
    .addUniqueConstraint('currencies_api_name', ['workspace_id', 'api_name'])
    .execute()
  // At most one default per workspace, whatever races; the stores keep exactly one.
  await sql`create unique index currencies_default on currencies (workspace_id) where is_default`.execute(db)
  await db.schema
    .createIndex('currencies_workspace_created')
    .on('currencies')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('taxes')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('vat', 'gst', 'sales_tax', 'custom')`))
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('percentage', 'amount')`))
    .addColumn('rate', decimal)
    .addColumn('currency_id', id, (c) => c.references('currencies.id'))
    .addColumn('amount', decimal)
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('taxes_api_name', ['workspace_id', 'api_name'])
    .execute()
  await db.schema
    .createIndex('taxes_workspace_created')
    .on('taxes')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('billing_frequencies')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('period', 'integer', (c) => c.notNull().check(sql`period >= 1`))
    .addColumn('unit', 'text', (c) => c.notNull().check(sql`unit in ('day', 'week', 'month', 'year')`))
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('billing_frequencies_period', ['workspace_id', 'unit', 'period'])
    .execute()
  await db.schema
    .createIndex('billing_frequencies_workspace_created')
    .on('billing_frequencies')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('pricebooks')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'inactive')`))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('fixed', 'dynamic')`))
    // Fixed: its own catalog. Dynamic: null, the base pricebook's catalog is its own.
    .addColumn('catalog_id', id, (c) => c.references('catalogs.id'))
    .addColumn('currency_id', id, (c) => c.notNull().references('currencies.id'))
    .addColumn('base_pricebook_id', id, (c) => c.references('pricebooks.id'))
    .addColumn('adjustment_percent', decimal)
    .addColumn('rounding', 'text')
    .addColumn('rounding_value', decimal)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('pricebooks_api_name', ['workspace_id', 'api_name'])
    .execute()
  await db.schema
    .createIndex('pricebooks_workspace_created')
    .on('pricebooks')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema.createIndex('pricebooks_catalog').on('pricebooks').columns(['catalog_id']).execute()
  await db.schema.createIndex('pricebooks_base').on('pricebooks').columns(['base_pricebook_id']).execute()
  await db.schema.createIndex('pricebooks_currency').on('pricebooks').columns(['currency_id']).execute()
  await db.schema
    .createTable('pricebook_segments')
    .addColumn('workspace_id', id, workspace)
    .addColumn('pricebook_id', id, (c) => c.notNull().references('pricebooks.id').onDelete('cascade'))
    .addColumn('segment_id', id, (c) => c.notNull().references('segments.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pricebook_segments_pk', ['pricebook_id', 'segment_id'])
    .execute()
  await db.schema
    .createIndex('pricebook_segments_segment')
    .on('pricebook_segments')
    .columns(['workspace_id', 'segment_id'])
    .execute()

  await db.schema
    .createTable('prices')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('pricebook_id', id, (c) => c.notNull().references('pricebooks.id').onDelete('cascade'))
    .addColumn('product_id', id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('billing_frequency_id', id, (c) => c.references('billing_frequencies.id'))
    // The billing frequency's id, or '' for a one-off price: what makes a row unique with the two above.
    .addColumn('slot', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('parent_price_id', id, (c) => c.references('prices.id').onDelete('set null'))
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('pricing_model', 'text', (c) =>
      c.check(sql`pricing_model in ('flat', 'volume', 'graduated', 'percentage', 'cost_plus')`),
    )
    .addColumn('amount', decimal)
    .addColumn('volume_tiers', 'text')
    .addColumn('is_volume_grid_displayed', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('graduated_tiers', 'text')
    .addColumn('is_graduated_grid_displayed', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('percent', decimal)
    .addColumn('price_percentage_type', 'text')
    .addColumn('percentage_product_ids', 'text')
    .addColumn('cost', decimal)
    .addColumn('cost_multiplier', decimal)
    .addColumn('floor_price', decimal)
    .addColumn('is_setup', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('is_pay_as_you_go', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('default_tax_id', id, (c) => c.references('taxes.id'))
    .addColumn('engagement_type', 'text', (c) => c.check(sql`engagement_type in ('indefinite', 'fixed')`))
    .addColumn('period_duration', 'integer')
    .addColumn('id_crm', 'text')
    .addColumn('id_erp', 'text')
    .addColumn('id_accounting', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('prices_slot', ['pricebook_id', 'product_id', 'slot'])
    .execute()
  await db.schema
    .createIndex('prices_workspace_created')
    .on('prices')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema.createIndex('prices_product').on('prices').columns(['product_id']).execute()
  await db.schema.createIndex('prices_parent').on('prices').columns(['parent_price_id']).execute()
  await db.schema.createIndex('prices_tax').on('prices').columns(['default_tax_id']).execute()
  await db.schema
    .createIndex('prices_billing_frequency')
    .on('prices')
    .columns(['billing_frequency_id'])
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

  // What every workspace starts with, as a new one does (see resources/workspaces/defaults.ts).
  const { rows: workspaces } = await sql<{ id: string }>`select id from workspaces`.execute(db)
  const at = new Date().toISOString()
  for (const w of workspaces) {
    const eur = uuidv7()
    await sql`insert into currencies (id, workspace_id, code, api_name, name, is_active, is_default, created_at, updated_at)
      values (${eur}, ${w.id}, 'EUR', 'EUR', 'Euro', ${yes}, ${yes}, ${at}, ${at})`.execute(db)
    await sql`insert into taxes (id, workspace_id, name, api_name, type, country, region, method, rate, currency_id, amount, is_active, created_at, updated_at)
      values (${uuidv7()}, ${w.id}, 'VAT 20%', 'vat_20', 'vat', 'FR', null, 'percentage', '20', null, null, ${yes}, ${at}, ${at})`.execute(
      db,
    )
    const frequencies: string[] = []
    for (const [name, period, unit] of [
      ['Monthly', 1, 'month'],
      ['Quarterly', 3, 'month'],
      ['Yearly', 1, 'year'],
    ] as const) {
      const f = uuidv7()
      frequencies.push(f)
      await sql`insert into billing_frequencies (id, workspace_id, name, period, unit, is_active, created_at, updated_at)
        values (${f}, ${w.id}, ${name}, ${period}, ${unit}, ${yes}, ${at}, ${at})`.execute(db)
    }
    const { rows: catalogs } = await sql<{ id: string }>`select id from catalogs
      where workspace_id = ${w.id} order by (api_name = 'standard') desc, created_at, id limit 1`.execute(db)
    const catalog = catalogs[0]
    if (!catalog) continue
    const pricebook = uuidv7()
    await sql`insert into pricebooks (id, workspace_id, name, api_name, reference, description, status, type, catalog_id, currency_id, created_at, updated_at)
      values (${pricebook}, ${w.id}, 'Standard', 'standard', null, null, 'active', 'fixed', ${catalog.id}, ${eur}, ${at}, ${at})`.execute(
      db,
    )
    const { rows: variants } = await sql<{
      id: string
      recurrence_type: string
    }>`select p.id, pp.recurrence_type
      from products p join product_parents pp on pp.id = p.product_parent_id
      join product_parent_catalogs ppc on ppc.product_parent_id = pp.id
      where ppc.catalog_id = ${catalog.id} and p.deleted_at is null and pp.deleted_at is null
      order by p.created_at, p.id`.execute(db)
    for (const v of variants) {
      for (const f of v.recurrence_type === 'recurring' ? frequencies : [null]) {
        await sql`insert into prices (id, workspace_id, pricebook_id, product_id, billing_frequency_id, slot, is_active, created_at, updated_at)
          values (${uuidv7()}, ${w.id}, ${pricebook}, ${v.id}, ${f}, ${f ?? ''}, ${yes}, ${at}, ${at})`.execute(
          db,
        )
      }
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'prices',
    'pricebook_segments',
    'pricebooks',
    'billing_frequencies',
    'taxes',
    'currencies',
  ]) {
    await db.schema.dropTable(name).execute()
  }
}
