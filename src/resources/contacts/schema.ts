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

export const ROLES = ['buyer', 'signer', 'billing', 'shipping', 'legal', 'admin'] as const

const ROLE_DESCRIPTION =
  'What the contact does for the customer, in the order given: buyer, signer, billing, shipping, legal, admin'

export const Contact = Type.Object(
  {
    id: Uuid('UUID'),
    workspace_id: Uuid('Workspace UUID'),
    customer_id: Uuid('UUID of the customer this contact belongs to'),
    first_name: Type.String({ description: 'First name', examples: ['Marie'] }),
    last_name: Type.String({ description: 'Last name', examples: ['Dupont'] }),
    email: Type.String({ description: 'Email address', examples: ['marie.dupont@acme.fr'] }),
    phone: Nullable(Type.String({ description: 'Phone number', examples: ['+33 6 12 34 56 78'] })),
    role: Type.Array(StringEnum(ROLES), { description: ROLE_DESCRIPTION, examples: [['buyer', 'signer']] }),
    ...ExternalIds,
    address_ids: Type.Array(Uuid(), {
      description:
        'UUIDs of the addresses linked to this contact, oldest first. Use GET /api/addresses/{id} to fetch each.',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'Contact' },
)
export type Contact = Type.Static<typeof Contact>

const FirstName = Text(100, 'First name, 1 to 100 characters; surrounding spaces are removed')
const LastName = Text(100, 'Last name, 1 to 100 characters; surrounding spaces are removed')
const Email = Type.String({ format: 'email', maxLength: 254, description: 'Email address' })
const Phone = Nullable(
  Type.String({
    maxLength: 40,
    description:
      "Phone number, international (+33 6 12 34 56 78) or national in the workspace's country " +
      '(06 12 34 56 78 for FR); stored in international format. null clears it',
  }),
)
const Role = (options: Record<string, unknown> = {}) =>
  Type.Array(StringEnum(ROLES), {
    uniqueItems: true,
    maxItems: ROLES.length,
    description: `${ROLE_DESCRIPTION}; no duplicates`,
    ...options,
  })

export const CreateContactBody = Type.Object(
  {
    customer_id: Ref('A customer of this workspace; it cannot change later'),
    first_name: FirstName,
    last_name: LastName,
    email: Email,
    phone: Type.Optional(Phone),
    role: Type.Optional(Role({ default: [] })),
    ...ExternalIdsInput,
  },
  { additionalProperties: false },
)
export type CreateContactBody = Type.Static<typeof CreateContactBody>

/** What a PATCH may send back unchanged from a GET: customer_id included, since it cannot change. */
export const CONTACT_READ_ONLY = [
  'id',
  'workspace_id',
  'customer_id',
  'address_ids',
  'created_at',
  'updated_at',
] as const

/** Every field optional; customer_id is read-only. */
export const UpdateContactBody = Type.Object(
  {
    first_name: Type.Optional(FirstName),
    last_name: Type.Optional(LastName),
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    role: Type.Optional(Role({ description: `Replaces the whole list; [] empties it. ${ROLE_DESCRIPTION}` })),
    ...ExternalIdsInput,
    ...ReadOnly(...CONTACT_READ_ONLY),
  },
  { additionalProperties: false },
)
export type UpdateContactBody = Omit<
  Type.Static<typeof UpdateContactBody>,
  (typeof CONTACT_READ_ONLY)[number]
>

export const ContactListQuery = Type.Object(
  {
    customer_id: Type.Optional(Ref('Only the contacts of this customer')),
    email: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'Only the contacts with this email, ignoring case',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Only the contacts whose first name, last name or email contains this text, ignoring case and accents (societe finds Société)',
      }),
    ),
    ...WholeListParams,
  },
  { additionalProperties: false },
)
export type ContactListQuery = Type.Static<typeof ContactListQuery>
