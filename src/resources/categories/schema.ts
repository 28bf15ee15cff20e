import Type from 'typebox'
import { WholeListParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Nullable, Ref, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const Category = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Category name', examples: ['Software'] }),
    parent_id: Nullable(Uuid('The category this one is under; null for a top-level category')),
    description: Nullable(Type.String({ description: 'What the category holds' })),
    is_active: Type.Boolean({ description: 'Whether the category is in use' }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Category' },
)
export type Category = Type.Static<typeof Category>

const parentId = Nullable(
  Ref('A category of this workspace to put this one under; null (or omitted) for a top-level category'),
)
const description = Nullable(Type.String({ maxLength: 2000, description: 'What the category holds' }))

export const CategoryCreate = Type.Object(
  {
    name: Text(255, 'Category name; stored trimmed', { examples: ['Software'] }),
    parent_id: Type.Optional(parentId),
    description: Type.Optional(description),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Whether the category is in use; true when omitted' }),
    ),
  },
  { additionalProperties: false },
)
export type CategoryCreate = Type.Static<typeof CategoryCreate>

/** What a PATCH may send back unchanged from a GET. */
export const CATEGORY_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const CategoryPatch = Type.Object(
  {
    name: Type.Optional(Text(255, 'Category name; stored trimmed; cannot be null')),
    parent_id: Type.Optional(
      Nullable(
        Ref(
          'Moves the category (with its subcategories) under another category of this workspace; null ' +
            'makes it top-level. Neither the category itself nor one of its subcategories',
        ),
      ),
    ),
    description: Type.Optional(description),
    is_active: Type.Optional(Type.Boolean({ description: 'Whether the category is in use' })),
    ...ReadOnly(...CATEGORY_READ_ONLY),
  },
  { additionalProperties: false },
)
export type CategoryPatch = Omit<Type.Static<typeof CategoryPatch>, (typeof CATEGORY_READ_ONLY)[number]>

export const CategoryListQuery = Type.Object(
  {
    parent_id: Type.Optional(Ref('Only the categories directly under this one')),
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active categories (true) or the inactive ones (false)' }),
    ),
    ...WholeListParams,
  },
  { additionalProperties: false },
)
export type CategoryListQuery = Type.Static<typeof CategoryListQuery>
