import Type from 'typebox'
import { WholeListParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import {
  ExternalIds,
  ExternalIdsInput,
  Nullable,
  Ref,
  StringEnum,
  Text,
  Timestamp,
  Uuid,
} from '../../http/schemas.ts'

export const ADDRESS_TYPES = ['billing', 'shipping'] as const

export const Address = Type.Object(
  {
    id: Uuid('UUID'),
    workspace_id: Uuid('Workspace UUID'),
    customer_id: Uuid('UUID of the customer this address belongs to'),
    type: StringEnum(ADDRESS_TYPES, { description: 'billing or shipping' }),
    name: Nullable(Type.String({ description: 'A label for the address', examples: ['Siège social'] })),
    address_line1: Type.String({ description: 'First line', examples: ['12 rue de Rivoli'] }),
    address_line2: Nullable(Type.String({ description: 'Second line', examples: ['Bâtiment B'] })),
    city: Type.String({ description: 'City', examples: ['Paris'] }),
    state: Nullable(Type.String({ description: 'State or region', examples: ['Île-de-France'] })),
    postal_code: Type.String({ description: 'Postal code', examples: ['75001'] }),
    country: Type.String({ description: 'ISO 3166-1 alpha-2 country code, upper-case', examples: ['FR'] }),
    contact_id: Nullable(Uuid('UUID of the contact linked to this address, one of the same customer')),
    comment: Nullable(Type.String({ description: 'Internal note' })),
    ...ExternalIds,
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Address' },
)
export type Address = Type.Static<typeof Address>

const NullableText = (maxLength: number, description: string) =>
  Nullable(Type.String({ maxLength, description: `${description}; null clears it` }))

const fields = {
  type: StringEnum(ADDRESS_TYPES, { description: 'billing or shipping' }),
  name: NullableText(100, 'A label for the address, such as Head office'),
  address_line1: Text(255, 'First line; surrounding spaces are removed'),
  address_line2: NullableText(255, 'Second line'),
  city: Text(100, 'City; surrounding spaces are removed'),
  state: NullableText(100, 'State or region'),
  postal_code: Text(20, 'Postal code; surrounding spaces are removed'),
  country: Type.String({
    format: 'country',
    description: 'ISO 3166-1 alpha-2 country code, in any case; stored upper-case',
    examples: ['FR'],
  }),
  contact_id: Nullable(Ref('A contact of the same customer; null unlinks it')),
  comment: NullableText(2000, 'Internal note'),
}

export const CreateAddressBody = Type.Object(
  {
    customer_id: Ref('A customer of this workspace; it cannot change later'),
    type: fields.type,
    name: Type.Optional(fields.name),
    address_line1: fields.address_line1,
    address_line2: Type.Optional(fields.address_line2),
    city: fields.city,
    state: Type.Optional(fields.state),
    postal_code: fields.postal_code,
    country: fields.country,
    contact_id: Type.Optional(fields.contact_id),
    comment: Type.Optional(fields.comment),
    ...ExternalIdsInput,
  },
  { additionalProperties: false },
)
export type CreateAddressBody = Type.Static<typeof CreateAddressBody>

/** What a PATCH may send back unchanged from a GET: customer_id included, since it cannot change. */
export const ADDRESS_READ_ONLY = ['id', 'workspace_id', 'customer_id', 'created_at', 'updated_at'] as const

/** Every field optional; customer_id is read-only. */
export const UpdateAddressBody = Type.Object(
  {
    type: Type.Optional(fields.type),
    name: Type.Optional(fields.name),
    address_line1: Type.Optional(fields.address_line1),
    address_line2: Type.Optional(fields.address_line2),
    city: Type.Optional(fields.city),
    state: Type.Optional(fields.state),
    postal_code: Type.Optional(fields.postal_code),
    country: Type.Optional(fields.country),
    contact_id: Type.Optional(fields.contact_id),
    comment: Type.Optional(fields.comment),
    ...ExternalIdsInput,
    ...ReadOnly(...ADDRESS_READ_ONLY),
  },
  { additionalProperties: false },
)
export type UpdateAddressBody = Omit<
  Type.Static<typeof UpdateAddressBody>,
  (typeof ADDRESS_READ_ONLY)[number]
>

export const AddressListQuery = Type.Object(
  {
    customer_id: Type.Optional(Ref('Only the addresses of this customer')),
    type: Type.Optional(
      StringEnum(ADDRESS_TYPES, { description: 'Only billing or only shipping addresses' }),
    ),
    country: Type.Optional(
      Type.String({
        format: 'country',
        description: 'Only the addresses in this country (ISO alpha-2, any case)',
      }),
    ),
    ...WholeListParams,
  },
  { additionalProperties: false },
)
export type AddressListQuery = Type.Static<typeof AddressListQuery>
