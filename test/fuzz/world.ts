import fc from 'fast-check'
import { arbitraryFor, type GenOptions } from './arbitraries.ts'
import type { Body, FuzzRequest } from './client.ts'
import { type Operation, type Parameter, parametersSchema } from './openapi.ts'
import type { Resolve, Schema } from './schema.ts'

/** The parts of a request before it is written out; a query or header value that is an array is repeated. */
export interface Parts {
  path: Record<string, string>
  query: Record<string, unknown>
  headers: Record<string, unknown>
  body: Body | undefined
}

export interface Tenant {
  workspaceId: string
  /** The id of the tenant's token. */
  id: string
  auth: { authorization: string }
}

/**
 * The records a workspace holds, by resource (`customers`…), as the suite learns them: seeded ones first,
 * then every one a fuzzed request creates. Generated ids are drawn from here, so requests hit real records.
 */
export class Pools {
  /** Live records, by resource. */
  readonly ids = new Map<string, string[]>()
  /** Records deleted since: still worth a request now and then (404, restore). */
  readonly gone = new Map<string, string[]>()
  readonly cursors = new Map<string, string[]>()

  of(resource: string): string[] {
    let list = this.ids.get(resource)
    if (!list) {
      list = []
      this.ids.set(resource, list)
    }
    return list
  }

  deletedOf(resource: string): string[] {
    return this.gone.get(resource) ?? []
  }

  add(resource: string, id: string): void {
    const list = this.of(resource)
    if (!list.includes(id)) list.push(id)
    const gone = this.deletedOf(resource)
    if (gone.includes(id))
      this.gone.set(
        resource,
        gone.filter((g) => g !== id),
      )
  }

  remove(resource: string, id: string): void {
    this.ids.set(
      resource,
      this.of(resource).filter((i) => i !== id),
    )
    const gone = this.deletedOf(resource)
    if (!gone.includes(id)) this.gone.set(resource, [...gone, id])
  }

  all(): string[] {
    return [...this.ids.values(), ...this.gone.values()].flat()
  }

  /** The resource a field or parameter named `customer_id` (or `id`, given the operation's) points to. */
  resourceFor(name: string, op: Operation): string | undefined {
    if (name === 'id') return op.resource
    const singular = /^(\w+?)_?[iI]d$/.exec(name)?.[1]?.toLowerCase()
    if (!singular) return undefined
    const known = [...this.ids.keys()]
    return known.find((r) => r === `${singular}s` || r === `${singular}es` || r === singular)
  }
}

/**
 * Mostly a live record of the pool (sometimes its id upper-cased: UUIDs ignore case), now and then a
 * deleted one or any UUID.
 */
function idFrom(pools: Pools, resource: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(), fc.uuid(), fc.nat({ max: 9 })).map(([n, random, roll]) => {
    const live = pools.of(resource)
    const gone = pools.deletedOf(resource)
    if (roll === 0) return random
    if (roll === 1 && gone.length) return gone[n % gone.length]!
    if (live.length === 0) return gone.length ? gone[n % gone.length]! : random
    const id = live[n % live.length]!
    return roll === 2 ? id.toUpperCase() : id
  })
}

export type Keys = GenOptions['keys']

const nonce = Math.random().toString(36).slice(2, 10)
let keys = 0
/** An Idempotency-Key no other request of this run uses. */
export const freshKey = () => `fuzz-${nonce}-${++keys}`

/** Builds the arbitraries of an operation's requests for one workspace's records. */
export function requestArbitraries(op: Operation, pools: Pools, resolve: Resolve) {
  const override = (name: string, schema: Schema) => {
    if (schema.format === 'uuid') {
      const resource = pools.resourceFor(name, op)
      return resource ? idFrom(pools, resource) : undefined
    }
    if (name === 'idempotency-key') {
      // Keys drawn from the schema alone repeat across requests, which turns most writes into replays.
      return fc.oneof(
        { weight: 4, arbitrary: fc.constant(0).map(freshKey) },
        arbitraryFor(schema, { ...options('some'), ascii: true }),
      )
    }
    if (name === 'cursor') {
      const fromSchema = arbitraryFor({ ...schema }, { resolve, keys: 'some' })
      return fc.tuple(fc.nat(), fromSchema, fc.boolean()).map(([n, other, useReal]) => {
        const known = pools.cursors.get(op.key) ?? []
        return useReal && known.length ? known[n % known.length]! : other
      })
    }
    return undefined
  }
  const options = (keys: Keys): GenOptions => ({ resolve, keys, override })

  // Header values are sent as visible ASCII, as HTTP carries them.
  const params = (list: Parameter[], keys: Keys, ascii = false): fc.Arbitrary<Record<string, unknown>> => {
    if (keys !== 'some') {
      return arbitraryFor(parametersSchema(list, false), { ...options(keys), ascii }) as fc.Arbitrary<
        Record<string, unknown>
      >
    }
    // Lists take many filters; a request names a few of them, each one now and then.
    const entries = list.map((p) => {
      const value = arbitraryFor(p.schema, { ...options('some'), ascii }, p.name).map(
        (v) => [p.name, v] as const,
      )
      return p.required
        ? value
        : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value })
    })
    return fc
      .tuple(...entries)
      .map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined)) as Record<string, unknown>)
  }

  const path = fc
    .tuple(
      ...op.pathParams.map((p) => {
        const resource = pools.resourceFor(p.name, op) ?? (op.pathParams[0] === p ? op.resource : undefined)
        return (resource ? idFrom(pools, resource) : arbitraryFor(p.schema, options('some'))).map(
          (v) => [p.name, String(v)] as const,
        )
      }),
    )
    .map((pairs) => Object.fromEntries(pairs) as Record<string, string>)

  // A CSV body (an import keyed by id): a row naming a record of the pool, now and then followed by junk.
  const csv = (contentType: string) =>
    fc
      .tuple(idFrom(pools, op.resource ?? ''), fc.option(fc.string({ maxLength: 30 }), { freq: 3 }))
      .map(([id, junk]): Body => ({ raw: `id\n${id}\n${junk ?? ''}`, contentType }))

  const body = (keys: Keys): fc.Arbitrary<Body | undefined> => {
    if (op.rawBody === 'text/csv') return csv(op.rawBody)
    if (!op.body) return fc.constant(undefined)
    const json = arbitraryFor(op.body, options(keys)).map((v): Body => ({ json: v }))
    return op.bodyRequired || keys !== 'some' ? json : fc.option(json, { nil: undefined, freq: 5 })
  }

  const parts = (keys: Keys): fc.Arbitrary<Parts> =>
    fc.record({
      path,
      query: params(op.queryParams, keys),
      headers: params(op.headerParams, keys, true),
      body: body(keys),
    })

  return {
    /** Requests as a client would send them: some optional fields, some filters. */
    valid: parts('some'),
    /** The smallest valid request, and one with every optional field: mutations start from these. */
    bases: fc.record({ required: parts('required'), full: parts('all') }),
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Writes the parts out as a request made with `tenant`'s token (or the headers given). */
export function toRequest(op: Operation, parts: Parts, auth: Record<string, string>): FuzzRequest {
  const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(parts.path[name] ?? ''))
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(parts.query)) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, text(v))
  }
  const headers: Record<string, string> = { ...auth }
  for (const [name, value] of Object.entries(parts.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.map(text).join(', ') : text(value)
  }
  const query = search.toString()
  return {
    method: op.method,
    url: query ? `${url}?${query}` : url,
    headers,
    ...(parts.body ? { body: parts.body } : {}),
  }
}
