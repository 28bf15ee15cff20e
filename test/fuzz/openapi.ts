import type { ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import countries from 'i18n-iso-countries'
import { tidyBody } from '../../src/http/validation.ts'
import type { Schema } from './schema.ts'

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema: Schema
}

interface MediaType {
  schema?: Schema
}

interface ResponseObject {
  content?: Record<string, MediaType>
}

interface OperationObject {
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content?: Record<string, MediaType> }
  responses?: Record<string, ResponseObject>
  security?: Record<string, string[]>[]
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, OperationObject> & { parameters?: Parameter[] }>
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, { scheme?: string }> }
}

export interface Operation {
  /** `GET /api/customers/{id}` */
  key: string
  method: string
  /** The path template, `/api/customers/{id}`. */
  path: string
  /** The resource of the first segment after /api: `customers`, `payment_terms` for payment-terms. */
  resource: string | undefined
  pathParams: Parameter[]
  queryParams: Parameter[]
  headerParams: Parameter[]
  body: Schema | undefined
  /** The media type of a body that is not JSON (a CSV import), which no schema describes. */
  rawBody: string | undefined
  bodyRequired: boolean
  responses: Record<string, ResponseObject>
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

function resourceOf(path: string): string | undefined {
  const segments = path.split('/').filter(Boolean)
  const at = segments[0] === 'api' ? 1 : 0
  const segment = segments[at]
  // Paths spell a resource with hyphens (/api/payment-terms), its name with underscores (payment_terms).
  return segment && !segment.startsWith('{') ? segment.replaceAll('-', '_') : undefined
}

/** Every operation of the document whose security asks for a bearer token: the authenticated API. */
export function authenticatedOperations(doc: OpenApiDocument): Operation[] {
  const bearerSchemes = Object.entries(doc.components?.securitySchemes ?? {})
    .filter(([, s]) => s.scheme?.toLowerCase() === 'bearer')
    .map(([name]) => name)
  const out: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as OperationObject | undefined
      if (!op?.security?.some((s) => Object.keys(s).some((name) => bearerSchemes.includes(name)))) continue
      // Operation parameters override the path item's of the same name and place.
      const params = new Map<string, Parameter>()
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        // Header names ignore case: they are kept lower-case, as Node gives them.
        const named = p.in === 'header' ? { ...p, name: p.name.toLowerCase() } : p
        params.set(`${named.in}:${named.name}`, named)
      }
      const all = [...params.values()]
      const content = op.requestBody?.content ?? {}
      const body = content['application/json']?.schema
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        resource: resourceOf(path),
        pathParams: all.filter((p) => p.in === 'path'),
        queryParams: all.filter((p) => p.in === 'query'),
        headerParams: all.filter((p) => p.in === 'header'),
        body,
        rawBody: body ? undefined : Object.keys(content)[0],
        bodyRequired: op.requestBody?.required ?? false,
        responses: op.responses ?? {},
      })
    }
  }
  return out
}

/** `/api/customers/:id` → `/api/customers/{id}`, as the document writes the routes the app registers. */
export function toTemplate(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}')
}

/** The documented response for a status: exact, then `4XX`, then `default`. */
export function documentedResponse(op: Operation, status: number): ResponseObject | undefined {
  return op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default
}

const isHttpUrl = (value: string) => {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

/**
 * Validates responses against the document. Ids are lower-case and timestamps whole seconds in UTC on the
 * wire (DESIGN.md), so `uuid` and `date-time` are held to that; formats the document invents are accepted.
 */
export function responseValidator(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  ajv.addFormat(
    'date-time',
    (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s) && !Number.isNaN(Date.parse(s)),
  )
  for (const name of ['country', 'http-url']) ajv.addFormat(name, true)
  const components = { schemas: doc.components?.schemas ?? {} }
  const cache = new Map<Schema, ValidateFunction>()
  return (schema: Schema, body: unknown): string | undefined => {
    let validate = cache.get(schema)
    if (!validate) {
      validate = ajv.compile({ ...schema, components })
      cache.set(schema, validate)
    }
    if (validate(body)) return undefined
    return ajv.errorsText(validate.errors, { separator: '; ' })
  }
}

/**
 * Tells whether a request part is valid as the server reads it: bodies as JSON, query strings and headers
 * as text coerced to the schema's types. Used to make sure a mutation really broke the request.
 */
export function requestChecker(doc: OpenApiDocument) {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv2020({ strict: false, allErrors: false, coerceTypes })
    addFormats.default(ajv)
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
    ajv.addFormat('country', (v: string) => /^[A-Za-z]{2}$/.test(v) && countries.isValid(v.toUpperCase()))
    ajv.addFormat('http-url', isHttpUrl)
    return ajv
  }
  const json = make(false)
  const text = make('array')
  const components = { schemas: doc.components?.schemas ?? {} }
  const cache = new Map<string, ValidateFunction>()
  return (schema: Schema, value: unknown, part: 'body' | 'text'): boolean => {
    const key = `${part}:${JSON.stringify(schema)}`
    let validate = cache.get(key)
    if (!validate) {
      validate = (part === 'body' ? json : text).compile({ ...schema, components })
      cache.set(key, validate)
    }
    // Bodies are read as the server reads them: strings trimmed, blank nullable ones null.
    const read = part === 'body' ? tidyBody(schema, structuredClone(value)) : structuredClone(value)
    return validate(read) as boolean
  }
}

/** The query parameters (or headers) of an operation as one object schema; unknown names are refused. */
export function parametersSchema(params: Parameter[], closed: boolean): Schema {
  const properties: Record<string, Schema> = {}
  for (const p of params) properties[p.name] = p.schema
  return {
    type: 'object',
    properties,
    required: params.filter((p) => p.required).map((p) => p.name),
    ...(closed ? { additionalProperties: false } : {}),
  }
}
