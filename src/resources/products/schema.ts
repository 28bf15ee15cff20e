import Type, { type TSchema } from 'typebox'
import { MAX_LIMIT } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import {
  ApiName,
  ExternalIdsInput,
  Nullable,
  Ref,
  StringEnum,
  Text,
  Timestamp,
  Uuid,
} from '../../http/schemas.ts'

// A product, in Qwoty's API, is a variant of a product parent (§3.7): what quotes will sell. Reads nest
// settings, shipping, inventory, identifiers and accounting; writes take the nested objects or the
// bracket keys Qwoty's docs show ("inventory[sku]": "X"), folded into them before the write.

export const RECURRENCE_TYPES = ['one_off', 'recurring'] as const
export const PRODUCT_TYPES = ['service', 'physical'] as const

/** The api_name of a product parent (and of the product POST that creates one). */
export const parentApiName = (description: string) => ApiName(description, 'premium_widget')

export const RecurrenceType = StringEnum(RECURRENCE_TYPES, {
  description: 'one_off (sold once) or recurring (billed each period)',
  'x-required-hint': '(one_off | recurring)',
})

const decimal = (description: string, examples: number[]) =>
  Nullable(Type.Number({ minimum: 0, maximum: 1_000_000_000, description, examples }))
const short = (description: string, examples: string[] = []) =>
  Nullable(Type.String({ maxLength: 255, description, ...(examples.length ? { examples } : {}) }))

// Read and written alike, field by field; each group is partial in a write.
const SETTINGS = {
  unit_per_pack: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description: 'Units sold together; 1 by default',
  }),
  product_type: Type.Unsafe<(typeof PRODUCT_TYPES)[number] | null>({
    type: ['string', 'null'],
    enum: [...PRODUCT_TYPES, null],
    description: 'service, physical or null',
  }),
  language_id: Nullable(Uuid('The language of its texts')),
  unit_of_measure: short('Unit it is sold by', ['hour']),
}
const SHIPPING = {
  weight: decimal('Weight, an exact decimal', [2.5]),
  weight_unit: short('Unit of weight', ['kg']),
  height: decimal('Height, an exact decimal', [10]),
  length: decimal('Length, an exact decimal', [30]),
  width: decimal('Width, an exact decimal', [20]),
  length_unit: short('Unit of height, length and width', ['cm']),
  country_of_origin: Nullable(
    Type.String({
      format: 'country',
      description: 'ISO 3166-1 alpha-2 code, stored upper-case',
      examples: ['FR'],
    }),
  ),
  harmonized_system_code: short('Customs (HS) code', ['8471.30']),
}
const INVENTORY = {
  sku: short('Stock keeping unit; unique among the active products of the workspace', ['WID-PRE-001']),
}
const IDENTIFIERS = {
  crm: short('External CRM ID'),
  accounting: short('External accounting ID'),
  erp: short('External ERP ID'),
}
const ACCOUNTING = { ledger_account: short('Ledger account', ['4010']) }

export const GROUPS = {
  settings: SETTINGS,
  shipping: SHIPPING,
  inventory: INVENTORY,
  identifiers: IDENTIFIERS,
  accounting: ACCOUNTING,
} as const

export const VariantOption = Type.Object({
  option_id: Uuid('The option'),
  option_name: Type.String({ examples: ['Seniority'] }),
  option_api_name: Type.String({ examples: ['seniority'] }),
  value_id: Uuid('Its value for this product'),
  value_name: Type.String({ examples: ['Senior'] }),
  value_api_name: Type.String({ examples: ['senior'] }),
})

export const Product = Type.Object(
  {
    id: Uuid('UUID'),
    product_parent_id: Uuid('The product parent it is a variant of'),
    workspace_id: Uuid('Workspace UUID'),
    name: Type.String({ examples: ['Consulting Services - Senior'] }),
    api_name: Type.String({ examples: ['consulting_services_senior'] }),
    reference: Nullable(Type.String({ examples: ['SERV-001'] })),
    description: Nullable(
      Type.String({
        description:
          "Its own description; when it has none and description_inherit_from_product is true, its parent's",
      }),
    ),
    description_inherit_from_product: Type.Boolean(),
    primary_image_inherit_from_product: Type.Boolean(),
    is_active: Type.Boolean(),
    is_default: Type.Boolean({ description: "Whether it is its parent's default variant (the first)" }),
    catalog_ids: Type.Array(Uuid(), { description: "Its parent's catalogs" }),
    category_ids: Type.Array(Uuid()),
    settings: Type.Object({
      ...SETTINGS,
      recurrence_type: StringEnum(RECURRENCE_TYPES, { description: "Its parent's" }),
    }),
    shipping: Type.Object(SHIPPING),
    inventory: Type.Object(INVENTORY),
    identifiers: Type.Object(IDENTIFIERS),
    accounting: Type.Object(ACCOUNTING),
    primary_image_id: Nullable(Type.String()),
    parent_primary_image_id: Nullable(Type.String({ description: 'Always null: parents have no image yet' })),
    options: Type.Array(VariantOption, { description: 'The option values that make it this variant' }),
    prices: Type.Array(
      Type.Object({ id: Type.String(), pricebook_id: Type.String(), pricebook_api_name: Type.String() }),
      { description: 'Its prices: empty until pricebooks exist' },
    ),
    created_at: Timestamp(),
    updated_at: Timestamp(),
    created_by: Nullable(
      Type.String({
        description: 'Who created it: the id of the user the token acts as, else the token',
      }),
    ),
    updated_by: Nullable(
      Type.String({
        description: 'Who changed it last: the id of the user the token acts as, else the token',
      }),
    ),
  },
  { title: 'Product' },
)
export type Product = Type.Static<typeof Product>

/** A group's fields as a write takes them: each optional. */
export function partial(fields: Record<string, TSchema>, description: string) {
  const props: Record<string, TSchema> = {}
  for (const [k, v] of Object.entries(fields)) props[k] = Type.Optional(v)
  return Type.Optional(Type.Object(props, { additionalProperties: false, description }))
}

/** The bracket keys of the groups: `"shipping[weight]"`, each the field it stands for. */
export function bracketKeys(
  groups: Record<string, Record<string, TSchema>> = { ...GROUPS, settings: SETTINGS_WRITE },
) {
  const props: Record<string, TSchema> = {}
  for (const [group, fields] of Object.entries(groups)) {
    for (const [field, schema] of Object.entries(fields as Record<string, TSchema>)) {
      props[`${group}[${field}]`] = Type.Optional({
        ...schema,
        description: `The same as ${group}.${field} (Qwoty's bracket form); not both`,
      } as TSchema)
    }
  }
  return props
}

/** What a write may send back of the settings it read: recurrence_type is the parent's, equal or refused. */
const SETTINGS_WRITE = {
  ...SETTINGS,
  recurrence_type: StringEnum(RECURRENCE_TYPES, {
    description: "The parent's: accepted, and ignored, only when equal to it (a GET sent back); else 400",
  }),
}

const nestedWrites = {
  settings: partial(SETTINGS_WRITE, 'settings[…] keys are the same fields'),
  shipping: partial(SHIPPING, 'shipping[…] keys are the same fields'),
  inventory: partial(INVENTORY, 'inventory[sku] is the same field'),
  identifiers: partial(IDENTIFIERS, 'identifiers[…] keys are the same fields'),
  accounting: partial(ACCOUNTING, 'accounting[ledger_account] is the same field'),
  ...bracketKeys(),
}

type Fields<T> = { [F in keyof T]?: T[F] extends TSchema ? Type.Static<T[F]> : never }
export type NestedWrite = {
  settings?: Fields<typeof SETTINGS_WRITE>
  shipping?: Fields<typeof SHIPPING>
  inventory?: Fields<typeof INVENTORY>
  identifiers?: Fields<typeof IDENTIFIERS>
  accounting?: Fields<typeof ACCOUNTING>
}

const reference = Nullable(
  Type.String({ maxLength: 255, description: 'Unique among the active products of the workspace' }),
)
const description = Nullable(Type.String({ maxLength: 10000 }))
const ids = (description: string) => Type.Array(Ref(description), { maxItems: 100, uniqueItems: true })

export const ProductCreate = Type.Object(
  {
    api_name: parentApiName("The new product parent's api_name, unique among the workspace's"),
    recurrence_type: RecurrenceType,
    name: Text(255, 'Name of the product parent and of its default variant'),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
    is_active: Type.Optional(Type.Boolean({ description: 'true by default' })),
    catalog_ids: Type.Optional(
      ids("The parent's catalogs; the workspace's `standard` catalog when omitted, if there is one"),
    ),
    category_ids: Type.Optional(ids("The variant's categories")),
    ...ExternalIdsInput,
    ...nestedWrites,
  },
  { additionalProperties: false },
)
export type ProductCreate = Omit<Type.Static<typeof ProductCreate>, keyof typeof GROUPS> & NestedWrite

export const PRODUCT_READ_ONLY = [
  'id',
  'product_parent_id',
  'workspace_id',
  'api_name',
  'is_default',
  'parent_primary_image_id',
  'options',
  'prices',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
] as const

export const ProductPatch = Type.Object(
  {
    name: Type.Optional(Text(255, 'Name of the variant; cannot be null')),
    description: Type.Optional(description),
    description_inherit_from_product: Type.Optional(Type.Boolean()),
    primary_image_inherit_from_product: Type.Optional(Type.Boolean()),
    reference: Type.Optional(reference),
    is_active: Type.Optional(Type.Boolean()),
    category_ids: Type.Optional(ids('Replaces its categories')),
    primary_image_id: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    catalog_ids: Type.Optional(
      Type.Array(Ref('A catalog'), {
        maxItems: 100,
        description:
          "Catalogs are the parent's (PATCH /api/product-parents/{id}): accepted, and ignored, only when equal to them; else 400",
      }),
    ),
    ...nestedWrites,
    ...ReadOnly(...PRODUCT_READ_ONLY),
  },
  { additionalProperties: false },
)
export type ProductPatch = Omit<
  Type.Static<typeof ProductPatch>,
  (typeof PRODUCT_READ_ONLY)[number] | keyof typeof GROUPS | 'catalog_ids'
> &
  NestedWrite & { catalog_ids?: string[] }

export const DEFAULT_PAGE_SIZE = 30

export const ProductListQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LIMIT,
        description: `Page size, 1 to ${MAX_LIMIT}; 30 by default`,
      }),
    ),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Page number, from 1' })),
    product_parent_id: Type.Optional(Ref('Only the variants of this product parent')),
    catalog_id: Type.Optional(Ref('Only the products whose parent is in this catalog')),
    category_id: Type.Optional(Ref('Only the products in this category')),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active (true) or inactive (false) ones' }),
    ),
    reference: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Only those with this reference' }),
    ),
    api_name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Only those with this api_name' }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Only those whose name, api_name, reference or SKU contains this text, ignoring case and accents',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ProductListQuery = Type.Static<typeof ProductListQuery>

export const ProductPage = Type.Object({
  success: Type.Literal(true),
  total: Type.Integer({ minimum: 0, description: 'How many products match, on every page' }),
  next: Nullable(
    Type.String({
      description: 'The URL of the next page; null on the last',
      examples: ['https://qwoty.app/api/products?limit=30&page=2'],
    }),
  ),
  data: Type.Array(Product),
})
