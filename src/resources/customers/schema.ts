import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
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

export const CUSTOMER_TYPES = ['company', 'individual'] as const
export const MAX_TAX_IDS = 20

export const TaxId = Type.Object(
  {
    tax: Type.String({
      description: 'Label of the identifier: VAT, SIREN, SIRET, or any other',
      examples: ['VAT'],
    }),
    tax_value: Type.String({ description: 'The identifier as stored', examples: ['FR12345678901'] }),
  },
  { additionalProperties: false },
)

export const TaxIdInput = Type.Object(
  {
    tax: Text(50, 'Label of the identifier. VAT, SIREN, SIRET and the schemes of stdnum are checked', {
      examples: ['SIREN'],
    }),
    tax_value: Text(100, 'The identifier; stored trimmed, as given', { examples: ['404833048'] }),
  },
  { additionalProperties: false },
)

const customerFields = {
  id: Uuid('UUID'),
  workspace_id: Uuid('Workspace UUID'),
  name: Type.String({ description: 'Customer name' }),
  type: StringEnum(CUSTOMER_TYPES, { description: 'company or individual' }),
  segment_id: Nullable(Uuid('Segment UUID')),
  logo: Nullable(Type.String({ description: 'Logo URL' })),
  tax_ids: Type.Array(TaxId, { description: 'Legal identifiers, in the order given' }),
  ...ExternalIds,
  contact_ids: Type.Array(Uuid(), {
    description:
      'UUIDs of the contacts linked to this customer, oldest first. Use GET /api/contacts/{id} to fetch each.',
  }),
  address_ids: Type.Array(Uuid(), {
    description:
      'UUIDs of the addresses linked to this customer, oldest first. Use GET /api/addresses/{id} to fetch each.',
  }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
  custom_properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
    description:
      "Values of the workspace's custom fields on customers, by api_name: a string for text, a number for " +
      "number, YYYY-MM-DD for date; {} when none. Quoin's, after the documented keys",
    examples: [{ region: 'EMEA', employees: 250 }],
  }),
}

export const Customer = Type.Object(customerFields, { title: 'Customer' })
export type Customer = Type.Static<typeof Customer>

const writable = {
  segment_id: Type.Optional(Nullable(Ref('A segment of this workspace; null clears it'))),
  logo: Type.Optional(
    Nullable(Type.String({ format: 'http-url', maxLength: 2048, description: 'Logo URL' })),
  ),
  tax_ids: Type.Optional(
    Type.Array(TaxIdInput, {
      maxItems: MAX_TAX_IDS,
      description: 'Replaces the whole list; [] empties it',
    }),
  ),
  ...ExternalIdsInput,
}

/** Checked against the workspace's custom fields on customers (see custom-fields/check.ts). */
const customProperties = (description: string) =>
  Type.Optional(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          "Values of the workspace's custom fields on customers, by api_name: a string (at most 2000 " +
          'characters) for text, a JSON number for number, YYYY-MM-DD for date. An unknown key, a value of ' +
          `the wrong type, or a new value of an inactive field is a 400 naming it. ${description}`,
        examples: [{ region: 'EMEA' }],
      },
    ),
  )

export const CustomerCreate = Type.Object(
  {
    name: Text(255, 'Customer name'),
    type: StringEnum(CUSTOMER_TYPES, { description: 'company or individual' }),
    ...writable,
    custom_properties: customProperties(
      'Every active required field must have a value; null leaves a key out',
    ),
  },
  { additionalProperties: false },
)
export type CustomerCreate = Type.Static<typeof CustomerCreate>

/** What a PATCH may send back unchanged from a GET. */
export const CUSTOMER_READ_ONLY = [
  'id',
  'workspace_id',
  'contact_ids',
  'address_ids',
  'created_at',
  'updated_at',
] as const

export const CustomerPatch = Type.Object(
  {
    name: Type.Optional(Text(255, 'Customer name')),
    type: Type.Optional(StringEnum(CUSTOMER_TYPES, { description: 'company or individual' })),
    ...writable,
    custom_properties: customProperties(
      'The keys given are merged into those stored; a key set to null is removed (refused for a required field)',
    ),
    ...ReadOnly(...CUSTOMER_READ_ONLY),
  },
  { additionalProperties: false },
)
export type CustomerPatch = Omit<Type.Static<typeof CustomerPatch>, (typeof CUSTOMER_READ_ONLY)[number]>

export const EXPANDABLE = ['contacts', 'addresses'] as const

export const CustomerQuery = Type.Object(
  {
    expand: Type.Optional(
      Type.String({
        pattern: `^(${EXPANDABLE.join('|')})(,(${EXPANDABLE.join('|')}))*$`,
        'x-format-hint': `must be a comma-separated list of: ${EXPANDABLE.join(', ')}`,
        description: 'Adds `contacts` and/or `addresses` arrays of full objects beside the id arrays',
        examples: ['contacts,addresses'],
      }),
    ),
  },
  { additionalProperties: false },
)

export const CustomerListQuery = Type.Object(
  {
    ...PageParams,
    type: Type.Optional(StringEnum(CUSTOMER_TYPES)),
    segment_id: Type.Optional(Ref('Customers of this segment')),
    id_crm: Type.Optional(Type.String({ maxLength: 255, description: 'Exact external CRM ID' })),
    id_erp: Type.Optional(Type.String({ maxLength: 255, description: 'Exact external ERP ID' })),
    id_accounting: Type.Optional(
      Type.String({ maxLength: 255, description: 'Exact external accounting ID' }),
    ),
    tax_value: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "Matches any of the customer's tax identifiers, ignoring spaces, punctuation and case",
      }),
    ),
    updated_since: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Customers changed at or after this instant, ordered by updated_at then id, for incremental sync',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'A substring of the name, a tax value or an external id, ignoring case and accents (societe finds Société)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CustomerListQuery = Type.Static<typeof CustomerListQuery>
