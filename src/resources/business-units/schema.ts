import Type from 'typebox'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Nullable, StringEnum, Text, Timestamp, Uuid, Warnings } from '../../http/schemas.ts'

export const UNIT_TYPES = ['company', 'individual'] as const
export const MAX_TAX_IDS = 20

const TYPE = 'company or individual'

// Keys in the order of the business_unit of Qwoty's quote read (§3.9), then Quoin's is_default and stamps.
export const BusinessUnit = Type.Object(
  {
    id: Uuid('UUID'),
    type: StringEnum(UNIT_TYPES, { description: TYPE, examples: ['company'] }),
    brand: Nullable(Type.String({ description: 'Brand shown on quotes', examples: ['Acme'] })),
    name: Type.String({ description: 'Legal name', examples: ['Acme SAS'] }),
    logo: Nullable(
      Type.Object(
        {
          url: Type.String({ description: 'Logo URL', examples: ['https://acme.example/logo.png'] }),
          alt: Nullable(Type.String({ description: 'Its alternative text', examples: ['Acme'] })),
        },
        { description: 'The logo shown on quotes, or null' },
      ),
    ),
    tax_ids: Type.Array(
      Type.Object({
        code: Type.String({ description: 'Label of the identifier: VAT, SIREN, SIRET…', examples: ['VAT'] }),
        value: Type.String({ description: 'The identifier as stored', examples: ['FR12345678901'] }),
      }),
      { description: 'Legal identifiers, in the order given' },
    ),
    address: Type.Object(
      {
        line1: Nullable(Type.String({ examples: ['10 rue de la Paix'] })),
        line2: Nullable(Type.String()),
        city: Nullable(Type.String({ examples: ['Paris'] })),
        postal_code: Nullable(Type.String({ examples: ['75002'] })),
        state: Nullable(Type.String({ description: 'State, province or region' })),
        country: Nullable(
          Type.String({ description: 'ISO 3166-1 alpha-2 country code, upper case', examples: ['FR'] }),
        ),
      },
      { description: 'Postal address; each part null when unknown' },
    ),
    is_default: Type.Boolean({
      description:
        'The business unit new quotes are issued by when they name none; exactly one per workspace',
    }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'BusinessUnit' },
)
export type BusinessUnit = Type.Static<typeof BusinessUnit>

const part = (maxLength: number, description: string) =>
  Type.Optional(Nullable(Type.String({ maxLength, description: `${description}; null or blank clears it` })))

export const AddressInput = Type.Object(
  {
    line1: part(255, 'First line'),
    line2: part(255, 'Second line'),
    city: part(100, 'City'),
    postal_code: part(20, 'Postal code'),
    state: part(100, 'State, province or region'),
    country: Type.Optional(
      Nullable(
        Type.String({
          format: 'country',
          description: 'ISO 3166-1 alpha-2 country code, in any case; stored upper case',
          examples: ['FR'],
        }),
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'The parts given replace those stored; the others are kept (all null when created without)',
  },
)
export type AddressInput = Type.Static<typeof AddressInput>

const LogoInput = Nullable(
  Type.Object(
    {
      url: Type.String({ format: 'http-url', maxLength: 2048, description: 'Logo URL, http or https' }),
      alt: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'Alternative text' }))),
    },
    { additionalProperties: false, description: 'Replaces the logo; null removes it' },
  ),
)

const TaxIdsInput = Type.Array(
  Type.Object(
    {
      code: Text(50, 'Label of the identifier. VAT, SIREN, SIRET and the schemes of stdnum are checked', {
        examples: ['VAT'],
      }),
      value: Text(100, 'The identifier; stored trimmed, as given', { examples: ['FR40303265045'] }),
    },
    { additionalProperties: false },
  ),
  {
    maxItems: MAX_TAX_IDS,
    description:
      "Replaces the whole list; [] empties it. Checked as customers' are: under the workspace's strict " +
      'tax id validation a failing identifier is a 400, under lenient it is stored with a warning',
  },
)

const fields = {
  type: StringEnum(UNIT_TYPES, { description: TYPE, 'x-required-hint': '(company | individual)' }),
  brand: Nullable(Type.String({ maxLength: 255, description: 'Brand shown on quotes; null clears it' })),
  name: Text(255, 'Legal name; stored trimmed'),
  is_default: Type.Boolean({
    description:
      'true makes this the default business unit (the previous default stops being it); a workspace ' +
      'always has one, so false on the default is a 409',
  }),
}

export const BusinessUnitCreate = Type.Object(
  {
    type: fields.type,
    brand: Type.Optional(fields.brand),
    name: fields.name,
    logo: Type.Optional(LogoInput),
    tax_ids: Type.Optional(TaxIdsInput),
    address: Type.Optional(AddressInput),
    is_default: Type.Optional(fields.is_default),
  },
  { additionalProperties: false },
)
export type BusinessUnitCreate = Type.Static<typeof BusinessUnitCreate>

/** What a PATCH may send back unchanged from a GET. */
export const BUSINESS_UNIT_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const BusinessUnitPatch = Type.Object(
  {
    type: Type.Optional(fields.type),
    brand: Type.Optional(fields.brand),
    name: Type.Optional(fields.name),
    logo: Type.Optional(LogoInput),
    tax_ids: Type.Optional(TaxIdsInput),
    address: Type.Optional(AddressInput),
    is_default: Type.Optional(fields.is_default),
    ...ReadOnly(...BUSINESS_UNIT_READ_ONLY),
  },
  { additionalProperties: false },
)
export type BusinessUnitPatch = Omit<
  Type.Static<typeof BusinessUnitPatch>,
  (typeof BUSINESS_UNIT_READ_ONLY)[number]
>

export const BusinessUnitWritten = Type.Object({
  success: Type.Literal(true),
  data: BusinessUnit,
  warnings: Warnings,
})

export const BusinessUnitListQuery = Type.Object(
  {
    ...PageParams,
    is_default: Type.Optional(
      Type.Boolean({ description: 'Only the default business unit (true) or the others (false)' }),
    ),
    type: Type.Optional(StringEnum(UNIT_TYPES, { description: 'Only the business units of this type' })),
  },
  { additionalProperties: false },
)
export type BusinessUnitListQuery = Type.Static<typeof BusinessUnitListQuery>
