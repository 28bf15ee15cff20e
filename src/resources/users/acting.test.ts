// Tokens that act as users: POST /api/tokens with user_id, and what their writes record.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, useTestApp } from '../../../test/helpers.ts'

type Tenant = Awaited<ReturnType<typeof buildTenant>>

let n = 0
const someone = (extra: object = {}) => ({
  first_name: 'Paul',
  last_name: `Martin ${++n}`,
  email: `paul${n}@example.com`,
  role: 'manager',
  ...extra,
})

const product = () => ({
  api_name: `acted_${uuidv7().slice(-12)}`,
  recurrence_type: 'one_off',
  name: 'Acted on',
  catalog_ids: [],
})

describe('POST /api/tokens with user_id', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('makes a token acting as an active user; reads show user_id after the documented keys', async () => {
    const user = (await call.post('/api/users', someone())).json().data
    const res = await call.post('/api/tokens', {
      name: 'As Paul',
      scopes: ['catalog:write'],
      user_id: user.id.toUpperCase(),
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data).slice(-2), ['last_used_at', 'user_id'])
    assert.equal(data.user_id, user.id)
    const listed = (await call.get('/api/tokens')).json().data
    const own = listed.find((x: { id: string }) => x.id === tenant.id)
    const made = listed.find((x: { id: string }) => x.id === data.id)
    assert.deepEqual(Object.keys(made).slice(-2), ['last_used_at', 'user_id'])
    assert.deepEqual([own.user_id, made.user_id], [null, user.id])
    const plain = await call.post('/api/tokens', { name: 'Nobody', user_id: null })
    assert.equal(plain.json().data.user_id, null)
  })

  it('answers 400 naming user_id for an unknown, inactive, non-UUID or other workspace user', async () => {
    const inactive = (await call.post('/api/users', someone({ status: 'inactive' }))).json().data
    const invited = (await call.post('/api/users', someone({ status: 'invited' }))).json().data
    const theirs = (await api(t, (await buildTenant(t.db)).auth).post('/api/users', someone())).json().data
    const count = async () => (await call.get('/api/tokens')).json().data.length
    const before = await count()
    for (const id of [uuidv7(), 'paul', inactive.id, invited.id, theirs.id]) {
      const res = await call.post('/api/tokens', { name: 'X', user_id: id })
      assert.equal(res.statusCode, 400, id)
      assert.deepEqual(res.json().details, ["Field 'user_id' does not name an active user of this workspace"])
    }
    assert.equal(await count(), before)
  })

  it('needs users:write to name a user other than its own (403), not to name its own', async () => {
    const [paul, anna] = [
      (await call.post('/api/users', someone())).json().data,
      (await call.post('/api/users', someone())).json().data,
    ]
    const asPaul = await buildToken(
      t.db,
      tenant.workspaceId,
      ['tokens:write', 'catalog:write'],
      null,
      paul.id,
    )
    const other = await call.post('/api/tokens', { name: 'As Anna', user_id: anna.id }, asPaul.auth)
    assert.equal(other.statusCode, 403)
    assert.equal(other.json().error, "This token lacks the 'users:write' permission")
    const own = await call.post('/api/tokens', { name: 'As Paul too', user_id: paul.id }, asPaul.auth)
    assert.equal(own.statusCode, 201, own.body)
    assert.equal(own.json().data.user_id, paul.id)
  })
})

describe('writes of a token acting as a user', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('record the user as created_by and updated_by of a product; a token acting as nobody records itself', async () => {
    const user = (await call.post('/api/users', someone())).json().data
    const made = (
      await call.post('/api/tokens', { name: 'As Paul', scopes: ['catalog:write'], user_id: user.id })
    ).json().data
    const asPaul = { authorization: `Bearer ${made.token}` }
    const res = await call.post('/api/products', product(), asPaul)
    assert.equal(res.statusCode, 201, res.body)
    assert.deepEqual([res.json().data.created_by, res.json().data.updated_by], [user.id, user.id])
    const id = res.json().data.id
    const changed = await call.patch(`/api/products/${id}`, { name: 'Changed by the owner' })
    assert.deepEqual([changed.json().data.created_by, changed.json().data.updated_by], [user.id, tenant.id])
    const back = await call.patch(`/api/products/${id}`, { name: 'Changed by Paul' }, asPaul)
    assert.equal(back.json().data.updated_by, user.id)
    const parentId = res.json().data.product_parent_id
    const parent = await call.patch(`/api/product-parents/${parentId}`, { name: 'Parent by Paul' }, asPaul)
    assert.equal(parent.statusCode, 200, parent.body)
    const row = await t.db.kysely
      .selectFrom('product_parents')
      .select('updated_by')
      .where('id', '=', parentId)
      .executeTakeFirstOrThrow()
    assert.equal(row.updated_by, user.id)
  })

  it('once the user is deleted, record the token: the token acts as nobody at once', async () => {
    const user = (await call.post('/api/users', someone())).json().data
    const made = (
      await call.post('/api/tokens', { name: 'As Paul', scopes: ['catalog:write'], user_id: user.id })
    ).json().data
    const asPaul = { authorization: `Bearer ${made.token}` }
    // Held by the token cache first.
    assert.equal((await call.post('/api/products', product(), asPaul)).json().data.created_by, user.id)
    assert.equal((await call.del(`/api/users/${user.id}`)).statusCode, 200)
    const res = await call.post('/api/products', product(), asPaul)
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.created_by, made.id)
  })
})
