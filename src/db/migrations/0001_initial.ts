import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen: never edit a migration that has shipped; add a new one.
// Ids are uuid and timestamps timestamptz on PostgreSQL; both are text on SQLite.

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = pg ? sql`uuid` : sql`text`
  const ts = pg ? sql`timestamptz` : sql`text`

  await db.schema
    .createTable('workspaces')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('expires_at', ts)
    .addColumn('last_used_at', ts)
    .addColumn('revoked_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('api_tokens_workspace')
    .on('api_tokens')
    .columns(['workspace_id', 'created_at'])
    .execute()

  await db.schema
    .createTable('segments')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('description', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('segments_workspace_id_id', ['workspace_id', 'id'])
    .execute()
  await db.schema
    .createIndex('segments_workspace_created')
    .on('segments')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('customers')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('company', 'individual')`))
    .addColumn('segment_id', id)
    .addColumn('logo', 'text')
    .addColumn('id_crm', 'text')
    .addColumn('id_erp', 'text')
    .addColumn('id_accounting', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('customers_workspace_id_id', ['workspace_id', 'id'])
    .addForeignKeyConstraint('customers_segment', ['workspace_id', 'segment_id'], 'segments', [
      'workspace_id',
      'id',
    ])
    .execute()
  await db.schema
    .createIndex('customers_workspace_created')
    .on('customers')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createIndex('customers_workspace_segment')
    .on('customers')
    .columns(['workspace_id', 'segment_id'])
    .execute()

  await db.schema
    .createTable('customer_tax_ids')
    .addColumn('workspace_id', id, (c) => c.notNull())
    .addColumn('customer_id', id, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('tax', 'text', (c) => c.notNull())
    .addColumn('tax_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_tax_ids_pk', ['workspace_id', 'customer_id', 'position'])
    .addForeignKeyConstraint(
      'customer_tax_ids_customer',
      ['workspace_id', 'customer_id'],
      'customers',
      ['workspace_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute()

  await db.schema
    .createTable('contacts')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, (c) => c.notNull())
    .addColumn('customer_id', id, (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('id_crm', 'text')
    .addColumn('id_erp', 'text')
    .addColumn('id_accounting', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('contacts_workspace_id_id', ['workspace_id', 'id'])
    .addForeignKeyConstraint(
      'contacts_customer',
      ['workspace_id', 'customer_id'],
      'customers',
      ['workspace_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute()
  await db.schema
    .createIndex('contacts_workspace_customer')
    .on('contacts')
    .columns(['workspace_id', 'customer_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createIndex('contacts_workspace_created')
    .on('contacts')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()

  await db.schema
    .createTable('addresses')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workspace_id', id, (c) => c.notNull())
    .addColumn('customer_id', id, (c) => c.notNull())
    .addColumn('contact_id', id, (c) => c.references('contacts.id').onDelete('set null'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('billing', 'shipping')`))
    .addColumn('name', 'text')
    .addColumn('address_line1', 'text', (c) => c.notNull())
    .addColumn('address_line2', 'text')
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('postal_code', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('id_crm', 'text')
    .addColumn('id_erp', 'text')
    .addColumn('id_accounting', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(
      'addresses_customer',
      ['workspace_id', 'customer_id'],
      'customers',
      ['workspace_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute()
  await db.schema
    .createIndex('addresses_workspace_customer')
    .on('addresses')
    .columns(['workspace_id', 'customer_id', 'created_at', 'id'])
    .execute()
  await db.schema
    .createIndex('addresses_workspace_created')
    .on('addresses')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute()
  await db.schema.createIndex('addresses_contact').on('addresses').column('contact_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'addresses',
    'contacts',
    'customer_tax_ids',
    'customers',
    'segments',
    'api_tokens',
    'workspaces',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
