// The subset of JSON Schema the OpenAPI document uses, and the helpers every fuzzing module shares.

export interface Schema {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  enum?: unknown[]
  const?: unknown
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  examples?: unknown[]
  [keyword: string]: unknown
}

export type Path = (string | number)[]

/** Follows `$ref`s into `components`; a schema without one is returned as it is. */
export type Resolve = (schema: Schema) => Schema

export function resolverFor(doc: { components?: { schemas?: Record<string, Schema> } }): Resolve {
  const resolve = (schema: Schema): Schema => {
    if (!schema.$ref) return schema
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1]
    const target = name ? doc.components?.schemas?.[decodeURIComponent(name)] : undefined
    if (!target) throw new Error(`Unresolvable $ref ${schema.$ref}`)
    return resolve(target)
  }
  return resolve
}

/** The JSON types a schema allows: its `type`, or what its keywords imply. */
export function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type
  if (schema.type) return [schema.type]
  if (schema.const !== undefined) return [jsonType(schema.const)]
  if (schema.enum) return [...new Set(schema.enum.map(jsonType))]
  if (schema.properties) return ['object']
  if (schema.items) return ['array']
  return []
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** Whether a value of JSON type `type` is allowed by `types` (an integer is a number). */
export function allowsType(types: string[], value: unknown): boolean {
  const t = jsonType(value)
  return types.includes(t) || (t === 'integer' && types.includes('number'))
}

/** A string's length as JSON Schema counts it: in code points. */
export function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

/** The same schema with only one of its types: `{type: ['string', 'null']}` → `{type: 'string'}`. */
export function withType(schema: Schema, type: string): Schema {
  return { ...schema, type }
}

export function getAt(root: unknown, path: Path): unknown {
  let v = root
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string | number, unknown>)[k]
  }
  return v
}

/** A copy of `root` with `value` at `path` (created along the way), or the key removed when value is DELETE. */
export const DELETE = Symbol('delete')
export function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value
  const copy = structuredClone(root) as Record<string | number, unknown>
  let parent = copy
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>
  const last = path.at(-1)!
  if (value === DELETE) delete parent[last]
  else if (last === '__proto__') Object.defineProperty(parent, last, { value, enumerable: true })
  else parent[last] = value
  return copy
}
