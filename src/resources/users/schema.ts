import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { ExternalIdsInput, Nullable, StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const USER_ROLES = ['admin', 'manager', 'sales_rep', 'viewer'] as const
export const USER_STATUSES = ['active', 'invited', 'inactive'] as const

const ROLE = 'admin, manager (both approve quotes), sales_rep (owns quotes) or viewer (reads only, in the UI)'
const STATUS = 'active, invited (not yet signed in) or inactive (can neither own new quotes nor be acted as)'

/** External-system ids as the quote read's owner shows them: {crm, erp, accounting}. */
export const ExternalIdsObject = Type.Object(
  {
    crm: Nullable(Type.String({ description: 'External CRM ID', examples: ['CRM-7654321'] })),
    erp: Nullable(Type.String({ description: 'External ERP ID', examples: ['ERP-7654321'] })),
    accounting: Nullable(Type.String({ description: 'External accounting ID', examples: ['ACC-7654321'] })),
  },
  { description: 'Ids of the user in other systems' },
)

// The keys of the owner of Qwoty's quote read (§3.9), with role and status before its external_ids.
export const User = Type.Object(
  {
    id: Uuid('UUID'),
    first_name: Type.String({ description: 'First name', examples: ['Paul'] }),
    last_name: Type.String({ description: 'Last name', examples: ['Martin'] }),
    email: Type.String({ description: 'Email address, unique in the workspace', examples: ['paul@acme.fr'] }),
    role: StringEnum(USER_ROLES, { description: ROLE, examples: ['sales_rep'] }),
    status: StringEnum(USER_STATUSES, { description: STATUS, examples: ['active'] }),
    external_ids: ExternalIdsObject,
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'User' },
)
export type User = Type.Static<typeof User>

const externalId = (what: string) =>
  Type.Optional(Nullable(Type.String({ maxLength: 255, description: `External ${what} ID; null clears it` })))

/** The external ids as a writable object: the keys given change, the others are kept. */
const ExternalIdsObjectInput = Type.Object(
  { crm: externalId('CRM'), erp: externalId('ERP'), accounting: externalId('accounting') },
  {
    additionalProperties: false,
    description:
      'Ids of the user in other systems; the keys given change. The flat id_crm, id_erp and id_accounting, ' +
      'as other records take them, are accepted too (not both forms of one id with different values)',
  },
)

const fields = {
  first_name: Text(100, 'First name, 1 to 100 characters; stored trimmed'),
  last_name: Text(100, 'Last name, 1 to 100 characters; stored trimmed'),
  email: Type.String({
    format: 'email',
    maxLength: 254,
    description: 'Email address; unique in the workspace, ignoring case (409 naming the user who has it)',
  }),
  role: StringEnum(USER_ROLES, {
    description: ROLE,
    'x-required-hint': '(admin | manager | sales_rep | viewer)',
  }),
  status: StringEnum(USER_STATUSES, { description: `${STATUS}; active when omitted` }),
}

export const UserCreate = Type.Object(
  {
    first_name: fields.first_name,
    last_name: fields.last_name,
    email: fields.email,
    role: fields.role,
    status: Type.Optional(fields.status),
    external_ids: Type.Optional(ExternalIdsObjectInput),
    ...ExternalIdsInput,
  },
  { additionalProperties: false },
)
export type UserCreate = Type.Static<typeof UserCreate>

/** What a PATCH may send back unchanged from a GET. */
export const USER_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const UserPatch = Type.Object(
  {
    first_name: Type.Optional(fields.first_name),
    last_name: Type.Optional(fields.last_name),
    email: Type.Optional(fields.email),
    role: Type.Optional(fields.role),
    status: Type.Optional(fields.status),
    external_ids: Type.Optional(ExternalIdsObjectInput),
    ...ExternalIdsInput,
    ...ReadOnly(...USER_READ_ONLY),
  },
  { additionalProperties: false },
)
export type UserPatch = Omit<Type.Static<typeof UserPatch>, (typeof USER_READ_ONLY)[number]>

export const UserListQuery = Type.Object(
  {
    ...PageParams,
    role: Type.Optional(StringEnum(USER_ROLES, { description: 'Only the users with this role' })),
    status: Type.Optional(StringEnum(USER_STATUSES, { description: 'Only the users with this status' })),
    email: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'Only the user with this email, ignoring case',
      }),
    ),
  },
  { additionalProperties: false },
)
export type UserListQuery = Type.Static<typeof UserListQuery>
