import { isDeepStrictEqual } from 'node:util'
import Type from 'typebox'
import { isUuid } from '../domain/ids.ts'
import { ApiError } from './errors.ts'

// A client that GETs a record, changes a field and PATCHes the whole object back sends the fields it cannot
// change too. They are accepted, and ignored, while they equal what is stored; one that differs is a 400
// that names it, since the client believes it changed something it did not.

/** The read-only fields of a record as optional members of its PATCH body. */
export function ReadOnly<const K extends string>(...names: K[]) {
  const props = {} as Record<K, ReturnType<typeof readOnlyField>>
  for (const name of names) props[name] = readOnlyField()
  return props
}

const readOnlyField = () =>
  Type.Optional(
    Type.Unknown({ description: 'Read-only: accepted, and ignored, when it equals the stored value' }),
  )

const INSTANT = /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/

function same(sent: unknown, stored: unknown): boolean {
  if (typeof sent === 'string' && typeof stored === 'string') {
    if (sent === stored) return true
    if (isUuid(stored)) return sent.toLowerCase() === stored
    return INSTANT.test(stored) && INSTANT.test(sent) && Date.parse(sent) === Date.parse(stored)
  }
  if (Array.isArray(sent) && Array.isArray(stored)) {
    // Lists of ids: the same ids, in any order.
    if (sent.length !== stored.length) return false
    const rest = [...stored]
    return sent.every((s) => {
      const i = rest.findIndex((r) => same(s, r))
      return i >= 0 && rest.splice(i, 1).length === 1
    })
  }
  return isDeepStrictEqual(sent, stored)
}

/**
 * The body without its read-only fields, once each was found equal to the stored record; else a 400.
 * `stored` is read only when the body holds a read-only field.
 */
export async function acceptReadOnly<B extends object, K extends keyof B & string>(
  body: B,
  names: readonly K[],
  stored: () => Promise<object>,
): Promise<Omit<B, K>> {
  const rest = { ...body } as Record<string, unknown>
  const sent = names.filter((name) => name in rest)
  if (sent.length === 0) return rest as Omit<B, K>
  const record = (await stored()) as Record<string, unknown>
  const problems: string[] = []
  for (const name of sent) {
    if (!same(rest[name], record[name])) {
      problems.push(`Field '${name}' is read-only: it cannot change, and differs from the stored value`)
    }
    delete rest[name]
  }
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  return rest as Omit<B, K>
}
