import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, useTestApp } from '../../../test/helpers.ts'
import { insertQuoteRow } from '../../../test/quote-rows.ts'

const KEYS = [
  'id',
  'first_name',
  'last_name',
  'email',
  'role',
  'status',
  'external_ids',
  'created_at',
  'updated_at',
]

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type User = { id: string; email: string; first_name: string }

const PAUL = {
  first_name: ' Paul ',
  last_name: 'Martin',
  email: 'Paul.Martin@acme.fr',
  role: 'sales_rep',
  external_ids: { crm: 'CRM-7654321', erp: 'ERP-7654321' },
  id_accounting: 'ACC-7654321',
}

let n = 0
const someone = (extra: object = {}) => ({
  first_name: 'Ada',
  last_name: `User ${++n}`,
  email: `ada${n}@example.com`,
  role: 'viewer',
  ...extra,
})

describe('POST /api/users', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('creates an active user, keys in order, external ids from both forms', async () => {
    const res = await call.post('/api/users', PAUL)
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        first_name: 'Paul',
        last_name: 'Martin',
        email: 'Paul.Martin@acme.fr',
        role: 'sales_rep',
        status: 'active',
        external_ids: { crm: 'CRM-7654321', erp: 'ERP-7654321', accounting: 'ACC-7654321' },
        created_at: null,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/users/${data.id}`)).json().data, data)
    const event = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.equal(event.type, 'user.created')
  })

  it('answers 409 naming the user who has the email, in any case', async () => {
    const paul = (await call.get('/api/users?email=paul.martin@acme.fr')).json().data[0]
    const res = await call.post('/api/users', someone({ email: 'PAUL.martin@ACME.fr' }))
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: `email 'PAUL.martin@ACME.fr' is already used by user ${paul.id} (Paul Martin)`,
      code: 'conflict',
    })
    // Another workspace may have it.
    const other = await api(t, (await buildTenant(t.db)).auth).post('/api/users', { ...PAUL })
    assert.equal(other.statusCode, 201)
  })

  it('answers 400 naming each field at fault', async () => {
    const cases: [object, string][] = [
      [{ ...someone(), email: 'not an email' }, "Field 'email' must be an email address"],
      [{ ...someone(), email: undefined }, "Field 'email' is required"],
      [{ ...someone(), role: 'owner' }, "Field 'role' must be one of: admin, manager, sales_rep, viewer"],
      [{ ...someone(), role: undefined }, "Field 'role' is required (admin | manager | sales_rep | viewer)"],
      [{ ...someone(), status: 'gone' }, "Field 'status' must be one of: active, invited, inactive"],
      [{ ...someone(), first_name: ' ' }, "Field 'first_name' must not be blank"],
      [{ ...someone(), last_name: 'x'.repeat(101) }, "Field 'last_name' must be at most 100 characters"],
      [{ ...someone(), external_ids: { sap: '1' } }, "Field 'external_ids.sap' is not allowed"],
      [
        { ...someone(), external_ids: { crm: 'A' }, id_crm: 'B' },
        "Fields 'external_ids.crm' and 'id_crm' are the same id and differ: send one of them",
      ],
      [{ ...someone(), password: 'x' }, "Field 'password' is not allowed"],
    ]
    for (const [body, message] of cases) {
      const res = await call.post('/api/users', body)
      assert.equal(res.statusCode, 400, JSON.stringify(body))
      assert.ok(res.json().details.includes(message), `${JSON.stringify(body)}: ${res.body}`)
    }
  })

  it('answers 401 without a token and 403 without users:write', async () => {
    assert.equal((await call.post('/api/users', someone(), {})).statusCode, 401)
    const reader = await buildToken(t.db, tenant.workspaceId, ['users:read'])
    const res = await call.post('/api/users', someone(), reader.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error, "This token lacks the 'users:write' permission")
  })
})

describe('GET /api/users', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("filters by role, status and email (any case), pages, and never shows another workspace's", async () => {
    const made: User[] = []
    for (const extra of [{ role: 'admin' }, { role: 'manager', status: 'invited' }, { role: 'manager' }]) {
      made.push((await call.post('/api/users', someone(extra))).json().data)
    }
    await api(t, (await buildTenant(t.db)).auth).post('/api/users', someone({ role: 'admin' }))
    const ids = async (query: string) =>
      (await call.get(`/api/users${query}`)).json().data.map((u: User) => u.id)
    assert.deepEqual(
      await ids(''),
      made.map((u) => u.id),
    )
    assert.deepEqual(await ids('?role=manager'), [made[1]!.id, made[2]!.id])
    assert.deepEqual(await ids('?role=manager&status=active'), [made[2]!.id])
    assert.deepEqual(await ids(`?email=${made[0]!.email.toUpperCase()}`), [made[0]!.id])
    const first = (await call.get('/api/users?limit=2')).json()
    assert.equal(first.has_more, true)
    const rest = (await call.get(`/api/users?limit=2&cursor=${first.next_cursor}`)).json()
    assert.deepEqual(
      rest.data.map((u: User) => u.id),
      [made[2]!.id],
    )
  })

  it('answers 400 naming a bad filter and 403 without users:read', async () => {
    for (const [query, field] of [
      ['?role=boss', 'role'],
      ['?status=x', 'status'],
      ['?email=', 'email'],
    ]) {
      const res = await call.get(`/api/users${query}`)
      assert.equal(res.statusCode, 400, query)
      assert.match(res.json().error, new RegExp(`'${field}'`))
    }
    const other = await buildToken(t.db, tenant.workspaceId, ['customers:write'])
    assert.equal((await call.get('/api/users', other.auth)).statusCode, 403)
  })
})

describe('GET, PATCH and DELETE /api/users/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's", async () => {
    const theirs = (await api(t, (await buildTenant(t.db)).auth).post('/api/users', someone())).json().data
    for (const id of [uuidv7(), 'nope', theirs.id]) {
      const res = await call.get(`/api/users/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'User not found', code: 'not_found' })
      assert.equal((await call.patch(`/api/users/${id}`, { role: 'admin' })).statusCode, 404)
      assert.equal((await call.del(`/api/users/${id}`)).statusCode, 404)
    }
  })

  it('changes the fields given; external_ids keys given change, the others stay', async () => {
    const user = (await call.post('/api/users', someone({ id_crm: 'C1', id_erp: 'E1' }))).json().data
    const res = await call.patch(`/api/users/${user.id}`, {
      role: 'manager',
      status: 'inactive',
      external_ids: { crm: null },
      id_accounting: 'A1',
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual([data.role, data.status], ['manager', 'inactive'])
    assert.deepEqual(data.external_ids, { crm: null, erp: 'E1', accounting: 'A1' })
    assert.equal(res.headers.etag, '"2"')
    // The GET sent back, external_ids included, changes nothing.
    const same = await call.patch(`/api/users/${user.id}`, data)
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.headers.etag, '"2"')
  })

  it("answers 409 to an email another user has, and takes the user's own in another case", async () => {
    const a = (await call.post('/api/users', someone())).json().data
    const b = (await call.post('/api/users', someone())).json().data
    const res = await call.patch(`/api/users/${b.id}`, { email: a.email.toUpperCase() })
    assert.equal(res.statusCode, 409)
    assert.match(res.json().error, new RegExp(`already used by user ${a.id}`))
    const own = await call.patch(`/api/users/${a.id}`, { email: a.email.toUpperCase() })
    assert.equal(own.statusCode, 200, own.body)
    assert.equal(own.json().data.email, a.email.toUpperCase())
  })

  it('deletes a user: its tokens act as nobody, its quotes name no owner', async () => {
    const user = (await call.post('/api/users', someone({ role: 'sales_rep' }))).json().data
    const made = await call.post('/api/tokens', { name: 'As Ada', scopes: ['users:read'], user_id: user.id })
    assert.equal(made.statusCode, 201, made.body)
    const quoteId = await insertQuoteRow(t.db, tenant.workspaceId, { ownerId: user.id })
    const res = await call.del(`/api/users/${user.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'User deleted successfully' })
    assert.equal((await call.get(`/api/users/${user.id}`)).statusCode, 404)
    const tokens = (await call.get('/api/tokens')).json().data
    assert.equal(tokens.find((x: { id: string }) => x.id === made.json().data.id).user_id, null)
    const quote = await t.db.kysely
      .selectFrom('quotes')
      .select('owner_id')
      .where('id', '=', quoteId)
      .executeTakeFirstOrThrow()
    assert.equal(quote.owner_id, null)
    const event = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', user.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    assert.equal(event.type, 'user.deleted')
  })
})
