import type { ColumnType } from 'kysely'

/** Timestamps are written as ISO strings; PostgreSQL reads them back as Date, SQLite as strings. */
export type Timestamp = ColumnType<Date | string, string, string>

export type TaxIdValidation = 'strict' | 'lenient'

export interface WorkspaceTable {
  id: string
  name: string
  tax_id_validation: ColumnType<TaxIdValidation, TaxIdValidation | undefined, TaxIdValidation>
  /** ISO 3166-1 alpha-2: the country of national phone numbers written without a prefix. */
  default_country: ColumnType<string, string | undefined, string>
  created_at: Timestamp
}

/** Bumped by a trigger on every update: the record's ETag. */
interface Versioned {
  version: ColumnType<number, never, never>
}

/** Searchable fields folded and joined (src/db/search.ts); written with the fields, never shown. */
type SearchText = ColumnType<string, string | undefined, string>

/** Soft deletion: rows removed by one DELETE share a deletion_id, so a restore brings back exactly those. */
interface SoftDeletable {
  deleted_at: ColumnType<Date | string | null, string | null | undefined, string | null>
  deletion_id: ColumnType<string | null, string | null | undefined, string | null>
}

export interface ApiTokenTable {
  id: string
  workspace_id: string
  name: string
  token_hash: string
  last4: string
  scopes: string
  expires_at: Timestamp | null
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
  created_at: Timestamp
}

export interface SegmentTable extends Versioned {
  id: string
  workspace_id: string
  name: string
  reference: string | null
  description: string | null
  created_at: Timestamp
  updated_at: Timestamp
  search_text: SearchText
}

export interface CustomerTable extends SoftDeletable, Versioned {
  id: string
  workspace_id: string
  name: string
  type: 'company' | 'individual'
  segment_id: string | null
  logo: string | null
  id_crm: string | null
  id_erp: string | null
  id_accounting: string | null
  created_at: Timestamp
  updated_at: Timestamp
  search_text: SearchText
  /** The customer's tax values, normalised as tax_value_norm, folded and joined. */
  search_tax: SearchText
}

export interface CustomerTaxIdTable {
  workspace_id: string
  customer_id: string
  position: number
  tax: string
  tax_value: string
  /** Upper-case, without spaces or punctuation: what tax_value filters match. */
  tax_value_norm: ColumnType<string | null, string | null | undefined, string | null>
}

export interface ContactTable extends SoftDeletable, Versioned {
  id: string
  workspace_id: string
  customer_id: string
  first_name: string
  last_name: string
  email: string
  phone: string | null
  /** Comma-separated role names, in the order given. */
  role: string
  id_crm: string | null
  id_erp: string | null
  id_accounting: string | null
  created_at: Timestamp
  updated_at: Timestamp
  search_text: SearchText
}

export interface AddressTable extends SoftDeletable, Versioned {
  id: string
  workspace_id: string
  customer_id: string
  contact_id: string | null
  type: 'billing' | 'shipping'
  name: string | null
  address_line1: string
  address_line2: string | null
  city: string
  state: string | null
  postal_code: string
  country: string
  comment: string | null
  id_crm: string | null
  id_erp: string | null
  id_accounting: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface IdempotencyKeyTable {
  workspace_id: string
  key: string
  /** SHA-256 of the method, path and body: the same key with another request is refused. */
  fingerprint: string
  /** Null while the first request runs. */
  status: number | null
  response: string | null
  etag: string | null
  created_at: Timestamp
}

/** One write, as webhooks will deliver it: `customer.created` and the record as it then stood. */
export interface EventTable {
  id: string
  workspace_id: string
  /** `<group>.<event>`, as Qwoty names them: `customer.created`, `contact.deleted`. */
  type: string
  record_id: string
  created_at: Timestamp
  /** The record as the write left it (as it stood before, for a deletion): JSON text on SQLite. */
  data: ColumnType<unknown, string, string>
}

export interface Database {
  workspaces: WorkspaceTable
  api_tokens: ApiTokenTable
  segments: SegmentTable
  customers: CustomerTable
  customer_tax_ids: CustomerTaxIdTable
  contacts: ContactTable
  addresses: AddressTable
  idempotency_keys: IdempotencyKeyTable
  events: EventTable
}
