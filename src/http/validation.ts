import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import countries from 'i18n-iso-countries'
import { ApiError } from './errors.ts'

type HttpPart = 'body' | 'querystring' | 'params' | 'headers' | string

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

const DATE_TIME =
  /^(\d{4})-(\d\d)-(\d\d)[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/

/** RFC 3339 with a real calendar day and an instant both databases hold: no leap second, years 1 to 9999. */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value)
  if (!m) return false
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (month < 1 || month > 12 || day < 1 || day !== new Date(Date.UTC(year, month - 1, day)).getUTCDate()) {
    return false
  }
  const time = Date.parse(value)
  if (Number.isNaN(time)) return false
  const utcYear = new Date(time).getUTCFullYear()
  return utcYear >= 1 && utcYear <= 9999
}

function makeAjv(coerceTypes: false | 'array') {
  // verbose: errors carry their schema, so a pattern can bring its own hint (x-format-hint).
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    strict: false,
    verbose: true,
  })
  addFormats.default(ajv)
  // ajv-formats also takes a urn:uuid: prefix, which PostgreSQL's uuid type refuses.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
  ajv.addFormat('date-time', isDateTime)
  ajv.addFormat(
    'country',
    (value: string) => /^[A-Za-z]{2}$/.test(value) && countries.isValid(value.toUpperCase()),
  )
  ajv.addFormat('http-url', isHttpUrl)
  return ajv
}

// Bodies are JSON and get no coercion: "12" is not a number. Query strings and paths are text and do.
const bodyAjv = makeAjv(false)
const textAjv = makeAjv('array')

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: HttpPart }) {
  if (httpPart !== 'body') return textAjv.compile(schema)
  const validate = bodyAjv.compile(schema)
  const tidied = (data: unknown) => {
    const value = tidyBody(schema, data)
    const valid = validate(value)
    tidied.errors = validate.errors
    return valid ? { value } : false
  }
  tidied.errors = null as typeof validate.errors
  return tidied
}

// Whitespace and the characters that print nothing (zero-width space and joiners, soft hyphen, word
// joiner, BOM): a value made only of them is blank. Direction marks stay: they order right-to-left text.
const INVISIBLE = '\\s\\u00AD\\u180E\\u200B-\\u200D\\u2060\\uFEFF'
const EDGES = new RegExp(`^[${INVISIBLE}]+|[${INVISIBLE}]+$`, 'g')

interface Shape {
  type?: string | string[]
  properties?: Record<string, Shape>
  items?: Shape
}

const accepts = (shape: Shape, type: string) =>
  shape.type === type || (Array.isArray(shape.type) && shape.type.includes(type))

/**
 * Every string of a body, as its schema describes it, without surrounding whitespace or invisible
 * characters; a blank one is null where the field is nullable (it clears it), else '' (refused where a
 * value is required). Names, emails, phones, external ids and countries are all compared and stored so.
 */
export function tidyBody(schema: object, value: unknown): unknown {
  return tidy(schema as Shape, value)
}

/** A text without the whitespace and invisible characters around it. */
export function tidyText(value: string): string {
  return value.replace(EDGES, '')
}

function tidy(shape: Shape, value: unknown): unknown {
  if (typeof value === 'string') {
    if (!accepts(shape, 'string')) return value
    const trimmed = tidyText(value)
    return trimmed === '' && accepts(shape, 'null') ? null : trimmed
  }
  if (Array.isArray(value)) return shape.items ? value.map((v) => tidy(shape.items!, v)) : value
  if (value !== null && typeof value === 'object' && shape.properties) {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      const property = Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined
      out[key] = property ? tidy(property, v) : v
    }
    return out
  }
  return value
}

const FORMAT_NAMES: Record<string, string> = {
  uuid: 'a UUID',
  uri: 'a URL',
  email: 'an email address',
  'date-time': 'an ISO 8601 date-time',
  country: 'an ISO 3166-1 alpha-2 country code, such as FR',
  'http-url': 'an http or https URL',
}

function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1)
  if (extra !== undefined) parts.push(extra)
  return parts
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('')
    .replace(/~1/g, '/')
    .replace(/~0/g, '~')
}

function describe(
  error: ErrorObject | FastifySchemaValidationError,
  part: HttpPart,
): { text: string; unknown: boolean } {
  const params = error.params as Record<string, unknown>
  const noun = part === 'querystring' ? 'Query parameter' : part === 'params' ? 'Parameter' : 'Field'
  const path = fieldPath(error.instancePath)
  const subject = (p: string) => (p === '' ? (part === 'body' ? 'The body' : 'The query') : `${noun} '${p}'`)
  switch (error.keyword) {
    case 'required': {
      // A property may say more about what it needs (x-required-hint: "(one_off | recurring)").
      const parent = (error as ErrorObject).parentSchema as
        | { properties?: Record<string, { 'x-required-hint'?: string }> }
        | undefined
      const hint = parent?.properties?.[String(params.missingProperty)]?.['x-required-hint']
      return {
        text: `${noun} '${fieldPath(error.instancePath, String(params.missingProperty))}' is required${hint ? ` ${hint}` : ''}`,
        unknown: false,
      }
    }
    case 'additionalProperties': {
      const name = fieldPath(error.instancePath, String(params.additionalProperty))
      if (part === 'querystring') return { text: `Unknown query parameter '${name}'`, unknown: true }
      return { text: `${noun} '${name}' is not allowed`, unknown: false }
    }
    case 'type': {
      const t = String(params.type).replace(',', ' or ')
      return {
        text: `${subject(path)} must be ${t === 'integer' ? 'an integer' : `of type ${t}`}`,
        unknown: false,
      }
    }
    case 'format':
      return {
        text: `${subject(path)} must be ${FORMAT_NAMES[String(params.format)] ?? `in ${params.format} format`}`,
        unknown: false,
      }
    case 'enum':
      return {
        text: `${subject(path)} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
        unknown: false,
      }
    case 'minLength':
      return {
        text:
          params.limit === 1
            ? `${subject(path)} must not be empty`
            : `${subject(path)} must be at least ${params.limit} characters`,
        unknown: false,
      }
    case 'maxLength':
      return { text: `${subject(path)} must be at most ${params.limit} characters`, unknown: false }
    case 'maxItems':
      return { text: `${subject(path)} must have at most ${params.limit} items`, unknown: false }
    case 'minItems':
      return { text: `${subject(path)} must have at least ${params.limit} items`, unknown: false }
    case 'uniqueItems':
      return { text: `${subject(path)} must not contain duplicates`, unknown: false }
    case 'minimum':
    case 'maximum':
      return {
        text: `${subject(path)} must be ${error.keyword === 'minimum' ? '>=' : '<='} ${params.limit}`,
        unknown: false,
      }
    case 'pattern': {
      if (params.pattern === '\\S') return { text: `${subject(path)} must not be blank`, unknown: false }
      const hint = ((error as ErrorObject).parentSchema as { 'x-format-hint'?: string } | undefined)?.[
        'x-format-hint'
      ]
      return { text: `${subject(path)} ${hint ?? 'has an invalid format'}`, unknown: false }
    }
    default:
      return { text: `${subject(path)} ${error.message ?? 'is invalid'}`, unknown: false }
  }
}

/** Turns Ajv's errors for one part of the request into a single 400 that names every invalid field. */
export function validationError(errors: FastifySchemaValidationError[], part: HttpPart): ApiError {
  const seen = new Set<string>()
  const details: string[] = []
  let unknown = false
  for (const e of errors) {
    // anyOf/oneOf repeat what their branches said.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue
    // One sentence per field: a null sent for an enum fails both its type and its enum.
    const params = e.params as Record<string, unknown>
    const field = `${e.instancePath}/${String(params.missingProperty ?? params.additionalProperty ?? '')}`
    if (seen.has(field)) continue
    seen.add(field)
    const d = describe(e, part)
    unknown ||= d.unknown
    details.push(d.text)
  }
  if (part === 'querystring' && unknown && details.every((d) => d.startsWith('Unknown query parameter'))) {
    return new ApiError(
      'unknown_parameter',
      details.length === 1 ? details[0]! : 'Unknown query parameters',
      details,
    )
  }
  if (part === 'params' || part === 'querystring') {
    return new ApiError(
      'invalid_parameter',
      details.length === 1 ? details[0]! : 'Invalid parameters',
      details,
    )
  }
  return new ApiError('validation_failed', 'Validation error', details)
}
