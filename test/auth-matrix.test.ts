import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { ALL_SCOPES, generateSecret, hasScope, type Scope } from '../src/domain/tokens.ts'
import {
  buildTenant,
  buildToken,
  caseHeaders,
  type Headers,
  makeSamples,
  type RouteCase,
  routeCases,
  snapshotWorkspace,
  useTestApp,
} from './helpers.ts'

// Every route that needs a token, from the route list, called with the owner's own ids (makeSamples) so
// that only the token can refuse it: without a token, with a token that is unknown, expired or revoked,
// with one lacking the route's scope, and with the route's scope alone. A new resource is in it by being
// listed (src/resources/index.ts).

const PAST = '2020-01-01T00:00:00.000Z'
const CHALLENGE = /^Bearer realm=/
const INVALID = { success: false, error: 'Invalid API token', code: 'invalid_token' }
const MISSING = {
  success: false,
  error: 'Missing API token: send Authorization: Bearer <token>',
  code: 'missing_token',
}
const NOT_BEARER = {
  success: false,
  error: 'Authorization must use the Bearer scheme',
  code: 'missing_token',
}
const lacking = (scope: Scope) => ({
  success: false,
  error: `This token lacks the '${scope}' permission`,
  code: 'insufficient_scope',
})

/** The scopes that let a token through a route that needs `scope`. */
const granting = (scope: Scope) => ALL_SCOPES.filter((s) => hasScope([s], scope))

describe('authentication and scopes, on every route that needs a token', () => {
  const t = useTestApp()
  let owner: Awaited<ReturnType<typeof buildTenant>>
  let ids: Record<string, string>
  let cases: RouteCase[]
  let expired: Headers
  let revoked: Headers
  /** A token of each single scope, '*' included. */
  const alone = new Map<Scope, Headers>()
  /** For each scope a route needs, a token of every scope that does not grant it. */
  const allBut = new Map<Scope, Headers>()
  let untouched: Awaited<ReturnType<typeof snapshotWorkspace>>

  const send = (c: RouteCase, headers: Headers) =>
    t.app.inject({
      method: c.method,
      url: c.url,
      headers: caseHeaders(c, headers),
      ...(c.body ? { payload: c.body } : {}),
    })

  /** Sends every case with `headers` and checks the 401 it gets, challenge included. */
  const assertAllUnauthorized = async (headers: Headers, expected: object) => {
    for (const c of cases) {
      const res = await send(c, headers)
      assert.equal(res.statusCode, 401, `${c.route}: ${res.body}`)
      assert.deepEqual(res.json(), expected, c.route)
      assert.match(String(res.headers['www-authenticate']), CHALLENGE, c.route)
    }
  }

  before(async () => {
    owner = await buildTenant(t.db)
    ids = await makeSamples(t.app, owner.auth)
    cases = routeCases(t.app, ids)
    expired = (await buildToken(t.db, owner.workspaceId, ['*'], PAST)).auth
    // Used before it is revoked, so a token held in memory would still be there.
    const victim = await buildToken(t.db, owner.workspaceId, ['*'])
    const read = cases.find((c) => c.method === 'GET')!
    assert.equal((await send(read, victim.auth)).statusCode, 200)
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${victim.id}`,
      headers: owner.auth,
    })
    assert.equal(revoke.statusCode, 200, revoke.body)
    revoked = victim.auth
    for (const scope of ALL_SCOPES)
      alone.set(scope, (await buildToken(t.db, owner.workspaceId, [scope])).auth)
    for (const scope of new Set(cases.map((c) => c.scope))) {
      const others = ALL_SCOPES.filter((s) => !hasScope([s], scope))
      allBut.set(scope, (await buildToken(t.db, owner.workspaceId, others)).auth)
    }
    // Taken once every token exists: what the refused requests below must leave as it is.
    untouched = await snapshotWorkspace(t, owner, ids)
  })

  it('has a case for every route that needs a token, each needing a scope tokens can hold', () => {
    const routes = t.app.routeList.filter((r) => r.scope)
    assert.ok(routes.length >= 22)
    assert.deepEqual(
      cases.map((c) => c.route),
      routes.map((r) => `${r.method} ${r.url}`),
    )
    for (const c of cases) {
      assert.ok(ALL_SCOPES.includes(c.scope), `${c.route} needs ${c.scope}, which no token can hold`)
      assert.notEqual(c.scope, '*', `${c.route} needs '*'`)
      // What lets a token through, said without hasScope: '*', the scope, and for a read the write (and the
      // approve of a group that has one).
      const [resource, access] = c.scope.split(':')
      const expected =
        access === 'read' ? ['*', c.scope, `${resource}:write`, `${resource}:approve`] : ['*', c.scope]
      assert.deepEqual(
        granting(c.scope).sort(),
        expected.filter((s) => ALL_SCOPES.includes(s as Scope)).sort(),
        c.route,
      )
    }
  })

  it('answers 401 missing_token without an Authorization header', async () => {
    await assertAllUnauthorized({}, MISSING)
  })

  it('answers 401 missing_token to a scheme other than Bearer, valid credentials included', async () => {
    for (const authorization of [
      `Basic ${Buffer.from('owner:password').toString('base64')}`,
      `Basic ${owner.secret}`,
      owner.secret,
    ]) {
      await assertAllUnauthorized({ authorization }, NOT_BEARER)
    }
  })

  it('answers 401 invalid_token to a well-formed token that names no token', async () => {
    await assertAllUnauthorized({ authorization: `Bearer ${generateSecret()}` }, INVALID)
  })

  it('answers 401 invalid_token to an expired token', async () => {
    await assertAllUnauthorized(expired, INVALID)
  })

  it('answers 401 invalid_token to a revoked token, though it was used before', async () => {
    await assertAllUnauthorized(revoked, INVALID)
  })

  it("answers 403 naming the route's scope to a token with every other scope", async () => {
    for (const c of cases) {
      const res = await send(c, allBut.get(c.scope)!)
      assert.equal(res.statusCode, 403, `${c.route}: ${res.body}`)
      assert.deepEqual(res.json(), lacking(c.scope), c.route)
    }
  })

  it("answers 403 naming the route's scope to a token of any single scope that does not grant it", async () => {
    for (const c of cases) {
      for (const [scope, headers] of alone) {
        if (hasScope([scope], c.scope)) continue
        const res = await send(c, headers)
        assert.equal(res.statusCode, 403, `${c.route} with ${scope}: ${res.body}`)
        assert.deepEqual(res.json(), lacking(c.scope), `${c.route} with ${scope}`)
      }
    }
  })

  it('changed nothing with any of the refused requests', async () => {
    assert.deepEqual(await snapshotWorkspace(t, owner, ids), untouched)
  })

  it("lets the route's scope alone through, and every scope that grants it", async () => {
    // These requests do what they ask: reads first, then writes, deletes last, so that reads find every
    // sample and writes every record they name. A second delete of a record finds it gone (404), and a
    // segment that a customer made above now uses cannot be deleted (409).
    const order = { GET: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 }
    for (const c of [...cases].sort((a, b) => order[a.method] - order[b.method])) {
      for (const scope of granting(c.scope)) {
        const res = await send(c, alone.get(scope)!)
        const label = `${c.route} with ${scope}: ${res.body}`
        if (c.method === 'DELETE') {
          assert.ok(![401, 403].includes(res.statusCode) && res.statusCode < 500, label)
        } else if (c.stateful) {
          // A lifecycle action answers by the record's state (409) or by who the token acts as (403
          // approval_forbidden): the scope let it through unless it is a 401 or a 403 of scope.
          const code = res.statusCode === 403 ? res.json().code : undefined
          assert.ok(res.statusCode !== 401 && code !== 'insufficient_scope' && res.statusCode < 500, label)
        } else {
          assert.ok(res.statusCode >= 200 && res.statusCode < 300, label)
        }
      }
    }
  })
})
