import type { Kysely } from 'kysely'
import { isSet } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'

// Custom properties of a record (a customer, a quote): {api_name: value}, checked against the workspace's
// custom fields on that object. Stored as JSON text; a value is a string (text, and dates as YYYY-MM-DD)
// or a number.

export type CustomObject = 'customer' | 'quote'
export type CustomProperties = Record<string, string | number>

/** The longest text value, in characters. */
export const MAX_TEXT = 2000

interface FieldRule {
  api_name: string
  type: 'text' | 'number' | 'date'
  is_required: boolean
  is_active: boolean
}

/** The custom fields on `object`, oldest first: the order properties are stored and shown in. */
async function fieldsOf(db: Kysely<Database>, workspaceId: string, object: CustomObject) {
  const rows = await db
    .selectFrom('custom_fields')
    .select(['api_name', 'type', 'is_required', 'is_active'])
    .where('workspace_id', '=', workspaceId)
    .where('object', '=', object)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(
    (r): FieldRule => ({ ...r, is_required: isSet(r.is_required), is_active: isSet(r.is_active) }),
  )
}

/** Whether `value` is a calendar day written YYYY-MM-DD. */
export function isDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999.
  const day = new Date(0)
  day.setUTCFullYear(y, mo - 1, d)
  return y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
}

const OBJECTS: Record<CustomObject, string> = { customer: 'customers', quote: 'quotes' }

/** The problem of one value sent for `rule`, or undefined when it is fine. */
function valueProblem(rule: FieldRule, value: unknown, path: string): string | undefined {
  if (!rule.is_active) {
    return `Field '${path}' is an inactive custom field: it takes no new value (activate it first, or send null to remove it)`
  }
  switch (rule.type) {
    case 'text':
      if (typeof value !== 'string') return `Field '${path}' must be a string (custom field of type text)`
      if (value.length > MAX_TEXT) return `Field '${path}' must be at most ${MAX_TEXT} characters`
      return undefined
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return `Field '${path}' must be a number (custom field of type number)`
      }
      return undefined
    case 'date':
      if (typeof value !== 'string' || !isDay(value)) {
        return `Field '${path}' must be a date written YYYY-MM-DD, such as 2026-03-31 (custom field of type date)`
      }
      return undefined
  }
}

/** Checks the shape and every key of `value`; returns the problems and the rules by api_name. */
async function checked(
  db: Kysely<Database>,
  workspaceId: string,
  object: CustomObject,
  value: unknown,
  field: string,
  stored: CustomProperties = {},
) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid([`Field '${field}' must be an object of custom field api_names and their values`])
  }
  const rules = await fieldsOf(db, workspaceId, object)
  const byName = new Map(rules.map((r) => [r.api_name, r]))
  const problems: string[] = []
  for (const [key, v] of Object.entries(value)) {
    const path = `${field}.${key}`
    const rule = byName.get(key)
    if (!rule) {
      problems.push(
        `Field '${path}' is not a custom field of ${OBJECTS[object]}: create it with POST /api/custom-fields first`,
      )
    } else if (v !== null && !(rule.is_active === false && stored[key] === v)) {
      // A value it holds already is no new value: a GET sent back passes an inactive field's value.
      const problem = valueProblem(rule, v, path)
      if (problem) problems.push(problem)
    }
  }
  return { rules, problems, sent: value as Record<string, unknown> }
}

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)

const requiredProblem = (path: string) => `Field '${path}' is required (a required custom field)`

/** The values of `source` in the order of `rules`, nulls left out. */
function ordered(rules: readonly FieldRule[], source: Record<string, unknown>): CustomProperties {
  const out: CustomProperties = {}
  for (const rule of rules) {
    const v = source[rule.api_name]
    if (v !== null && v !== undefined) out[rule.api_name] = v as string | number
  }
  return out
}

/**
 * The custom properties of a new record (or of one whose properties are replaced whole), checked against
 * the workspace's custom fields on `object`: unknown keys, values of the wrong type, and new values of
 * inactive fields are each a 400 naming `<field>.<api_name>`; null leaves a key out. With `required`,
 * every active required field must have a value.
 */
export async function checkCustomProperties(
  db: Kysely<Database>,
  workspaceId: string,
  object: CustomObject,
  value: unknown,
  field = 'custom_properties',
  opts: { required?: boolean } = {},
): Promise<CustomProperties> {
  const { rules, problems, sent } = await checked(db, workspaceId, object, value, field)
  const result = ordered(rules, sent)
  if (opts.required) {
    for (const rule of rules) {
      if (rule.is_active && rule.is_required && !(rule.api_name in result)) {
        problems.push(requiredProblem(`${field}.${rule.api_name}`))
      }
    }
  }
  if (problems.length > 0) throw invalid(problems)
  return result
}

/**
 * The custom properties of a record after a PATCH that sends `patch`: its keys are merged into `stored`,
 * a key set to null is removed (refused for an active required field). Values the patch does not touch
 * are kept as they are, whether their field has become inactive or not.
 */
export async function patchCustomProperties(
  db: Kysely<Database>,
  workspaceId: string,
  object: CustomObject,
  stored: CustomProperties,
  patch: unknown,
  field = 'custom_properties',
): Promise<CustomProperties> {
  const { rules, problems, sent } = await checked(db, workspaceId, object, patch, field, stored)
  for (const rule of rules) {
    if (sent[rule.api_name] === null && rule.is_active && rule.is_required) {
      problems.push(`${requiredProblem(`${field}.${rule.api_name}`)}: it cannot be removed`)
    }
  }
  if (problems.length > 0) throw invalid(problems)
  return ordered(rules, { ...stored, ...sent })
}

/** Stored JSON text as properties: {} for none (null, or text that is not an object). */
export function parseCustomProperties(text: string | null | undefined): CustomProperties {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as CustomProperties)
      : {}
  } catch {
    return {}
  }
}
