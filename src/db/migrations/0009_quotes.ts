import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'

// Frozen: never edit a migration that has shipped; add a new one.
// Quotes and what is around them:
// - users (quote owners and approvers; a token may act as one), business units (every workspace has one),
//   custom fields (on customers or quotes), the workspace's quote settings (numbering, validity);
// - quotes with their pricing table (sections → phases → line items), the counters their numbers come
//   from, approval rules and the approvals a quote collects, its history of status changes, and the
//   orders accepted quotes become.
// A quote keeps copies (snapshots) of what it shows: customer, contacts, addresses, business unit, owner,
// product names, prices and taxes, so that later edits of those never change a sent quote.
// Amounts are `numeric` on PostgreSQL and text decimals on SQLite; JSON columns are text.

const VERSIONED = [
  'workspaces',
  'users',
  'business_units',
  'custom_fields',
  'quotes',
  'approval_rules',
  'orders',
]

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

  // The workspace's quote settings, and a version for the ETag of GET /api/workspace/settings.
  for (const [column, type, value] of [
    ['quote_number_pattern', 'text', sql`'Q-{YYYY}-{0000}'`],
    ['quote_number_reset', 'text', sql`'never'`],
    ['quote_number_reset_start', 'integer', sql`1`],
    ['quote_validity_days', 'integer', sql`30`],
    ['order_number_pattern', 'text', sql`'ORD-{YYYY}-{0000}'`],
    ['version', 'integer', sql`1`],
  ] as const) {
    await db.schema
      .alterTable('workspaces')
      .addColumn(column, type, (c) => c.notNull().defaultTo(value))
      .execute()
  }

  await db.schema
    .createTable('users')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('admin', 'manager', 'sales_rep', 'viewer')`),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('active', 'invited', 'inactive')`),
    )
    .addColumn('id_crm', 'text')
    .addColumn('id_erp', 'text')
    .addColumn('id_accounting', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await sql`create unique index users_email on users (workspace_id, lower(email))`.execute(db)
  await db.schema
    .createIndex('users_workspace_created')
    .on('users')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  // The user a token acts as: its writes record that user as created_by / updated_by.
  await db.schema
    .alterTable('api_tokens')
    .addColumn('user_id', id, (c) => c.references('users.id').onDelete('set null'))
    .execute()

  // Custom properties of customers, checked against the workspace's custom fields on `customer`.
  await db.schema.alterTable('customers').addColumn('custom_properties', 'text').execute()

  await db.schema
    .createTable('business_units')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('company', 'individual')`))
    .addColumn('brand', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('logo_url', 'text')
    .addColumn('logo_alt', 'text')
    // JSON text: [{code, value}], checked as customers' tax ids are.
    .addColumn('tax_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('line1', 'text')
    .addColumn('line2', 'text')
    .addColumn('city', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('state', 'text')
    .addColumn('country', 'text')
    .addColumn('is_default', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await sql`create unique index business_units_default on business_units (workspace_id) where is_default`.execute(
    db,
  )
  await db.schema
    .createIndex('business_units_workspace_created')
    .on('business_units')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('custom_fields')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('object', 'text', (c) => c.notNull().check(sql`object in ('customer', 'quote')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('text', 'number', 'date')`))
    .addColumn('description', 'text')
    .addColumn('is_required', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('custom_fields_api_name', ['workspace_id', 'object', 'api_name'])
    .execute()
  await db.schema
    .createIndex('custom_fields_workspace_created')
    .on('custom_fields')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  // The counters quote and order numbers come from: one row per (workspace, kind, period of reset).
  // `period` is '' when numbers never reset, else the day, month or year they count in ('2026-03').
  await db.schema
    .createTable('number_counters')
    .addColumn('workspace_id', id, workspace)
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('quote', 'order')`))
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('value', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('number_counters_pk', ['workspace_id', 'kind', 'period'])
    .execute()

  await db.schema
    .createTable('quotes')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`status in ('draft', 'pending_approval', 'changes_requested', 'approved', 'sent', 'pending_signature', 'accepted', 'lost', 'expired', 'canceled')`,
        ),
    )
    .addColumn('published_at', ts)
    .addColumn('issue_date', ts, (c) => c.notNull())
    .addColumn('expiration_date', ts)
    .addColumn('currency_id', id, (c) => c.notNull().references('currencies.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('title', 'text')
    .addColumn('opportunity_id', 'text')
    // No foreign key: the quote shows its copy of the customer, which outlives the customer (a deleted one is
    // purged for good after its restore window, its quotes staying as they were).
    .addColumn('customer_id', id, (c) => c.notNull())
    .addColumn('owner_id', id, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('business_unit_id', id, (c) => c.references('business_units.id').onDelete('set null'))
    .addColumn('pricebook_id', id, (c) => c.notNull().references('pricebooks.id'))
    .addColumn('payment_term_id', id, (c) => c.references('payment_terms.id'))
    .addColumn('billing_address_id', id)
    .addColumn('shipping_address_id', id)
    // JSON text: the contact ids, in order.
    .addColumn('contact_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('discount_type', 'text', (c) => c.check(sql`discount_type in ('percent', 'amount')`))
    .addColumn('discount_value', decimal)
    .addColumn('is_prices_hidden', bool, (c) => c.notNull().defaultTo(no))
    // JSON text: {api_name: value}, checked against the custom fields on `quote`.
    .addColumn('custom_properties', 'text', (c) => c.notNull().defaultTo('{}'))
    // JSON text: the copies the quote shows: {owner, business_unit, customer}.
    .addColumn('snapshot', 'text', (c) => c.notNull())
    // The totals the pricing engine gave at the last write, and the summary by interval (JSON text).
    .addColumn('net_amount', decimal, (c) => c.notNull().defaultTo(sql`'0'`))
    .addColumn('tax_amount', decimal, (c) => c.notNull().defaultTo(sql`'0'`))
    .addColumn('total_amount', decimal, (c) => c.notNull().defaultTo(sql`'0'`))
    .addColumn('summary', 'text', (c) => c.notNull())
    // JSON text: the payment term's installments as amounts, the remainder on the last.
    .addColumn('payment_schedule', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('id_crm', 'text')
    .addColumn('id_erp', 'text')
    .addColumn('id_accounting', 'text')
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('quotes_number', ['workspace_id', 'number'])
    .execute()
  for (const [name, columns] of [
    ['quotes_workspace_created', ['workspace_id', 'created_at', 'id']],
    ['quotes_customer', ['workspace_id', 'customer_id', 'created_at', 'id']],
    ['quotes_status', ['workspace_id', 'status', 'created_at', 'id']],
  ] as const) {
    await db.schema
      .createIndex(name)
      .on('quotes')
      .columns([...columns])
      .execute()
  }

  await db.schema
    .createTable('quote_sections')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('quote_id', id, (c) => c.notNull().references('quotes.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull().defaultTo('standard'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('quote_sections_quote')
    .on('quote_sections')
    .columns(['quote_id', 'rank'])
    .execute()

  await db.schema
    .createTable('quote_phases')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('quote_id', id, (c) => c.notNull().references('quotes.id').onDelete('cascade'))
    .addColumn('section_id', id, (c) => c.notNull().references('quote_sections.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('quote_phases_section')
    .on('quote_phases')
    .columns(['section_id', 'rank'])
    .execute()
  await db.schema.createIndex('quote_phases_quote').on('quote_phases').columns(['quote_id']).execute()

  await db.schema
    .createTable('quote_lines')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('quote_id', id, (c) => c.notNull().references('quotes.id').onDelete('cascade'))
    .addColumn('phase_id', id, (c) => c.notNull().references('quote_phases.id').onDelete('cascade'))
    .addColumn('rank', 'integer', (c) => c.notNull())
    // The variant and the price row of the quote's pricebook it was priced from.
    .addColumn('product_id', id, (c) => c.notNull())
    .addColumn('price_id', id)
    // JSON text: copies taken when the line was set or repriced: {product_id, name, unit_of_measure, …},
    // the engine's price spec (model, amount, tiers, percent …), the tax ({id, name, method, rate|amount}).
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('price', 'text', (c) => c.notNull())
    .addColumn('tax', 'text')
    .addColumn('tax_id', id)
    // Whether the line chose its tax (tax_id given, null included) rather than taking its price's default:
    // a reprice refreshes only a default one.
    .addColumn('tax_chosen', bool, (c) => c.notNull().defaultTo(no))
    .addColumn('pricing_model', 'text', (c) => c.notNull())
    .addColumn('list_price', decimal)
    .addColumn('quantity', decimal, (c) => c.notNull())
    .addColumn('unit_price_override', decimal)
    .addColumn('discount_type', 'text', (c) => c.check(sql`discount_type in ('percent', 'amount')`))
    .addColumn('discount_value', decimal)
    .addColumn('floor_price', decimal)
    .addColumn('cost', decimal)
    // Recurrence: null interval for one-off lines; else the billing frequency's unit and period.
    .addColumn('billing_frequency_id', id)
    .addColumn('interval', 'text')
    .addColumn('interval_count', 'integer')
    // What the engine gave at the last write of the quote.
    .addColumn('unit_price', decimal, (c) => c.notNull())
    .addColumn('list_amount', decimal, (c) => c.notNull())
    .addColumn('discount_amount', decimal, (c) => c.notNull())
    .addColumn('subtotal_amount', decimal, (c) => c.notNull())
    .addColumn('document_discount_amount', decimal, (c) => c.notNull())
    .addColumn('net_amount', decimal, (c) => c.notNull())
    .addColumn('tax_amount', decimal, (c) => c.notNull())
    .addColumn('total_amount', decimal, (c) => c.notNull())
    .addColumn('below_floor', bool, (c) => c.notNull().defaultTo(no))
    // JSON text: the engine's breakdown of a tiered line ([] otherwise), as the line's pricing shows it.
    .addColumn('tiers', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('quote_lines_phase').on('quote_lines').columns(['phase_id', 'rank']).execute()
  await db.schema.createIndex('quote_lines_quote').on('quote_lines').columns(['quote_id']).execute()

  await db.schema
    .createTable('approval_rules')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('description', 'text')
    .addColumn('is_active', bool, (c) => c.notNull().defaultTo(yes))
    .addColumn('operator', 'text', (c) => c.notNull().defaultTo('and').check(sql`operator in ('and', 'or')`))
    // JSON text: [{field, operator, value}] and [{name, approver_role | approver_user_id}].
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema
    .createIndex('approval_rules_workspace_created')
    .on('approval_rules')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  // The approvals a submitted quote needs: one row per (matching rule, step), decided in order.
  await db.schema
    .createTable('quote_approvals')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('quote_id', id, (c) => c.notNull().references('quotes.id').onDelete('cascade'))
    .addColumn('rule_id', id, (c) => c.references('approval_rules.id').onDelete('set null'))
    .addColumn('rule_name', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('step_name', 'text')
    .addColumn('approver_role', 'text')
    .addColumn('approver_user_id', id)
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'approved', 'changes_requested', 'superseded')`),
    )
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', ts)
    .addColumn('comment', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('quote_approvals_quote')
    .on('quote_approvals')
    .columns(['quote_id', 'step'])
    .execute()

  await db.schema
    .createTable('quote_history')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('quote_id', id, (c) => c.notNull().references('quotes.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('comment', 'text')
    .addColumn('at', ts, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('quote_history_quote')
    .on('quote_history')
    .columns(['quote_id', 'at', 'id'])
    .execute()

  await db.schema
    .createTable('orders')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, workspace)
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('quote_id', id, (c) => c.notNull().references('quotes.id'))
    .addColumn('customer_id', id, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('net_amount', decimal, (c) => c.notNull())
    .addColumn('tax_amount', decimal, (c) => c.notNull())
    .addColumn('total_amount', decimal, (c) => c.notNull())
    // JSON text: the quote as accepted (customer snapshot, pricing table, summary, schedule).
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('orders_number', ['workspace_id', 'number'])
    .addUniqueConstraint('orders_quote', ['quote_id'])
    .execute()
  await db.schema
    .createIndex('orders_workspace_created')
    .on('orders')
    .columns(['workspace_id', 'created_at', 'id'])
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

  // Every workspace has a business unit: the one it had before gets one named after it.
  const { rows: workspaces } = await sql<{ id: string; name: string; default_country: string }>`
    select id, name, default_country from workspaces`.execute(db)
  const at = new Date().toISOString()
  for (const w of workspaces) {
    await sql`insert into business_units (id, workspace_id, type, brand, name, tax_ids, country, is_default, created_at, updated_at)
      values (${uuidv7()}, ${w.id}, 'company', ${w.name}, ${w.name}, '[]', ${w.default_country}, ${yes}, ${at}, ${at})`.execute(
      db,
    )
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'orders',
    'quote_history',
    'quote_approvals',
    'approval_rules',
    'quote_lines',
    'quote_phases',
    'quote_sections',
    'quotes',
    'number_counters',
    'custom_fields',
    'business_units',
  ]) {
    await db.schema.dropTable(name).execute()
  }
  // The workspaces' version trigger names the column the loop below drops: it goes first.
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await (pg
    ? sql`drop trigger workspaces_bump_version on workspaces`
    : sql`drop trigger workspaces_bump_version`
  ).execute(db)
  await db.schema.alterTable('customers').dropColumn('custom_properties').execute()
  await db.schema.alterTable('api_tokens').dropColumn('user_id').execute()
  await db.schema.dropTable('users').execute()
  for (const column of [
    'quote_number_pattern',
    'quote_number_reset',
    'quote_number_reset_start',
    'quote_validity_days',
    'order_number_pattern',
    'version',
  ]) {
    await db.schema.alterTable('workspaces').dropColumn(column).execute()
  }
}
