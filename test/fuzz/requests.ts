import fc from 'fast-check'
import type { Body } from './client.ts'
import { type Mutation, mutationsOf } from './mutations.ts'
import { type Operation, parametersSchema } from './openapi.ts'
import { codePoints, getAt, type Path, type Resolve, type Schema, setAt, typesOf } from './schema.ts'
import type { Parts } from './world.ts'

/** Tells whether a request part is valid, as `requestChecker` does. */
export type IsValid = (schema: Schema, value: unknown, part: 'body' | 'text') => boolean

export interface Variant {
  label: string
  build(bases: Bases, n: number): Parts | undefined
}

type Part = 'path' | 'query' | 'headers' | 'body'
export type Bases = { required: Parts; full: Parts }
type ValuePart = 'query' | 'headers' | 'body'

/**
 * The smallest valid request, with the top-level field that `path` goes through copied from the full
 * one: what is broken or replaced at `path` then sits in an otherwise valid request.
 */
function baseFor(bases: Bases, part: ValuePart, path: Path): { parts: Parts; root: unknown } {
  const parts = structuredClone(bases.required)
  const json = (p: Parts) => (p.body as { json: unknown } | undefined)?.json
  const from = part === 'body' ? json(bases.full) : bases.full[part]
  let root: unknown = part === 'body' ? (json(parts) ?? {}) : parts[part]
  const top = path.slice(0, 1)
  if (path.length > 0 && from && typeof from === 'object' && getAt(from, top) !== undefined) {
    root = setAt(root, top, structuredClone(getAt(from, top)))
  }
  return { parts, root }
}

function withRoot(parts: Parts, part: ValuePart, root: unknown): Parts {
  if (part === 'body') parts.body = { json: root }
  else parts[part] = root as Record<string, unknown>
  return parts
}

/** The smallest valid request with `value` at `path`. */
export function place(bases: Bases, part: Part, path: Path, value: unknown): Parts {
  if (part === 'path') {
    return {
      ...structuredClone(bases.required),
      path: { ...bases.full.path, [String(path[0])]: String(value) },
    }
  }
  const { parts, root } = baseFor(bases, part, path)
  return withRoot(parts, part, setAt(root, path, value))
}

function fromMutation(part: ValuePart, schema: Schema, m: Mutation, isValid: IsValid): Variant {
  return {
    label: `${m.label} at ${part} ${m.path.length ? m.path.join('.') : '(root)'}`,
    build(bases, n) {
      const { parts, root } = baseFor(bases, part, m.path)
      const broken = m.apply(root, n)
      if (part === 'body') return isValid(schema, broken, 'body') ? undefined : withRoot(parts, part, broken)
      // Query strings and headers are text: what the server sees is each value written out.
      const asText = Object.fromEntries(
        Object.entries(broken as Record<string, unknown>).map(([k, v]) => [
          part === 'headers' ? k.toLowerCase() : k,
          Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      )
      return isValid(schema, asText, 'text') ? undefined : withRoot(parts, part, asText)
    },
  }
}

/** Every way to break a request of `op`, by kind: each kind is fuzzed as a property of its own. */
export function brokenRequests(op: Operation, resolve: Resolve, isValid: IsValid): Map<string, Variant[]> {
  const kinds = new Map<string, Variant[]>()
  // Counterexamples print the variant by its label.
  const add = (kind: string, v: Variant) =>
    kinds.set(kind, [...(kinds.get(kind) ?? []), Object.assign(v, { [fc.toStringMethod]: () => v.label })])
  if (op.body) {
    for (const m of mutationsOf(op.body, resolve, 'body'))
      add(m.kind, fromMutation('body', op.body, m, isValid))
    const asText = (contentType: string): Variant => ({
      label: `a ${contentType} body`,
      build: (bases) => {
        const parts = structuredClone(bases.required)
        parts.body = {
          raw: JSON.stringify((bases.required.body as { json: unknown } | undefined)?.json ?? {}),
          contentType,
        }
        return parts
      },
    })
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
    ]) {
      add('a body that is not JSON', asText(type))
    }
    for (const raw of ['', '{', '{"name": }', "{'name': 'x'}", '[1,]', 'nul', '{"a": 1}}', '\u0000']) {
      add('malformed JSON', {
        label: `the body ${JSON.stringify(raw)}`,
        build: (bases) => ({
          ...structuredClone(bases.required),
          body: { raw, contentType: 'application/json' },
        }),
      })
    }
    add('a body over the size limit', {
      label: 'a body of more than 1 MiB',
      build: (bases) => ({
        ...structuredClone(bases.required),
        body: {
          json: {
            ...((bases.required.body as { json: object } | undefined)?.json ?? {}),
            padding: 'x'.repeat(1 << 20),
          },
        } as Body,
      }),
    })
  }
  const query = parametersSchema(op.queryParams, true)
  for (const m of mutationsOf(query, resolve, 'text')) {
    const kind = m.kind === 'unknown key' ? 'unknown query parameter' : `${m.kind} in the query`
    add(kind, fromMutation('query', query, m, isValid))
  }
  for (const p of op.queryParams) {
    add('repeated query parameter', {
      label: `${p.name} given twice`,
      build: (bases) => {
        const value = bases.full.query[p.name]
        const parts = structuredClone(bases.required)
        parts.query = { ...parts.query, [p.name]: [value, value] }
        const one = typeof value === 'string' ? value : JSON.stringify(value)
        const asText = { [p.name]: [one, one] }
        return isValid(parametersSchema([p], false), asText, 'text') ? undefined : parts
      },
    })
  }
  if (op.headerParams.length > 0) {
    const schema = parametersSchema(op.headerParams, false)
    for (const m of mutationsOf(schema, resolve, 'text', false))
      add(`${m.kind} in a header`, fromMutation('headers', schema, m, isValid))
  }
  for (const p of op.pathParams) {
    if (resolve(p.schema).format !== 'uuid') continue
    for (const bad of [
      'abc',
      '1',
      '-1',
      "' OR 1=1 --",
      '00000000-0000-0000-0000-00000000000g',
      '0190a0b0c0d07e8f9a0b1c2d3e4f5a6b',
      '%00',
      'null',
      '..',
      '😀',
    ]) {
      add('path id that is not a UUID', {
        label: `${p.name} = ${JSON.stringify(bad)}`,
        build: (bases) => place(bases, 'path', [p.name], bad),
      })
    }
  }
  return kinds
}

/** Runs per kind: a body over the size limit is sent a few times only. */
export function runsFor(variants: Variant[], runs: number): number {
  return variants.some((v) => v.label.startsWith('a body of more than')) ? Math.min(runs, 3) : runs
}

export interface StringSite {
  part: 'query' | 'headers' | 'body'
  path: Path
  schema: Schema
}

/** The free-text fields of an operation: strings without a format or an enum, in the body or the query. */
export function stringSites(op: Operation, resolve: Resolve): StringSite[] {
  const out: StringSite[] = []
  const walk = (part: StringSite['part'], raw: Schema, path: Path, depth: number) => {
    const schema = resolve(raw)
    const types = typesOf(schema)
    if (depth > 6) return
    if (
      types.includes('string') &&
      !schema.format &&
      !schema.enum &&
      schema.const === undefined &&
      path.length > 0
    ) {
      if (!schema.pattern || schema.pattern === '\\S') out.push({ part, path, schema })
    }
    if (types.includes('object')) {
      for (const [k, sub] of Object.entries(schema.properties ?? {})) walk(part, sub, [...path, k], depth + 1)
    }
    if (types.includes('array') && schema.items) walk(part, schema.items, [...path, 0], depth + 1)
  }
  if (op.body) walk('body', op.body, [], 0)
  for (const p of op.queryParams) if (p.name !== 'cursor') walk('query', p.schema, [p.name], 1)
  return out
}

export function fitsString(schema: Schema, value: string): boolean {
  const n = codePoints(value)
  if (n < (schema.minLength ?? 0) || n > (schema.maxLength ?? Number.POSITIVE_INFINITY)) return false
  return !schema.pattern || new RegExp(schema.pattern, 'u').test(value)
}
