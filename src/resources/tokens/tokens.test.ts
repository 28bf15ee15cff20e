import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildTenant, buildToken, dialect, type TestApp, useTestApp } from '../../../test/helpers.ts'
import type { Scope } from '../../domain/tokens.ts'
import { findToken, touchTokens } from './store.ts'

const KEYS = [
  'id',
  'name',
  'scopes',
  'permissions',
  'last4',
  'expires_at',
  'created_at',
  'last_used_at',
  'user_id',
]
const CREATED_KEYS = ['id', 'name', 'token', ...KEYS.slice(2)]
// In the order of the resources, one key per scope (the catalog's four resources share `catalog`, the pricing
// resources `pricing`, business units, custom fields and approval rules `settings`), orders (read only), then
// Quoin's events (read only: '*' reads them).
const PERMISSION_KEYS = [
  'customers',
  'contacts',
  'addresses',
  'segments',
  'payment_terms',
  'catalog',
  'pricing',
  'settings',
  'users',
  'quotes',
  'orders',
  'tokens',
  'events',
]
const READ_ONLY = new Set(['orders', 'events'])
/** Groups with an approve scope: their highest level is approve (write and approve). */
const APPROVABLE = new Set(['quotes'])
const NONE = Object.fromEntries(PERMISSION_KEYS.map((k) => [k, 'none']))
const ALL_WRITE = Object.fromEntries(
  PERMISSION_KEYS.map((k) => [k, READ_ONLY.has(k) ? 'read' : APPROVABLE.has(k) ? 'approve' : 'write']),
)
const RESOURCES_WRITE = PERMISSION_KEYS.flatMap((k) =>
  READ_ONLY.has(k)
    ? [`${k}:read` as Scope]
    : APPROVABLE.has(k)
      ? [`${k}:write` as Scope, `${k}:approve` as Scope]
      : [`${k}:write` as Scope],
)

const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })
const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString()

type Headers = Record<string, string>

function requests(t: TestApp) {
  return {
    list: (headers: Headers, query: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url: '/api/tokens', query, headers }),
    create: (payload: object, headers: Headers) =>
      t.app.inject({ method: 'POST', url: '/api/tokens', payload, headers }),
    revoke: (id: string, headers: Headers) =>
      t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers }),
    customers: (headers: Headers) => t.app.inject({ method: 'GET', url: '/api/customers', headers }),
  }
}

async function countTokens(t: TestApp, workspaceId: string): Promise<number> {
  const { n } = await t.db.kysely
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  return Number(n)
}

describe('GET /api/tokens', () => {
  const t = useTestApp()
  const { list, create } = requests(t)

  it("lists the workspace's tokens oldest first, keys in order, with neither secret nor hash", async () => {
    const tenant = await buildTenant(t.db)
    const made = await create(
      { name: 'Zapier', permissions: { customers: 'write', contacts: 'read' } },
      tenant.auth,
    )
    assert.equal(made.statusCode, 201, made.body)
    const secret: string = made.json().data.token
    const res = await list(tenant.auth)
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.data.length, 2)
    assert.equal(body.data[0].id, tenant.id)
    assert.deepEqual(body.data[0].permissions, ALL_WRITE)
    const { token: _secret, ...shown } = made.json().data
    assert.deepEqual(body.data[1], shown)
    assert.deepEqual(body.data[1], {
      id: shown.id,
      name: 'Zapier',
      scopes: ['customers:write', 'contacts:read'],
      permissions: { ...NONE, customers: 'write', contacts: 'read' },
      last4: secret.slice(-4),
      expires_at: null,
      created_at: shown.created_at,
      last_used_at: null,
      user_id: null,
    })
    for (const token of body.data) {
      assert.deepEqual(Object.keys(token), KEYS)
      assert.deepEqual(Object.keys(token.permissions), PERMISSION_KEYS)
      assert.match(token.created_at, WIRE_TIME)
    }
    for (const s of [secret, tenant.secret]) {
      assert.ok(!res.body.includes(s), 'a secret is listed')
      assert.ok(!res.body.includes(sha256(s)), 'a hash is listed')
    }
    assert.doesNotMatch(res.body, /token_hash|"token"/)
    assert.equal(body.has_more, false)
    assert.equal(body.next_cursor, null)
  })

  it('lists expired tokens with their expires_at, and leaves deleted ones out', async () => {
    const tenant = await buildTenant(t.db)
    const expired = await buildToken(t.db, tenant.workspaceId, ['customers:read'], '2026-01-15T10:30:00.000Z')
    const deleted = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    assert.equal((await requests(t).revoke(deleted.id, tenant.auth)).statusCode, 200)
    const data = (await list(tenant.auth)).json().data
    assert.deepEqual(
      data.map((d: { id: string }) => d.id),
      [tenant.id, expired.id],
    )
    assert.equal(data[1].expires_at, '2026-01-15T10:30:00Z')
    assert.equal(data[0].expires_at, null)
  })

  it('shows last_used_at at second precision once use is recorded', async () => {
    const tenant = await buildTenant(t.db)
    const other = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    await touchTokens(t.db.kysely, [other.id], '2026-02-01T10:00:00.123Z')
    const data = (await list(tenant.auth)).json().data
    assert.equal(data.find((d: { id: string }) => d.id === other.id).last_used_at, '2026-02-01T10:00:00Z')
  })

  it("never shows another workspace's tokens", async () => {
    const tenant = await buildTenant(t.db)
    const other = await buildTenant(t.db)
    const res = await list(tenant.auth)
    assert.deepEqual(
      res.json().data.map((d: { id: string }) => d.id),
      [tenant.id],
    )
    assert.ok(!res.body.includes(other.id))
  })

  it('walks every token with limit=2, in creation order, without duplicates', async () => {
    const tenant = await buildTenant(t.db)
    const created = [tenant.id]
    for (let i = 0; i < 4; i++) created.push((await buildToken(t.db, tenant.workspaceId, ['*'])).id)
    const seen: string[] = []
    const sizes: number[] = []
    let cursor: string | null = null
    do {
      const res = await list(tenant.auth, { limit: '2', ...(cursor ? { cursor } : {}) })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json()
      sizes.push(body.data.length)
      seen.push(...body.data.map((d: { id: string }) => d.id))
      assert.equal(body.has_more, body.next_cursor !== null)
      cursor = body.next_cursor
    } while (cursor)
    assert.deepEqual(sizes, [2, 2, 1])
    assert.deepEqual(seen, created)
  })

  it('answers 400 to an unknown query parameter, a bad limit and a foreign cursor', async () => {
    const tenant = await buildTenant(t.db)
    const unknown = await list(tenant.auth, { name: 'Zapier' })
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
    assert.equal(unknown.json().error, "Unknown query parameter 'name'")
    const bad: Record<string, string>[] = [
      { limit: '0' },
      { limit: '1001' },
      { limit: 'ten' },
      { cursor: 'bm9wZQ' },
    ]
    for (const query of bad) {
      const res = await list(tenant.auth, query)
      assert.equal(res.statusCode, 400, JSON.stringify(query))
      assert.equal(res.json().code, 'invalid_parameter')
    }
  })
})

describe('POST /api/tokens', () => {
  const t = useTestApp()
  const { create, customers } = requests(t)

  it('never lets an expiring token create one that outlives it', async () => {
    const tenant = await buildTenant(t.db)
    const soon = new Date(Date.now() + 3_600_000)
    soon.setMilliseconds(0)
    const expiring = await buildToken(t.db, tenant.workspaceId, ['*'], soon.toISOString())
    for (const body of [{ name: 'child' }, { name: 'child', expires_at: null }]) {
      const inherits = await create(body, expiring.auth)
      assert.equal(inherits.statusCode, 201, inherits.body)
      assert.equal(inherits.json().data.expires_at, `${soon.toISOString().slice(0, 19)}Z`)
    }
    const later = await create(
      { name: 'later', expires_at: new Date(Date.now() + 86_400_000).toISOString() },
      expiring.auth,
    )
    assert.equal(later.statusCode, 400)
    assert.match(later.json().details[0], /must not be later than this token's own expiry/)
    const sooner = await create(
      { name: 'sooner', expires_at: new Date(Date.now() + 60_000).toISOString() },
      expiring.auth,
    )
    assert.equal(sooner.statusCode, 201)
  })

  it('creates a token from Qwoty-style permissions and shows its secret once, keys in order', async () => {
    const tenant = await buildTenant(t.db)
    const res = await create(
      { name: '  Zapier  ', permissions: { contacts: 'read', customers: 'write', segments: 'none' } },
      tenant.auth,
    )
    assert.equal(res.statusCode, 201, res.body)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data'])
    const data = body.data
    assert.deepEqual(Object.keys(data), CREATED_KEYS)
    assert.deepEqual(Object.keys(data.permissions), PERMISSION_KEYS)
    assert.match(data.id, UUID)
    assert.equal(data.name, 'Zapier')
    assert.match(data.token, /^qwoty_[\w-]{43}$/)
    assert.deepEqual(data.scopes, ['customers:write', 'contacts:read'])
    assert.deepEqual(data.permissions, { ...NONE, customers: 'write', contacts: 'read' })
    assert.equal(data.last4, data.token.slice(-4))
    assert.equal(data.expires_at, null)
    assert.match(data.created_at, WIRE_TIME)
    assert.equal(data.last_used_at, null)
    const row = await t.db.kysely
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.equal(row.token_hash, sha256(data.token))
    assert.equal(row.workspace_id, tenant.workspaceId)
    assert.ok(!Object.values(row).includes(data.token), 'the secret is stored')
  })

  it('creates a token from a scopes array, and derives its permissions', async () => {
    const tenant = await buildTenant(t.db)
    const res = await create({ name: 'Sync', scopes: ['segments:read', 'tokens:write'] }, tenant.auth)
    assert.equal(res.statusCode, 201, res.body)
    assert.deepEqual(res.json().data.scopes, ['segments:read', 'tokens:write'])
    assert.deepEqual(res.json().data.permissions, { ...NONE, segments: 'read', tokens: 'write' })
    const star = await create({ name: 'Admin', scopes: ['*'] }, tenant.auth)
    assert.equal(star.statusCode, 201)
    assert.deepEqual(star.json().data.permissions, ALL_WRITE)
  })

  it("gives the creating token's own scopes when neither permissions nor scopes are given", async () => {
    const tenant = await buildTenant(t.db)
    const creator = await buildToken(t.db, tenant.workspaceId, ['customers:write', 'tokens:write'])
    const res = await create({ name: 'Same as me' }, creator.auth)
    assert.equal(res.statusCode, 201, res.body)
    assert.deepEqual(res.json().data.scopes, ['customers:write', 'tokens:write'])
    assert.deepEqual(res.json().data.permissions, { ...NONE, customers: 'write', tokens: 'write' })
    const fromStar = await create({ name: 'Same as admin' }, tenant.auth)
    assert.deepEqual(fromStar.json().data.scopes, ['*'])
  })

  it('takes expires_at null, as the documented token object holds it: no expiry', async () => {
    const tenant = await buildTenant(t.db)
    const res = await create({ name: 'Production API Token', expires_at: null }, tenant.auth)
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.expires_at, null)
  })

  it('takes expires_at in the future, kept to the second and shown in UTC', async () => {
    const tenant = await buildTenant(t.db)
    const res = await create({ name: 'Temp', expires_at: '2099-06-30T12:00:00.750+02:00' }, tenant.auth)
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.expires_at, '2099-06-30T10:00:00Z')
    const row = await findToken(t.db.kysely, tenant.workspaceId, res.json().data.id)
    assert.equal(row?.expires_at, '2099-06-30T10:00:00Z')
    const soon = await create({ name: 'Soon', expires_at: inOneHour() }, tenant.auth)
    assert.equal(soon.statusCode, 201)
    assert.equal((await customers(bearer(soon.json().data.token))).statusCode, 200)
  })

  it('answers 400 naming expires_at when it is past, now, or not a date-time', async () => {
    const tenant = await buildTenant(t.db)
    for (const expires_at of ['2020-01-01T00:00:00Z', new Date().toISOString()]) {
      const res = await create({ name: 'Old', expires_at }, tenant.auth)
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().code, 'validation_failed')
      assert.deepEqual(res.json().details, ["Field 'expires_at' must be in the future"])
    }
    for (const expires_at of ['tomorrow', '2099-01-01', '2099-01-01T00:00:00', 1893456000]) {
      const res = await create({ name: 'Odd', expires_at }, tenant.auth)
      assert.equal(res.statusCode, 400, String(expires_at))
      assert.match(res.json().details.join(), /'expires_at'/)
    }
    assert.equal(await countTokens(t, tenant.workspaceId), 1)
  })

  it('answers 400 when both permissions and scopes are given, naming every problem at once', async () => {
    const tenant = await buildTenant(t.db)
    const res = await create(
      {
        name: 'Both',
        permissions: { customers: 'read' },
        scopes: ['customers:read'],
        expires_at: '2020-01-01T00:00:00Z',
      },
      tenant.auth,
    )
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'validation_failed')
    assert.deepEqual(res.json().details, [
      "Give either 'permissions' or 'scopes', not both",
      "Field 'expires_at' must be in the future",
    ])
  })

  it('answers 400 to unknown fields, bad names, bad permissions and bad scopes, creating nothing', async () => {
    const tenant = await buildTenant(t.db)
    const cases: [object, string][] = [
      [{ name: 'X', role: 'admin' }, "Field 'role' is not allowed"],
      [{}, "Field 'name' is required"],
      [{ name: '   ' }, "Field 'name' must not be blank"],
      [{ name: 'n'.repeat(101) }, "Field 'name' must be at most 100 characters"],
      [{ name: 'X', permissions: { invoices: 'read' } }, "Field 'permissions.invoices' is not allowed"],
      [{ name: 'X', permissions: { customers: 'admin' } }, "Field 'permissions.customers' must be one of"],
      [{ name: 'X', permissions: {} }, "Field 'permissions' must grant at least one permission"],
      [{ name: 'X', permissions: { customers: 'none' } }, "Field 'permissions' must grant at least one"],
      [{ name: 'X', permissions: ['customers:read'] }, "Field 'permissions' must be of type object"],
      [{ name: 'X', scopes: [] }, "Field 'scopes' must have at least 1 items"],
      [{ name: 'X', scopes: ['invoices:read'] }, "Field 'scopes[0]' must be one of"],
      [
        { name: 'X', scopes: ['customers:read', 'customers:read'] },
        "Field 'scopes' must not contain duplicates",
      ],
      [{ name: 'X', scopes: 'customers:read' }, "Field 'scopes' must be of type array"],
    ]
    for (const [payload, expected] of cases) {
      const res = await create(payload, tenant.auth)
      assert.equal(res.statusCode, 400, JSON.stringify(payload))
      assert.equal(res.json().code, 'validation_failed')
      assert.ok(
        res.json().details.some((d: string) => d.startsWith(expected)),
        `${JSON.stringify(payload)}: ${res.body}`,
      )
    }
    assert.equal(await countTokens(t, tenant.workspaceId), 1)
  })

  it('gives a token that works at once within its scopes and gets 403 beyond them', async () => {
    const tenant = await buildTenant(t.db)
    const res = await create({ name: 'Reader', permissions: { customers: 'read' } }, tenant.auth)
    const auth = bearer(res.json().data.token)
    assert.equal((await customers(auth)).statusCode, 200)
    const write = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      payload: { name: 'Acme', type: 'company' },
      headers: auth,
    })
    assert.equal(write.statusCode, 403)
    assert.equal(write.json().code, 'insufficient_scope')
    const contacts = await t.app.inject({ method: 'GET', url: '/api/segments', headers: auth })
    assert.equal(contacts.statusCode, 403)
    assert.equal((await requests(t).list(auth)).statusCode, 403)
  })

  it('refuses with 403 to grant a scope the creating token lacks, naming it, and creates nothing', async () => {
    const tenant = await buildTenant(t.db)
    const creator = await buildToken(t.db, tenant.workspaceId, ['customers:write', 'tokens:write'])
    for (const payload of [
      { name: 'More', scopes: ['contacts:read'] },
      { name: 'More', permissions: { contacts: 'read' } },
      { name: 'More', permissions: { customers: 'read', contacts: 'read' } },
    ]) {
      const res = await create(payload, creator.auth)
      assert.equal(res.statusCode, 403, res.body)
      assert.equal(res.json().code, 'insufficient_scope')
      assert.equal(res.json().error, "This token cannot grant permissions it lacks: 'contacts:read'")
    }
    const two = await create({ name: 'More', scopes: ['segments:write', 'addresses:read'] }, creator.auth)
    assert.equal(two.statusCode, 403)
    assert.deepEqual(two.json().details, [
      "This token lacks the 'segments:write' permission",
      "This token lacks the 'addresses:read' permission",
    ])
    assert.equal(await countTokens(t, tenant.workspaceId), 2)
    const less = await create({ name: 'Less', permissions: { customers: 'read' } }, creator.auth)
    assert.equal(less.statusCode, 201, 'write covers read')
  })

  it("refuses '*' to a token that is not '*', even one with every other scope", async () => {
    const tenant = await buildTenant(t.db)
    const creator = await buildToken(t.db, tenant.workspaceId, RESOURCES_WRITE)
    const res = await create({ name: 'Admin', scopes: ['*'] }, creator.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error, "This token cannot grant permissions it lacks: '*'")
    const same = await create({ name: 'All', permissions: ALL_WRITE }, creator.auth)
    assert.equal(same.statusCode, 201)
    assert.deepEqual(same.json().data.scopes, RESOURCES_WRITE)
  })
})

describe('DELETE /api/tokens/:id', () => {
  const t = useTestApp()
  const { list, revoke, customers } = requests(t)

  it(`revokes at once: the next request made with the token gets 401 (${dialect})`, async () => {
    const tenant = await buildTenant(t.db)
    const victim = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    // Used first, so a cached lookup would still hold it.
    assert.equal((await customers(victim.auth)).statusCode, 200)
    assert.equal((await customers(victim.auth)).statusCode, 200)
    const res = await revoke(victim.id, tenant.auth)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'API token deleted successfully' })
    const after = await customers(victim.auth)
    assert.equal(after.statusCode, 401)
    assert.equal(after.json().code, 'invalid_token')
    assert.equal((await customers(tenant.auth)).statusCode, 200)
    assert.equal(await findToken(t.db.kysely, tenant.workspaceId, victim.id), undefined)
    const stored = await t.db.kysely
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('id', '=', victim.id)
      .executeTakeFirstOrThrow()
    assert.notEqual(stored.revoked_at, null)
    assert.ok(!(await list(tenant.auth)).body.includes(victim.id))
  })

  it('lets a token delete itself', async () => {
    const tenant = await buildTenant(t.db)
    const self = await buildToken(t.db, tenant.workspaceId, ['tokens:write'])
    assert.equal((await list(self.auth)).statusCode, 200)
    assert.equal((await revoke(self.id, self.auth)).statusCode, 200)
    assert.equal((await list(self.auth)).statusCode, 401)
    assert.equal((await revoke(self.id, self.auth)).statusCode, 401)
  })

  it('revokes an expired token too', async () => {
    const tenant = await buildTenant(t.db)
    const expired = await buildToken(t.db, tenant.workspaceId, ['*'], '2026-01-01T00:00:00.000Z')
    assert.equal((await revoke(expired.id, tenant.auth)).statusCode, 200)
    assert.ok(!(await list(tenant.auth)).body.includes(expired.id))
  })

  it('answers 404 to a deleted, unknown or other-workspace token, which keeps working', async () => {
    const tenant = await buildTenant(t.db)
    const other = await buildTenant(t.db)
    const gone = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    assert.equal((await revoke(gone.id, tenant.auth)).statusCode, 200)
    for (const id of [gone.id, uuidv7(), other.id]) {
      const res = await revoke(id, tenant.auth)
      assert.equal(res.statusCode, 404, id)
      assert.deepEqual(res.json(), { success: false, error: 'API token not found', code: 'not_found' })
    }
    assert.equal((await customers(other.auth)).statusCode, 200)
    assert.notEqual(await findToken(t.db.kysely, other.workspaceId, other.id), undefined)
  })

  it("takes the id in any case, and answers 404 to an id that is not a UUID, such as the docs' tok_123abc", async () => {
    const tenant = await buildTenant(t.db)
    const token = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    assert.equal((await revoke(token.id.toUpperCase(), tenant.auth)).statusCode, 200)
    const res = await revoke('tok_123abc', tenant.auth)
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'API token not found', code: 'not_found' })
  })
})

describe('the tokens API in the OpenAPI document', () => {
  const t = useTestApp()

  it('documents the three operations under Tokens, and no secret or hash in the listed token', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const ops = [
      doc.paths['/api/tokens'].get,
      doc.paths['/api/tokens'].post,
      doc.paths['/api/tokens/{id}'].delete,
    ]
    for (const op of ops) {
      assert.deepEqual(op.tags, ['Tokens'])
      assert.ok(op.summary && op.description)
      assert.deepEqual(op.security, [{ bearer: [] }])
      assert.ok(op.responses['401'] && op.responses['403'])
    }
    const listed = ops[0].responses['200'].content['application/json'].schema.properties.data.items
    assert.deepEqual(Object.keys(listed.properties), KEYS)
    const created = ops[1].responses['201'].content['application/json'].schema.properties.data
    assert.deepEqual(Object.keys(created.properties), CREATED_KEYS)
    assert.ok(ops[2].responses['404'])
  })
})
