import Type, { type TSchema } from 'typebox'
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

export const IdParams = Type.Object({ id: Uuid('UUID of the record') }, { additionalProperties: false })

/** A string limited to `values`, typed as their union. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}
