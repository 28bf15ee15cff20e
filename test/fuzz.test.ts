import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, beforeEach, describe, it } from 'node:test'
import fc from 'fast-check'
import { ALL_SCOPES, hasScope, type Scope } from '../src/domain/tokens.ts'
import { tidyText } from '../src/http/validation.ts'
import { RESOURCES } from '../src/resources/index.ts'
import { ODD_STRINGS } from './fuzz/arbitraries.ts'
import {
  describeRequest,
  describeResponse,
  type FuzzRequest,
  type FuzzResponse,
  parseJson,
  send,
} from './fuzz/client.ts'
import {
  authenticatedOperations,
  documentedResponse,
  type OpenApiDocument,
  type Operation,
  requestChecker,
  responseValidator,
  toTemplate,
} from './fuzz/openapi.ts'
import { brokenRequests, fitsString, place, runsFor, stringSites } from './fuzz/requests.ts'
import { getAt, resolverFor } from './fuzz/schema.ts'
import { freshKey, type Parts, Pools, requestArbitraries, type Tenant, toRequest } from './fuzz/world.ts'
import { buildTenant, buildTestApp, buildToken, makeSamples } from './helpers.ts'

// Every operation of the OpenAPI document that needs a token is fuzzed from its schemas: an operation added
// later is fuzzed without touching this file. FUZZ_SEED replays a failure, FUZZ_RUNS runs more cases.
const SEED = Number(process.env.FUZZ_SEED ?? 4242)
const RUNS = Number(process.env.FUZZ_RUNS ?? 25)
const PARAMS = { seed: SEED, numRuns: RUNS, endOnFailure: true, includeErrorInReport: true }
const REPLAY = `replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`

const PAST = '2020-01-01T00:00:00.000Z'
/** Live records kept per resource: enough variety, and few to re-check before each test. */
const POOL_SIZE = 8
const WRITES = new Set(['POST', 'PUT', 'PATCH'])
const ORDER: Record<string, number> = { GET: 0, POST: 1, PUT: 2, PATCH: 2, DELETE: 3 }

/** Runs every check of a test and reports all that fail, not only the first. */
class Failures {
  readonly messages: string[] = []

  async of(label: string, run: () => Promise<unknown> | unknown): Promise<void> {
    try {
      await run()
    } catch (err) {
      this.messages.push(`[${label}] ${(err as Error).message}`)
    }
  }

  assertNone(): void {
    if (this.messages.length) assert.fail(`${this.messages.length} failing:\n\n${this.messages.join('\n\n')}`)
  }
}

describe('fuzzing every authenticated operation of the OpenAPI document', async () => {
  const t = await buildTestApp()
  after(() => t.close())
  const doc = t.app.swagger() as OpenApiDocument
  const resolve = resolverFor(doc)
  const operations = authenticatedOperations(doc)
  // The resource of each operation is the one that registered its route, which its path need not name
  // (GET /api/workspace/settings is the settings').
  for (const op of operations) {
    const route = t.app.routeList.find((r) => r.method === op.method && toTemplate(r.url) === op.path)
    op.resource = route?.resource ?? op.resource
  }
  const validateResponse = responseValidator(doc)
  const isValid = requestChecker(doc)
  const owned = new Pools()
  for (const op of operations) if (op.resource) owned.of(op.resource)
  // Deletes last, so that the operations before them find the records alive.
  const ordered = [...operations].sort((a, b) => (ORDER[a.method] ?? 1) - (ORDER[b.method] ?? 1))
  const arbitraries = new Map(operations.map((op) => [op.key, requestArbitraries(op, owned, resolve)]))
  const arbs = (op: Operation) => arbitraries.get(op.key)!

  let owner: Tenant
  let intruder: Tenant
  // Every sample's name says so (see the resources' samples); their ids are secret to other workspaces too.
  const secret = 'Owner-only'
  const sampleIds: string[] = []
  const ownerAuth = () => owner.auth

  const byIdGet = (resource: string | undefined) =>
    operations.find(
      (op) => op.method === 'GET' && op.resource === resource && /^\/api\/[^/]+\/\{\w+\}$/.test(op.path),
    )

  /** Fails with the request and response, so that a counterexample can be replayed by hand. */
  const fail = (problem: string, req: FuzzRequest, res?: FuzzResponse): never => {
    const lines = [problem, `  request: ${describeRequest(req)}`]
    if (res) lines.push(`  response: ${describeResponse(res)}`)
    lines.push(`  ${REPLAY}`)
    throw new Error(lines.join('\n'))
  }

  const undocumented = new Map<string, string>()

  /** What every response must be: no 5xx, a documented status, a body of the documented schema. */
  const check = (op: Operation, req: FuzzRequest, res: FuzzResponse) => {
    if (res.rateLimited) return
    const problems: string[] = []
    if (res.status >= 500) problems.push(`answered ${res.status}`)
    if (res.status === 401 && req.headers.authorization === owner.auth.authorization) {
      problems.push("refused the owner's token, which is valid: the rest of the run would test nothing")
    }
    const documented = documentedResponse(op, res.status)
    // Kept for the last test rather than thrown: a status the document forgets would otherwise end every
    // property of the operation at its first run, hiding what the later runs would find.
    const key = `${op.key} answered ${res.status}`
    if (!documented && !undocumented.has(key)) {
      undocumented.set(key, `  request: ${describeRequest(req)}\n  response: ${describeResponse(res)}`)
    }
    if (!res.headers['x-request-id']) problems.push('has no X-Request-Id header')
    const schema = documented?.content?.['application/json']?.schema
    if (schema && res.status !== 204 && res.status !== 304) {
      const body = parseJson(res.text)
      if (body === undefined) problems.push('has a body that is not JSON')
      else {
        if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) {
          problems.push(`is JSON sent as ${res.headers['content-type']}`)
        }
        const error = validateResponse(schema, body)
        if (error)
          problems.push(`has a body that does not match the schema documented for ${res.status}: ${error}`)
      }
    }
    if (problems.length) fail(`${op.key} ${problems.join('; ')}`, req, res)
  }

  /** Sends and checks; keeps the pools current. */
  const call = async (op: Operation, req: FuzzRequest) => {
    const res = await send(t.app, req)
    check(op, req, res)
    track(op, req, res)
    return res
  }

  /** What the owner creates joins the pools, what it deletes leaves them, what it restores comes back. */
  const track = (op: Operation, req: FuzzRequest, res: FuzzResponse) => {
    if (res.status >= 300 || req.headers.authorization !== owner.auth.authorization || !op.resource) return
    const id = pathId(op, req.url)
    const created = (parseJson(res.text) as { data?: { id?: unknown } } | undefined)?.data?.id
    if (op.method === 'POST' && op.pathParams.length === 0 && typeof created === 'string') {
      owned.add(op.resource, created)
    } else if (id && op.method === 'DELETE' && /^\/api\/[^/]+\/\{\w+\}$/.test(op.path)) {
      owned.remove(op.resource, id)
    } else if (id && owned.all().includes(id)) {
      owned.add(op.resource, id)
    }
  }

  /** The owner's request for one record, by the GET of its resource. */
  const readRequest = (get: Operation, id: string) =>
    toRequest(
      get,
      { path: { [get.pathParams[0]!.name]: id }, query: {}, headers: {}, body: undefined },
      ownerAuth(),
    )

  /** The record id in a request's path, lower-cased. */
  const pathId = (op: Operation, url: string) => {
    const first = op.pathParams[0]
    if (!first) return undefined
    const pattern = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      name === first.name ? '([^/?]*)' : '[^/?]*',
    )
    const match = new RegExp(`^${pattern}(?:\\?|$)`).exec(url)
    return match ? decodeURIComponent(match[1]!).toLowerCase() : undefined
  }

  /**
   * Makes the pools true again before a test: a record deleted along with another (a customer's contacts)
   * leaves the live pool, the pool keeps its latest records only, and a resource left with none gets one
   * from its create operation. Nothing here is checked: a hook that fails would cancel every test.
   */
  const refresh = async () => {
    for (const [resource, ids] of owned.ids) {
      const get = byIdGet(resource)
      for (const id of ids.slice(0, -POOL_SIZE)) owned.remove(resource, id)
      for (const id of get ? owned.of(resource) : []) {
        const req = readRequest(get!, id)
        if ((await send(t.app, req)).status === 404) owned.remove(resource, id)
      }
      const create = operations.find(
        (op) => op.method === 'POST' && op.resource === resource && op.pathParams.length === 0,
      )
      if (owned.of(resource).length > 0 || !create) continue
      for (const parts of fc.sample(arbs(create).valid, { seed: SEED, numRuns: 50 })) {
        const req = toRequest(create, parts, owner.auth)
        track(create, req, await send(t.app, req))
        if (owned.of(resource).length > 0) break
      }
    }
  }

  /**
   * What a successful request teaches: the id it created joins the pool, its cursor can be followed, and
   * a read right after a write gives what the write answered (after a delete, 404).
   */
  const learn = async (op: Operation, req: FuzzRequest, res: FuzzResponse) => {
    if (res.rateLimited || res.status >= 300) return
    const body = parseJson(res.text) as { data?: unknown; next_cursor?: unknown } | undefined
    if (typeof body?.next_cursor === 'string') {
      const list = owned.cursors.get(op.key) ?? []
      if (list.length < 20) owned.cursors.set(op.key, [...list, body.next_cursor])
    }
    const data = body?.data as Record<string, unknown> | undefined
    const get = byIdGet(op.resource)
    if (!get) return
    if (WRITES.has(op.method) && typeof data?.id === 'string') {
      const read = readRequest(get, data.id)
      const again = await call(get, read)
      if (again.rateLimited) return
      if (again.status !== 200) fail(`${get.key} right after ${op.key} answered ${again.status}`, read, again)
      const stored = (parseJson(again.text) as { data: Record<string, unknown> }).data
      for (const [key, value] of Object.entries(stored)) {
        if (JSON.stringify(value) !== JSON.stringify(data[key])) {
          fail(
            `${get.key} right after ${op.key} gives ${key} = ${JSON.stringify(value)}, the write answered ${JSON.stringify(data[key])}`,
            req,
            res,
          )
        }
      }
    }
    if (op.method === 'DELETE' && op.path === get.path) {
      const read = { ...req, method: 'GET', headers: ownerAuth() } as FuzzRequest
      delete read.body
      const again = await call(get, read)
      if (!again.rateLimited && again.status !== 404) {
        fail(`${get.key} right after a successful ${op.key} answered ${again.status}`, read, again)
      }
    }
  }

  /** The scope a route needs, from the routes the app registered. */
  const scopeOf = (op: Operation) =>
    t.app.routeList.find((r) => r.method === op.method && toTemplate(r.url) === op.path)?.scope as
      | Scope
      | undefined
  let expired: Tenant['auth']
  const lackingTokens = new Map<string, Tenant['auth']>()
  const tokenLacking = async (needed: Scope) => {
    if (!lackingTokens.has(needed)) {
      const other = ALL_SCOPES.find((s) => s !== '*' && !hasScope([s], needed))!
      lackingTokens.set(needed, (await buildToken(t.db, owner.workspaceId, [other])).auth)
    }
    return lackingTokens.get(needed)!
  }

  const post = async (url: string, auth: Tenant['auth'], payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers: auth, payload })
    assert.equal(res.statusCode, 201, `seeding ${url}: ${res.body}`)
    return res.json().data as { id: string }
  }

  const snapshots = new Map<string, string>()
  const snapshot = async () => {
    const out = new Map<string, string>()
    for (const [resource, ids] of owned.ids) {
      const get = byIdGet(resource)
      if (!get) continue
      for (const id of ids) {
        const req = readRequest(get, id)
        const res = await call(get, req)
        out.set(
          `${resource}/${id}`,
          `${res.status} ${JSON.stringify((parseJson(res.text) as { data?: unknown })?.data)}`,
        )
      }
    }
    return out
  }

  before(async () => {
    owner = await buildTenant(t.db)
    intruder = await buildTenant(t.db)
    expired = (await buildToken(t.db, owner.workspaceId, ['*'], PAST)).auth
    // The owner's records are made through the API, so they are what a client could make: one sample of
    // every resource of the list (src/resources/index.ts), as the isolation suite makes them.
    for (const [resource, id] of Object.entries(await makeSamples(t.app, owner.auth))) {
      owned.add(resource, id)
      sampleIds.push(id)
    }
    // The intruder has records of its own, so that its lists are not empty by default.
    const theirs = await post('/api/segments', intruder.auth, { name: 'Intruder segment' })
    await post('/api/customers', intruder.auth, {
      name: 'Intruder customer',
      type: 'individual',
      segment_id: theirs.id,
    })

    // A resource the seed above does not know (added later) gets a record from its own create operation.
    await refresh()
  })

  it('documents every route that needs a token', () => {
    const scoped = t.app.routeList.filter((r) => r.scope)
    const documented = new Set(operations.map((op) => op.key))
    const missing = scoped.map((r) => `${r.method} ${toTemplate(r.url)}`).filter((k) => !documented.has(k))
    assert.deepEqual(missing, [], 'routes that need a token but are missing from the OpenAPI document')
    assert.ok(
      operations.length >= scoped.length,
      `the document has ${operations.length} authenticated operations for ${scoped.length} scoped routes`,
    )
  })

  describe("another workspace's token, or none", () => {
    before(async () => {
      for (const [k, v] of await snapshot()) snapshots.set(k, v)
    })

    for (const op of ordered) {
      it(`${op.key} refuses a missing, unknown or insufficient token and shows another workspace nothing`, async () => {
        const failures = new Failures()
        const sample = fc.sample(arbs(op).valid, { seed: SEED, numRuns: 1 })[0]!
        const needed = scopeOf(op)
        const cases: [string, Record<string, string>, number][] = [
          ['no token', {}, 401],
          [
            'a token of nobody',
            { authorization: `Bearer qwoty_${randomBytes(32).toString('base64url')}` },
            401,
          ],
          ['Basic credentials', { authorization: 'Basic YWRhOmxvdmVsYWNl' }, 401],
          ['an empty bearer', { authorization: 'Bearer ' }, 401],
          ['an expired token', expired, 401],
        ]
        if (needed) cases.push(['a token without the scope', await tokenLacking(needed), 403])
        for (const [label, auth, status] of cases) {
          await failures.of(label, async () => {
            const req = toRequest(op, sample, auth)
            const res = await call(op, req)
            if (!res.rateLimited && res.status !== status) {
              fail(`${op.key} with ${label} answered ${res.status}, not ${status}`, req, res)
            }
          })
        }

        const ownerIds = [owner.workspaceId, owner.id, ...owned.all()]
        await failures.of("another workspace's token", () =>
          fc.assert(
            fc.asyncProperty(arbs(op).valid, async (generated) => {
              // A key of its own each time: a reused one is refused before the record is looked up.
              const parts =
                'idempotency-key' in generated.headers
                  ? { ...generated, headers: { ...generated.headers, 'idempotency-key': freshKey() } }
                  : generated
              const req = toRequest(op, parts, intruder.auth)
              const res = await call(op, req)
              if (res.rateLimited) return
              if (res.text.includes(secret) || sampleIds.some((id) => res.text.includes(id)))
                fail(`${op.key} shows another workspace's record`, req, res)
              for (const id of ownerIds) {
                // An error may repeat what the caller sent; anything else naming the owner's records leaks them.
                const echoed = res.status >= 400 && describeRequest(req).toLowerCase().includes(id)
                if (!echoed && res.text.toLowerCase().includes(id)) {
                  fail(`${op.key} with another workspace's token reveals ${id}`, req, res)
                }
              }
              const ownersIdInPath = Object.values(parts.path).some((v) => ownerIds.includes(v.toLowerCase()))
              if (ownersIdInPath && res.status !== 404) {
                fail(`${op.key} on another workspace's record answered ${res.status}, not 404`, req, res)
              }
            }),
            PARAMS,
          ),
        )
        failures.assertNone()
      })
    }

    it("leaves the owner's records as they were", async () => {
      const now = await snapshot()
      for (const [key, before] of snapshots) assert.equal(now.get(key), before, key)
    })
  })

  describe('broken requests are refused with a documented error', () => {
    beforeEach(refresh)
    for (const op of ordered) {
      it(`${op.key} refuses every way its request can be broken`, async (tc) => {
        const kinds = brokenRequests(op, resolve, isValid)
        const failures = new Failures()
        for (const [kind, variants] of kinds) {
          await failures.of(kind, () =>
            fc.assert(
              fc.asyncProperty(
                fc.constantFrom(...variants),
                arbs(op).bases,
                fc.nat(),
                async (variant, bases, n) => {
                  const parts = variant.build(bases, n)
                  fc.pre(parts !== undefined)
                  const req = toRequest(op, parts!, ownerAuth())
                  const res = await call(op, req)
                  if (!res.rateLimited && res.status < 300) {
                    fail(
                      `${op.key} accepted (${res.status}) a request with ${kind}: ${variant.label}`,
                      req,
                      res,
                    )
                  }
                },
              ),
              { ...PARAMS, numRuns: runsFor(variants, RUNS) },
            ),
          )
        }
        tc.diagnostic(`${kinds.size} kinds of breakage: ${[...kinds.keys()].join(', ')}`)
        failures.assertNone()
      })
    }
  })

  describe('odd but valid strings are stored as sent', () => {
    beforeEach(refresh)
    for (const op of ordered) {
      const sites = stringSites(op, resolve)
      if (sites.length === 0) continue
      it(`${op.key} takes emoji, controls, RTL marks and injections in its text fields`, async (tc) => {
        const failures = new Failures()
        let stored = 0
        // NUL gets a property of its own: a database that refuses it must not hide the other strings' fate.
        const groups = {
          'odd strings': ODD_STRINGS.filter((s) => !s.includes('\u0000')),
          'strings with NUL': ODD_STRINGS.filter((s) => s.includes('\u0000')),
        }
        for (const [group, strings] of Object.entries(groups)) {
          const values = fc
            .tuple(fc.constantFrom(...strings), fc.nat({ max: 3 }))
            .map(([odd, how]) => [odd, `x${odd}`, `${odd}x`, `Name ${odd} end`][how]!)
          await failures.of(group, () =>
            fc.assert(
              fc.asyncProperty(
                fc.constantFrom(...sites),
                values,
                arbs(op).bases,
                async (site, value, bases) => {
                  fc.pre(fitsString(site.schema, value))
                  const req = toRequest(op, place(bases, site.part, site.path, value), ownerAuth())
                  const res = await call(op, req)
                  if (res.rateLimited || res.status >= 300 || site.part !== 'body') return
                  // The answer shows what was stored: the text sent, trimmed of spaces and invisible characters.
                  const got = getAt((parseJson(res.text) as { data?: unknown }).data, site.path)
                  const field = site.path.join('.')
                  if (typeof got === 'string') {
                    stored++
                    if (got !== value && got !== tidyText(value)) {
                      fail(
                        `${op.key} stored ${JSON.stringify(got)} for ${field} = ${JSON.stringify(value)}`,
                        req,
                        res,
                      )
                    }
                  }
                  if (got === null && tidyText(value) !== '') {
                    fail(`${op.key} stored null for ${field} = ${JSON.stringify(value)}`, req, res)
                  }
                },
              ),
              PARAMS,
            ),
          )
        }
        tc.diagnostic(`${sites.length} text fields; ${stored} values stored and read back`)
        failures.assertNone()
      })
    }
  })

  describe('valid requests get a documented answer', () => {
    beforeEach(refresh)
    for (const op of ordered) {
      it(`${op.key} answers valid requests as documented`, async (tc) => {
        const statuses = new Map<number, number>()
        await fc.assert(
          fc.asyncProperty(arbs(op).valid, async (parts) => {
            const req = toRequest(op, parts, ownerAuth())
            const res = await call(op, req)
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            await learn(op, req, res)
          }),
          PARAMS,
        )
        tc.diagnostic(`statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`)
      })
    }

    it('random sequences of valid requests across every operation', async () => {
      const step = fc.oneof(...operations.map((op) => arbs(op).valid.map((parts) => ({ op, parts }))))
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
          for (const { op, parts } of steps) {
            const req = toRequest(op, parts, ownerAuth())
            await learn(op, req, await call(op, req))
          }
        }),
        PARAMS,
      )
    })
  })

  describe('Idempotency-Key, If-Match and If-None-Match, where the document declares them', () => {
    beforeEach(refresh)
    const declares = (op: Operation, header: string) => op.headerParams.some((p) => p.name === header)
    const idempotent = ordered.filter((op) => declares(op, 'idempotency-key'))
    const conditional = ordered.filter(
      (op) => declares(op, 'if-match') && op.pathParams.length > 0 && byIdGet(op.resource),
    )
    const withHeader = (parts: Parts, name: string, value: string): Parts => ({
      ...parts,
      headers: { ...parts.headers, [name]: value },
    })

    const cached = ordered.filter((op) => op.method === 'GET' && declares(op, 'if-none-match'))

    it('declares Idempotency-Key on every write, and ETag, If-Match and If-None-Match exactly where they work', () => {
      const wrong: string[] = []
      for (const op of ordered) {
        const resource = RESOURCES.find((r) => r.name === op.resource)
        assert.ok(resource, `${op.key} belongs to no resource`)
        // A singleton's path names its one record, as a by-id path does.
        const byId = /^\/api\/[^/]+\/\{\w+\}$/.test(op.path) || resource.singleton === true
        const write = op.method !== 'GET'
        const expected = {
          'idempotency-key': write,
          // Only versioned records have an ETag to match (tokens have none).
          'if-match':
            resource.versioned &&
            byId &&
            (op.method === 'PATCH' || op.method === 'PUT' || op.method === 'DELETE'),
          // A singleton's GET shows what moves without its version (settings: next_quote_number): no 304.
          'if-none-match': resource.versioned && byId && op.method === 'GET' && !resource.singleton,
        }
        // A write under a record's path (an action, or a part of it such as a quote's line) may take the
        // record's If-Match: one that declares it is held to it below, and answers the record with its ETag.
        const underRecord = write && resource.versioned && /^\/api\/[^/]+\/\{\w+\}\/./.test(op.path)
        for (const [header, wanted] of Object.entries(expected)) {
          if (header === 'if-match' && underRecord) continue
          if (declares(op, header) !== wanted)
            wrong.push(`${op.key} ${wanted ? 'lacks' : 'advertises'} ${header}`)
        }
        // A POST on the collection's own path (an import) answers about no one record: no ETag.
        const collectionAction = /^\/api\/[^/]+\/[^/{]+$/.test(op.path)
        const etag =
          (resource.versioned &&
            op.method !== 'DELETE' &&
            (byId || (op.method === 'POST' && !collectionAction))) ||
          (underRecord && declares(op, 'if-match'))
        const success = Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2'))
        for (const [status, response] of success) {
          const declared = Boolean((response as { headers?: Record<string, unknown> }).headers?.ETag)
          if (declared !== etag) wrong.push(`${op.key} ${etag ? 'lacks' : 'advertises'} ETag on ${status}`)
        }
      }
      assert.deepEqual(wrong, [])
      // And each declaration is checked in use below: the retry of a key, a stale If-Match, a 304.
      assert.ok(idempotent.length > 0 && conditional.length > 0 && cached.length > 0)
    })

    for (const op of idempotent) {
      it(`${op.key} runs a request sent again with the same Idempotency-Key once`, async () => {
        await fc.assert(
          fc.asyncProperty(arbs(op).valid, arbs(op).valid, async (parts, other) => {
            const keyed = withHeader(parts, 'idempotency-key', freshKey())
            const first = await call(op, toRequest(op, keyed, ownerAuth()))
            const againReq = toRequest(op, keyed, ownerAuth())
            const again = await call(op, againReq)
            if (first.rateLimited || again.rateLimited || first.status >= 300) return
            // A retry gets the first answer again, or is refused; a different success means it ran twice.
            if (again.status < 300 && again.text !== first.text) {
              fail(`${op.key} ran twice under one Idempotency-Key (first: ${first.text})`, againReq, again)
            }
            if (op.body && JSON.stringify(other.body) !== JSON.stringify(parts.body)) {
              const changedReq = toRequest(op, { ...keyed, body: other.body }, ownerAuth())
              const changed = await call(op, changedReq)
              if (!changed.rateLimited && changed.status < 300) {
                fail(`${op.key} took another body under an Idempotency-Key already used`, changedReq, changed)
              }
            }
          }),
          PARAMS,
        )
      })
    }

    for (const op of conditional) {
      it(`${op.key} refuses a stale If-Match and takes the current ETag`, async () => {
        const get = byIdGet(op.resource)!
        await fc.assert(
          fc.asyncProperty(arbs(op).valid, async (parts) => {
            const id = parts.path[op.pathParams[0]!.name]!
            const read = await call(get, readRequest(get, id))
            const etag = read.headers.etag
            if (read.rateLimited || read.status !== 200 || typeof etag !== 'string') return
            const fresh = { ...parts, headers: { ...parts.headers } }
            delete fresh.headers['idempotency-key']
            const staleReq = toRequest(op, withHeader(fresh, 'if-match', '"fuzz-stale"'), ownerAuth())
            const stale = await call(op, staleReq)
            if (!stale.rateLimited && stale.status < 300)
              fail(`${op.key} ignored a stale If-Match`, staleReq, stale)
            const currentReq = toRequest(op, withHeader(fresh, 'if-match', etag), ownerAuth())
            const current = await call(op, currentReq)
            if (current.status === 412)
              fail(`${op.key} refused the current ETag ${etag}`, currentReq, current)
          }),
          PARAMS,
        )
      })
    }

    for (const op of cached) {
      it(`${op.key} answers 304 to its current ETag in If-None-Match`, async () => {
        await fc.assert(
          fc.asyncProperty(arbs(op).valid, async (generated) => {
            const parts = { ...generated, headers: { ...generated.headers } }
            delete parts.headers['if-none-match']
            const read = await call(op, toRequest(op, parts, ownerAuth()))
            const etag = read.headers.etag
            if (read.rateLimited || read.status !== 200 || typeof etag !== 'string') return
            const sameReq = toRequest(op, withHeader(parts, 'if-none-match', etag), ownerAuth())
            const same = await call(op, sameReq)
            if (!same.rateLimited && (same.status !== 304 || same.text !== '')) {
              fail(`${op.key} with its current ETag answered ${same.status}, not an empty 304`, sameReq, same)
            }
            const otherReq = toRequest(op, withHeader(parts, 'if-none-match', '"fuzz-stale"'), ownerAuth())
            const other = await call(op, otherReq)
            if (!other.rateLimited && other.status !== 200) {
              fail(`${op.key} with a stale If-None-Match answered ${other.status}, not 200`, otherReq, other)
            }
          }),
          PARAMS,
        )
      })
    }
  })

  it('answers only with statuses the document lists for the operation', () => {
    const list = [...undocumented].map(([key, example]) => `${key}, which it does not document\n${example}`)
    if (list.length) assert.fail(`${list.length} undocumented statuses:\n\n${list.join('\n\n')}\n  ${REPLAY}`)
  })
})
