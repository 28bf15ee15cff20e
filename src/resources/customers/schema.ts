import Type from 'typebox'
import { Nullable, StringEnum, Timestamp, Uuid } from '../../http/schemas.ts'

export const CUSTOMER_TYPES = ['company', 'individual'] as const

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

export const Customer = Type.Object(
  {
    id: Uuid('UUID'),
    workspace_id: Uuid('Workspace UUID'),
    name: Type.String({ description: 'Customer name' }),
    type: StringEnum(CUSTOMER_TYPES, { description: 'company or individual' }),
    segment_id: Nullable(Uuid('Segment UUID')),
    logo: Nullable(Type.String({ description: 'Logo URL' })),
    tax_ids: Type.Array(TaxId, { description: 'Legal identifiers, in the order given' }),
    id_crm: Nullable(Type.String({ description: 'External CRM ID' })),
    id_erp: Nullable(Type.String({ description: 'External ERP ID' })),
    id_accounting: Nullable(Type.String({ description: 'External accounting ID' })),
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
  },
  { title: 'Customer' },
)
export type Customer = Type.Static<typeof Customer>
