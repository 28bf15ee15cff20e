import Type from 'typebox'
import { Nullable, Ref, StringEnum, Text } from '../../http/schemas.ts'
import { DiscountInput, LineItemInput } from './schema.ts'

// The bodies and paths of the pricing-table routes: sections, phases and line items of one quote.

const QUOTE_ID = Type.String({ minLength: 1, maxLength: 1000, description: 'ID of the quote (a UUID)' })

/**
 * The id of a row of the quote's table. At most 80 characters: escaped, even 80 four-byte characters stay
 * under the router's 1000 bytes a path segment may take (longer is a 414 before any token is looked at).
 */
const PathId = (description: string) =>
  Type.String({ minLength: 1, maxLength: 80, description: `${description} (a UUID)` })

export const SectionParams = Type.Object(
  { id: QUOTE_ID, section_id: PathId('ID of a section of the quote') },
  { additionalProperties: false },
)
export const PhaseParams = Type.Object(
  { id: QUOTE_ID, phase_id: PathId('ID of a phase of the quote') },
  { additionalProperties: false },
)
export const LineParams = Type.Object(
  { id: QUOTE_ID, line_id: PathId('ID of a line item of the quote') },
  { additionalProperties: false },
)

const Rank = (what: string) =>
  Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description:
      `Its place among the ${what}, from 1; those from there on move down by one. Beyond the last, or ` +
      'omitted on creation, it goes last',
    examples: [1],
  })

const Name = (example: string) =>
  Text(255, 'Name, as the quote shows it; stored trimmed', { examples: [example] })

export const SectionCreate = Type.Object(
  {
    name: Name('Software'),
    type: Type.Optional(StringEnum(['standard'] as const, { description: 'Always standard' })),
    rank: Type.Optional(Rank("quote's sections")),
  },
  { additionalProperties: false },
)
export type SectionCreate = Type.Static<typeof SectionCreate>

export const SectionPatch = Type.Object(
  { name: Type.Optional(Name('Software')), rank: Type.Optional(Rank("quote's sections")) },
  { additionalProperties: false },
)
export type SectionPatch = Type.Static<typeof SectionPatch>

export const PhaseCreate = Type.Object(
  { name: Name('Year 1'), rank: Type.Optional(Rank("section's phases")) },
  { additionalProperties: false },
)
export type PhaseCreate = Type.Static<typeof PhaseCreate>

export const PhasePatch = Type.Object(
  {
    name: Type.Optional(Name('Year 2')),
    rank: Type.Optional(Rank("section's phases")),
    section_id: Type.Optional(
      Ref(
        'Moves the phase, with its line items, to another section of the same quote: at `rank` there, else ' +
          'last; the phases left behind close the gap',
      ),
    ),
  },
  { additionalProperties: false },
)
export type PhasePatch = Type.Static<typeof PhasePatch>

/** What `tax_id` takes to go back to the price's default tax. */
export const DEFAULT_TAX = 'default'

export const LineCreate = Type.Object(
  { ...LineItemInput.properties, rank: Type.Optional(Rank("phase's line items")) },
  { additionalProperties: false },
)
export type LineCreate = Type.Static<typeof LineCreate>

export const LinePatch = Type.Object(
  {
    quantity: Type.Optional(LineItemInput.properties.quantity),
    unit_price: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 0,
          maximum: 1_000_000_000_000,
          description:
            'Overrides the list price: the line is unit_price × quantity (at most 6 decimals); null removes ' +
            'the override, and the price model prices the line again',
        }),
      ),
    ),
    tax_id: Type.Optional(
      Nullable(
        Ref(
          `A tax of the workspace; null: no tax; \`${DEFAULT_TAX}\`: the default tax of the line's price again ` +
            '(as when the line was added without tax_id)',
        ),
      ),
    ),
    discount: Type.Optional(
      Nullable({ ...DiscountInput, description: 'A discount off the line; null removes it' }),
    ),
    rank: Type.Optional(Rank("phase's line items")),
    phase_id: Type.Optional(
      Ref(
        'Moves the line item to another phase of the same quote: at `rank` there, else last; the lines left ' +
          'behind close the gap',
      ),
    ),
  },
  { additionalProperties: false },
)
export type LinePatch = Type.Static<typeof LinePatch>
