import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import {
  ApiName,
  ExternalIds,
  ExternalIdsInput,
  Nullable,
  Text,
  Timestamp,
  Uuid,
} from '../../http/schemas.ts'

// Keys in the order of Qwoty's docs (§3.5); Qwoty's catalog object has no workspace_id.
export const Catalog = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Catalog name', examples: ['Standard Products'] }),
    api_name: Type.String({
      description: 'Unique (per workspace) snake_case key of the catalog',
      examples: ['standard_products'],
    }),
    reference: Nullable(Type.String({ description: 'Internal reference', examples: ['CAT-001'] })),
    description: Nullable(
      Type.String({ description: 'What the catalog holds', examples: ['Main product catalog'] }),
    ),
    is_active: Type.Boolean({ description: 'Whether the catalog is in use' }),
    ...ExternalIds,
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Catalog' },
)
export type Catalog = Type.Static<typeof Catalog>

const apiName = (description: string) => ApiName(description, 'premium_products')
const reference = Nullable(
  Type.String({ maxLength: 100, description: 'Internal reference; stored trimmed, blank stores null' }),
)
const description = Nullable(Type.String({ maxLength: 2000, description: 'What the catalog holds' }))

export const CatalogCreate = Type.Object(
  {
    name: Text(255, 'Catalog name; stored trimmed', { examples: ['Premium Products'] }),
    api_name: Type.Optional(
      apiName(
        'Unique snake_case key in the workspace. When omitted, made from the name (Premium Products → ' +
          'premium_products, then premium_products_2 … while taken)',
      ),
    ),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Whether the catalog is in use; true when omitted' }),
    ),
    ...ExternalIdsInput,
  },
  { additionalProperties: false },
)
export type CatalogCreate = Type.Static<typeof CatalogCreate>

/** What a PATCH may send back unchanged from a GET. */
export const CATALOG_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const CatalogPatch = Type.Object(
  {
    name: Type.Optional(
      Text(255, 'Catalog name; stored trimmed; cannot be null. A new name leaves api_name as it is'),
    ),
    api_name: Type.Optional(apiName('A new unique snake_case key; cannot be null')),
    reference: Type.Optional(reference),
    description: Type.Optional(description),
    is_active: Type.Optional(Type.Boolean({ description: 'Whether the catalog is in use' })),
    ...ExternalIdsInput,
    ...ReadOnly(...CATALOG_READ_ONLY),
  },
  { additionalProperties: false },
)
export type CatalogPatch = Omit<Type.Static<typeof CatalogPatch>, (typeof CATALOG_READ_ONLY)[number]>

export const CatalogListQuery = Type.Object(
  {
    ...PageParams,
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active catalogs (true) or the inactive ones (false)' }),
    ),
  },
  { additionalProperties: false },
)
export type CatalogListQuery = Type.Static<typeof CatalogListQuery>
