import Type, { type TSchema } from 'typebox'
import { API_NAME_MAX, API_NAME_PATTERN } from '../domain/api-names.ts'
import { ERROR_CODES, type ErrorCode, statusOf } from './errors.ts'

/** A value of `schema`'s type or null, written as a type array so errors and the OpenAPI document stay simple. */
export function Nullable<T extends TSchema>(schema: T) {
  const s = schema as unknown as { type: string }
  return Type.Unsafe<Type.Static<T> | null>({ ...schema, type: [s.type, 'null'] })
}

export const Uuid = (description?: string) =>
  Type.String({ format: 'uuid', ...(description ? { description } : {}) })
export const Timestamp = (description = 'ISO 8601 UTC, second precision') =>
  Type.String({ format: 'date-time', description, examples: ['2026-01-15T10:30:00Z'] })

export function Success<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), data })
}

export const ErrorResponse = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String({ description: 'What went wrong, as a sentence' }),
    code: StringEnum(ERROR_CODES, { description: 'Machine-readable error code' }),
    details: Type.Optional(
      Type.Array(Type.String(), { description: 'Every problem found, such as each invalid field' }),
    ),
    rows: Type.Optional(
      Type.Array(
        Type.Object({
          line: Type.Integer({ description: 'Its line in the file, the header being line 1' }),
          id: Nullable(Type.String({ description: 'The id it names; null when that names no record' })),
          errors: Type.Array(Type.String()),
        }),
        {
          description: 'Given when a file is refused (a CSV import): each bad row and what is wrong with it',
        },
      ),
    ),
    request_id: Type.Optional(
      Type.String({ description: 'Given on internal errors, to quote when reporting them' }),
    ),
  },
  { $id: 'Error', title: 'Error' },
)

export const ErrorRef = Type.Unsafe<Type.Static<typeof ErrorResponse>>(Type.Ref('Error'))

/** The error responses a route documents: the ones every authenticated route can give, plus its own. */
export function errors(...codes: ErrorCode[]): Record<number, typeof ErrorRef> {
  const all: ErrorCode[] = [
    'missing_token',
    'insufficient_scope',
    'rate_limited',
    'internal_error',
    'database_unavailable',
    ...codes,
  ]
  const out: Record<number, typeof ErrorRef> = {}
  for (const code of all) out[statusOf(code)] = ErrorRef
  return out
}

/**
 * The id in a record's path. Ids are opaque strings in Qwoty's API: one that is not a UUID names no
 * record, and is a 404 like any other unknown id (see the preValidation hook in app.ts), never a 400.
 */
export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 1000, description: 'ID of the record (a UUID)' }) },
  { additionalProperties: false },
)

/**
 * A reference to another record, in a body or a filter: an opaque string, as ids are in Qwoty's API. One
 * that names no record of the workspace (not a UUID included) is refused, or matches nothing, as such.
 */
export const Ref = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 255,
    description,
    examples: ['550e8400-e29b-41d4-a716-446655440000'],
  })

/** A string limited to `values`, typed as their union. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

/** What a DELETE answers, as Qwoty's docs show for its deletes. */
export const Deleted = Type.Object({
  success: Type.Literal(true),
  message: Type.String({ examples: ['Customer deleted successfully'] }),
})

/** Problems that did not stop a write (tax identifiers accepted under the lenient policy). */
export const Warnings = Type.Optional(
  Type.Array(Type.String(), {
    description: 'Problems found but accepted, such as invalid tax identifiers in lenient mode',
  }),
)

/** External-system ids, as Qwoty names them on every record. */
export const ExternalIds = {
  id_crm: Nullable(Type.String({ description: 'External CRM ID' })),
  id_erp: Nullable(Type.String({ description: 'External ERP ID' })),
  id_accounting: Nullable(Type.String({ description: 'External accounting ID' })),
}

/** The same ids as writable fields: at most 255 characters, null clears. */
export const ExternalIdsInput = {
  id_crm: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'External CRM ID' }))),
  id_erp: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'External ERP ID' }))),
  id_accounting: Type.Optional(
    Nullable(Type.String({ maxLength: 255, description: 'External accounting ID' })),
  ),
}

/** A required text field that is not blank. */
export const Text = (maxLength: number, description: string, options: Record<string, unknown> = {}) =>
  Type.String({ maxLength, pattern: '\\S', description, ...options })

/** An `api_name`: a snake_case key (net_30_days), unique where its resource says (see domain/api-names.ts). */
export const ApiName = (description: string, example: string) =>
  Type.String({
    minLength: 1,
    maxLength: API_NAME_MAX,
    pattern: API_NAME_PATTERN,
    'x-format-hint': `must be snake_case: lower-case letters and digits in words joined by single underscores, such as ${example}`,
    description,
    examples: [example],
  })
