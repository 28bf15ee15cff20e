import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen: never edit a migration that has shipped; add a new one.
// Soft deletion (deleted_at, and deletion_id shared by the rows one DELETE removed together), the
// workspace's tax-id validation policy, a normalised tax value for lookups, and the indexes of the lists.

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = pg ? sql`uuid` : sql`text`
  const ts = pg ? sql`timestamptz` : sql`text`

  await db.schema
    .alterTable('workspaces')
    .addColumn('tax_id_validation', 'text', (c) =>
      c.notNull().defaultTo('strict').check(sql`tax_id_validation in ('strict', 'lenient')`),
    )
    .execute()

  for (const table of ['customers', 'contacts', 'addresses']) {
    await db.schema.alterTable(table).addColumn('deleted_at', ts).execute()
    await db.schema.alterTable(table).addColumn('deletion_id', id).execute()
    await db.schema
      .createIndex(`${table}_workspace_deletion`)
      .on(table)
      .columns(['workspace_id', 'deletion_id'])
      .where(sql.ref('deletion_id'), 'is not', null)
      .execute()
    await db.schema.createIndex(`${table}_deleted_at`).on(table).column('deleted_at').execute()
  }

  await db.schema.alterTable('customer_tax_ids').addColumn('tax_value_norm', 'text').execute()
  await sql`update customer_tax_ids set tax_value_norm =
    upper(replace(replace(replace(replace(tax_value, ' ', ''), '.', ''), '-', ''), '/', ''))`.execute(db)
  await db.schema
    .createIndex('customer_tax_ids_workspace_value')
    .on('customer_tax_ids')
    .columns(['workspace_id', 'tax_value_norm'])
    .execute()

  await db.schema
    .createIndex('customers_workspace_updated')
    .on('customers')
    .columns(['workspace_id', 'updated_at', 'id'])
    .execute()
  for (const column of ['id_crm', 'id_erp', 'id_accounting']) {
    await db.schema
      .createIndex(`customers_workspace_${column}`)
      .on('customers')
      .columns(['workspace_id', column])
      .execute()
  }
  await db.schema
    .createIndex('contacts_workspace_email')
    .on('contacts')
    .columns(['workspace_id'])
    .expression(sql`lower(email)`)
    .execute()
  await db.schema
    .createIndex('addresses_workspace_contact')
    .on('addresses')
    .columns(['workspace_id', 'contact_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    'addresses_workspace_contact',
    'contacts_workspace_email',
    'customers_workspace_id_accounting',
    'customers_workspace_id_erp',
    'customers_workspace_id_crm',
    'customers_workspace_updated',
    'customer_tax_ids_workspace_value',
  ]) {
    await db.schema.dropIndex(index).execute()
  }
  await db.schema.alterTable('customer_tax_ids').dropColumn('tax_value_norm').execute()
  for (const table of ['customers', 'contacts', 'addresses']) {
    await db.schema.dropIndex(`${table}_deleted_at`).execute()
    await db.schema.dropIndex(`${table}_workspace_deletion`).execute()
    await db.schema.alterTable(table).dropColumn('deletion_id').execute()
    await db.schema.alterTable(table).dropColumn('deleted_at').execute()
  }
  await db.schema.alterTable('workspaces').dropColumn('tax_id_validation').execute()
}
