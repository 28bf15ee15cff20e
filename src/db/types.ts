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
  /** The quote number pattern (`Q-{YYYY}-{0000}`), its reset (never, day, month, year) and first number after one. */
  quote_number_pattern: ColumnType<string, string | undefined, string>
  quote_number_reset: ColumnType<NumberReset, NumberReset | undefined, NumberReset>
  quote_number_reset_start: ColumnType<number, number | undefined, number>
  /** Days from issue to expiration of a new quote. */
  quote_validity_days: ColumnType<number, number | undefined, number>
  order_number_pattern: ColumnType<string, string | undefined, string>
  created_at: Timestamp
  /** Bumped on every change of the workspace's settings: the ETag of GET /api/workspace/settings. */
  version: ColumnType<number, never, never>
}

export type NumberReset = 'never' | 'day' | 'month' | 'year'

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
  /** The user the token acts as: its writes record that user as created_by / updated_by. */
  user_id: ColumnType<string | null, string | null | undefined, string | null>
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
  /** JSON text: {api_name: value} of the workspace's custom fields on `customer`; null when none. */
  custom_properties: ColumnType<string | null, string | null | undefined, string | null>
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

/** 0/1 on SQLite, a boolean on PostgreSQL; written as 0/1, which PostgreSQL reads as a boolean. */
export type Flag = ColumnType<boolean | number, boolean | number | undefined, boolean | number>

/** An exact decimal: `numeric` on PostgreSQL (read back as text), text on SQLite. Never a float. */
export type Decimal = ColumnType<string, string, string>

interface ExternalIds {
  id_crm: string | null
  id_erp: string | null
  id_accounting: string | null
}

export interface PaymentTermTable extends Versioned, ExternalIds {
  id: string
  workspace_id: string
  name: string
  api_name: string
  reference: string | null
  is_active: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface PaymentTermInstallmentTable {
  id: string
  workspace_id: string
  payment_term_id: string
  /** The order they were given in. */
  position: number
  name: string | null
  percentage: Decimal
  term: string
  custom_text: string | null
  order_number: number
}

export interface CatalogTable extends Versioned, ExternalIds {
  id: string
  workspace_id: string
  name: string
  api_name: string
  reference: string | null
  description: string | null
  is_active: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface CategoryTable extends Versioned {
  id: string
  workspace_id: string
  name: string
  parent_id: string | null
  description: string | null
  is_active: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ProductParentTable extends Versioned, SoftDeletable, ExternalIds {
  id: string
  workspace_id: string
  name: string
  api_name: string
  recurrence_type: 'one_off' | 'recurring'
  description: string | null
  is_active: Flag
  /** The id of the token that made the change. */
  created_by: string | null
  updated_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ProductParentCatalogTable {
  workspace_id: string
  product_parent_id: string
  catalog_id: string
  position: number
}

export interface ProductOptionTable {
  id: string
  workspace_id: string
  product_parent_id: string
  name: string
  api_name: string
  position: number
  removed_at: Timestamp | null
}

export interface ProductOptionValueTable {
  id: string
  workspace_id: string
  option_id: string
  name: string
  api_name: string
  position: number
  /** Removed values stay for the variants (deactivated) that carry them. */
  removed_at: Timestamp | null
}

/** A variant: what Qwoty's API calls a product. */
export interface ProductTable extends Versioned, SoftDeletable, ExternalIds {
  id: string
  workspace_id: string
  product_parent_id: string
  name: string
  api_name: string
  reference: string | null
  description: string | null
  description_inherit_from_product: Flag
  primary_image_inherit_from_product: Flag
  primary_image_id: string | null
  is_active: Flag
  is_default: Flag
  position: number
  /** The sorted ids of its option values, joined by commas; '' without options. */
  option_key: ColumnType<string, string | undefined, string>
  unit_per_pack: ColumnType<number, number | undefined, number>
  product_type: string | null
  language_id: string | null
  unit_of_measure: string | null
  weight: Decimal | null
  weight_unit: string | null
  height: Decimal | null
  length: Decimal | null
  width: Decimal | null
  length_unit: string | null
  country_of_origin: string | null
  harmonized_system_code: string | null
  sku: string | null
  ledger_account: string | null
  created_by: string | null
  updated_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
  search_text: SearchText
}

export interface ProductVariantValueTable {
  workspace_id: string
  product_id: string
  option_value_id: string
}

export interface ProductCategoryTable {
  workspace_id: string
  product_id: string
  category_id: string
  position: number
}

export interface CurrencyTable extends Versioned {
  id: string
  workspace_id: string
  /** ISO 4217. */
  code: string
  api_name: string
  name: string
  is_active: Flag
  /** Exactly one per workspace. */
  is_default: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface TaxTable extends Versioned {
  id: string
  workspace_id: string
  name: string
  api_name: string
  type: 'vat' | 'gst' | 'sales_tax' | 'custom'
  /** ISO 3166-1 alpha-2. */
  country: string
  region: string | null
  method: 'percentage' | 'amount'
  rate: Decimal | null
  currency_id: string | null
  amount: Decimal | null
  is_active: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface BillingFrequencyTable extends Versioned {
  id: string
  workspace_id: string
  name: string
  period: number
  unit: 'day' | 'week' | 'month' | 'year'
  is_active: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface PricebookTable extends Versioned {
  id: string
  workspace_id: string
  name: string
  api_name: string
  reference: string | null
  description: string | null
  status: 'active' | 'inactive'
  type: 'fixed' | 'dynamic'
  /** A fixed pricebook's catalog; null for a dynamic one, whose catalog is its base's. */
  catalog_id: string | null
  currency_id: string
  base_pricebook_id: string | null
  /** A dynamic pricebook's rule: the base price moved by this percentage (-10 for 10% off)… */
  adjustment_percent: Decimal | null
  /** …then rounded: 'minor_unit', 'step' (to a multiple of rounding_value) or 'ending' (to .99). */
  rounding: string | null
  rounding_value: Decimal | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface PricebookSegmentTable {
  workspace_id: string
  pricebook_id: string
  segment_id: string
  position: number
}

export interface PriceTable extends Versioned, ExternalIds {
  id: string
  workspace_id: string
  pricebook_id: string
  /** The variant. */
  product_id: string
  billing_frequency_id: string | null
  /** billing_frequency_id, or '' for a one-off price: unique with pricebook_id and product_id. */
  slot: string
  parent_price_id: string | null
  is_active: Flag
  pricing_model: 'flat' | 'volume' | 'graduated' | 'percentage' | 'cost_plus' | null
  amount: Decimal | null
  /** JSON text: [{up_to, unit_amount, flat_amount}] with decimal strings. */
  volume_tiers: string | null
  is_volume_grid_displayed: Flag
  graduated_tiers: string | null
  is_graduated_grid_displayed: Flag
  percent: Decimal | null
  price_percentage_type: string | null
  /** JSON text: the variant ids a percentage price applies to. */
  percentage_product_ids: string | null
  cost: Decimal | null
  cost_multiplier: Decimal | null
  floor_price: Decimal | null
  is_setup: Flag
  is_pay_as_you_go: Flag
  default_tax_id: string | null
  engagement_type: 'indefinite' | 'fixed' | null
  period_duration: number | null
  created_at: Timestamp
  updated_at: Timestamp
}

export type UserRole = 'admin' | 'manager' | 'sales_rep' | 'viewer'

export interface UserTable extends Versioned, ExternalIds {
  id: string
  workspace_id: string
  first_name: string
  last_name: string
  email: string
  role: UserRole
  status: ColumnType<'active' | 'invited' | 'inactive', 'active' | 'invited' | 'inactive' | undefined>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface BusinessUnitTable extends Versioned {
  id: string
  workspace_id: string
  type: 'company' | 'individual'
  brand: string | null
  name: string
  logo_url: string | null
  logo_alt: string | null
  /** JSON text: [{code, value}]. */
  tax_ids: string
  line1: string | null
  line2: string | null
  city: string | null
  postal_code: string | null
  state: string | null
  /** ISO 3166-1 alpha-2. */
  country: string | null
  is_default: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface CustomFieldTable extends Versioned {
  id: string
  workspace_id: string
  object: 'customer' | 'quote'
  name: string
  api_name: string
  type: 'text' | 'number' | 'date'
  description: string | null
  is_required: Flag
  is_active: Flag
  created_at: Timestamp
  updated_at: Timestamp
}

export interface NumberCounterTable {
  workspace_id: string
  kind: 'quote' | 'order'
  /** '' when numbers never reset, else the day, month or year they count in. */
  period: string
  value: number
}

export type QuoteStatus =
  | 'draft'
  | 'pending_approval'
  | 'changes_requested'
  | 'approved'
  | 'sent'
  | 'pending_signature'
  | 'accepted'
  | 'lost'
  | 'expired'
  | 'canceled'

export interface QuoteTable extends Versioned, ExternalIds {
  id: string
  workspace_id: string
  number: string
  status: QuoteStatus
  published_at: Timestamp | null
  issue_date: Timestamp
  expiration_date: Timestamp | null
  currency_id: string
  /** The currency's ISO code, as the quote shows it. */
  currency: string
  language: string
  title: string | null
  opportunity_id: string | null
  customer_id: string
  owner_id: string | null
  business_unit_id: string | null
  pricebook_id: string
  payment_term_id: string | null
  billing_address_id: string | null
  shipping_address_id: string | null
  /** JSON text: the contact ids, in order. */
  contact_ids: string
  discount_type: 'percent' | 'amount' | null
  discount_value: Decimal | null
  is_prices_hidden: Flag
  /** JSON text: {api_name: value}. */
  custom_properties: string
  /** JSON text: {owner, business_unit, customer}, as the quote shows them. */
  snapshot: string
  net_amount: Decimal
  tax_amount: Decimal
  total_amount: Decimal
  /** JSON text: {one_off, recurring[]}, as the quote shows it. */
  summary: string
  /** JSON text: the payment schedule. */
  payment_schedule: string
  created_by: string | null
  updated_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface QuoteSectionTable {
  id: string
  workspace_id: string
  quote_id: string
  type: string
  name: string
  rank: number
  created_at: Timestamp
  updated_at: Timestamp
}

export interface QuotePhaseTable {
  id: string
  workspace_id: string
  quote_id: string
  section_id: string
  name: string
  rank: number
  created_at: Timestamp
  updated_at: Timestamp
}

export interface QuoteLineTable {
  id: string
  workspace_id: string
  quote_id: string
  phase_id: string
  rank: number
  product_id: string
  price_id: string | null
  /** JSON text: {product_id, name, unit_of_measure, …} as copied. */
  product: string
  /** JSON text: the engine's price spec as copied from the price row. */
  price: string
  /** JSON text: the tax as copied ({id, name, method, rate | amount}), or null. */
  tax: string | null
  tax_id: string | null
  /** The line chose its tax (or none) rather than taking its price's default: a reprice keeps it. */
  tax_chosen: Flag
  pricing_model: string
  list_price: Decimal | null
  quantity: Decimal
  unit_price_override: Decimal | null
  discount_type: 'percent' | 'amount' | null
  discount_value: Decimal | null
  floor_price: Decimal | null
  cost: Decimal | null
  billing_frequency_id: string | null
  interval: string | null
  interval_count: number | null
  unit_price: Decimal
  list_amount: Decimal
  discount_amount: Decimal
  subtotal_amount: Decimal
  document_discount_amount: Decimal
  net_amount: Decimal
  tax_amount: Decimal
  total_amount: Decimal
  below_floor: Flag
  /** JSON text: the engine's tier breakdown of the line ([] for a line that is not tiered). */
  tiers: ColumnType<string, string | undefined, string>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ApprovalRuleTable extends Versioned {
  id: string
  workspace_id: string
  name: string
  reference: string | null
  description: string | null
  is_active: Flag
  operator: 'and' | 'or'
  /** JSON text: [{field, operator, value}]. */
  conditions: string
  /** JSON text: [{name, approver_role | approver_user_id}]. */
  steps: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface QuoteApprovalTable {
  id: string
  workspace_id: string
  quote_id: string
  rule_id: string | null
  rule_name: string
  step: number
  step_name: string | null
  approver_role: string | null
  approver_user_id: string | null
  status: 'pending' | 'approved' | 'changes_requested' | 'superseded'
  decided_by: string | null
  decided_at: Timestamp | null
  comment: string | null
  created_at: Timestamp
}

export interface QuoteHistoryTable {
  id: string
  workspace_id: string
  quote_id: string
  action: string
  from_status: string | null
  to_status: string
  token_id: string | null
  user_id: string | null
  comment: string | null
  at: Timestamp
}

export interface OrderTable extends Versioned {
  id: string
  workspace_id: string
  number: string
  quote_id: string
  customer_id: string
  currency: string
  net_amount: Decimal
  tax_amount: Decimal
  total_amount: Decimal
  /** JSON text: the quote as accepted. */
  document: string
  created_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
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
  payment_terms: PaymentTermTable
  payment_term_installments: PaymentTermInstallmentTable
  catalogs: CatalogTable
  categories: CategoryTable
  product_parents: ProductParentTable
  product_parent_catalogs: ProductParentCatalogTable
  product_options: ProductOptionTable
  product_option_values: ProductOptionValueTable
  products: ProductTable
  product_variant_values: ProductVariantValueTable
  product_categories: ProductCategoryTable
  currencies: CurrencyTable
  taxes: TaxTable
  billing_frequencies: BillingFrequencyTable
  pricebooks: PricebookTable
  pricebook_segments: PricebookSegmentTable
  prices: PriceTable
  users: UserTable
  business_units: BusinessUnitTable
  custom_fields: CustomFieldTable
  number_counters: NumberCounterTable
  quotes: QuoteTable
  quote_sections: QuoteSectionTable
  quote_phases: QuotePhaseTable
  quote_lines: QuoteLineTable
  approval_rules: ApprovalRuleTable
  quote_approvals: QuoteApprovalTable
  quote_history: QuoteHistoryTable
  orders: OrderTable
}
