import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'

const KEYS = ['id', 'name', 'parent_id', 'description', 'is_active', 'created_at', 'updated_at']
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const NO_SUCH_PARENT = "Field 'parent_id' does not name a category of this workspace"
const SELF = "Field 'parent_id' names the category itself: a category cannot be under itself"
const CYCLE =
  "Field 'parent_id' names one of the category's own subcategories: a category cannot be under its descendants"

type Tenant = Awaited<ReturnType<typeof buildTenant>>

/** A product (variant) inserted directly with its parent, carrying the categories given. */
async function insertProduct(db: Db, workspaceId: string, categoryIds: string[]) {
  const parentId = uuidv7()
  const id = uuidv7()
  const at = nextInstant()
  await sql`insert into product_parents (id, workspace_id, name, api_name, recurrence_type, created_at, updated_at)
    values (${parentId}, ${workspaceId}, 'Widget', ${`widget_${parentId.slice(-12)}`}, 'one_off', ${at}, ${at})`.execute(
    db.kysely,
  )
  await sql`insert into products (id, workspace_id, product_parent_id, name, api_name, position, created_at, updated_at)
    values (${id}, ${workspaceId}, ${parentId}, 'Widget', 'widget', 0, ${at}, ${at})`.execute(db.kysely)
  for (const [position, categoryId] of categoryIds.entries()) {
    await db.kysely
      .insertInto('product_categories')
      .values({ workspace_id: workspaceId, product_id: id, category_id: categoryId, position })
      .execute()
  }
  return id
}

async function categoriesOf(db: Db, productId: string) {
  const rows = await db.kysely
    .selectFrom('product_categories')
    .select('category_id')
    .where('product_id', '=', productId)
    .orderBy('position')
    .execute()
  return rows.map((r) => r.category_id)
}

async function storedCategory(db: Db, id: string) {
  return db.kysely.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst()
}

describe('POST /api/categories', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('creates a top-level category: 201, every field, keys in order, name trimmed', async () => {
    const res = await call.post('/api/categories', { name: '  Software ', description: 'Licences' })
    assert.equal(res.statusCode, 201)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data'])
    assert.deepEqual(Object.keys(body.data), KEYS)
    assert.match(body.data.id, UUID)
    assert.equal(body.data.name, 'Software')
    assert.equal(body.data.parent_id, null)
    assert.equal(body.data.description, 'Licences')
    assert.equal(body.data.is_active, true)
    assert.match(body.data.created_at, WIRE_TIME)
    assert.equal(body.data.updated_at, body.data.created_at)
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/categories/${body.data.id}`)).json().data, body.data)
  })

  it('creates a category under another, parent_id in any case, inactive when asked', async () => {
    const parent = (await call.post('/api/categories', { name: 'Hardware' })).json().data
    const res = await call.post('/api/categories', {
      name: 'Laptops',
      parent_id: parent.id.toUpperCase(),
      is_active: false,
      description: null,
    })
    assert.equal(res.statusCode, 201)
    const { data } = res.json()
    assert.equal(data.parent_id, parent.id)
    assert.equal(data.is_active, false)
    assert.equal(data.description, null)
  })

  it("answers 400 naming parent_id when it names no category of the workspace (another's included)", async () => {
    const other = await buildTenant(t.db)
    const theirs = (await api(t, other.auth).post('/api/categories', { name: 'Theirs' })).json().data.id
    for (const parentId of [uuidv7(), 'not-a-uuid', theirs]) {
      const res = await call.post('/api/categories', { name: 'Orphan', parent_id: parentId })
      assert.equal(res.statusCode, 400, parentId)
      assert.deepEqual(res.json(), {
        success: false,
        error: 'Validation error',
        code: 'validation_failed',
        details: [NO_SUCH_PARENT],
      })
    }
  })

  it('names every invalid field at once', async () => {
    const res = await call.post('/api/categories', {
      name: ' ',
      parent_id: 12,
      description: 'd'.repeat(2001),
      is_active: 'no',
      colour: 'x',
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'colour' is not allowed",
      "Field 'description' must be at most 2000 characters",
      "Field 'is_active' must be of type boolean",
      "Field 'name' must not be blank",
      "Field 'parent_id' must be of type string or null",
    ])
    const cases: [unknown, string][] = [
      [{}, "Field 'name' is required"],
      [{ name: 'n'.repeat(256) }, "Field 'name' must be at most 255 characters"],
    ]
    for (const [payload, detail] of cases) {
      const r = await call.post('/api/categories', payload)
      assert.equal(r.statusCode, 400, JSON.stringify(payload))
      assert.deepEqual(r.json().details, [detail])
    }
    // A blank nullable field is null, as everywhere: a top-level category.
    const blank = await call.post('/api/categories', { name: 'A', parent_id: ' ' })
    assert.equal(blank.statusCode, 201)
    assert.equal(blank.json().data.parent_id, null)
  })
})

describe('GET /api/categories', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('lists the whole tree oldest first, filters by parent_id and is_active, in pages when asked', async () => {
    const post = async (body: object) => (await call.post('/api/categories', body)).json().data
    const software = await post({ name: 'Software' })
    const saas = await post({ name: 'SaaS', parent_id: software.id })
    const onPrem = await post({ name: 'On premises', parent_id: software.id, is_active: false })
    const hardware = await post({ name: 'Hardware' })
    await api(t, (await buildTenant(t.db)).auth).post('/api/categories', { name: 'Theirs' })

    const res = await call.get('/api/categories')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(body, {
      success: true,
      data: [software, saas, onPrem, hardware],
      has_more: false,
      next_cursor: null,
    })
    const ids = async (query: string) =>
      (await call.get(`/api/categories?${query}`)).json().data.map((c: { id: string }) => c.id)
    assert.deepEqual(await ids(`parent_id=${software.id}`), [saas.id, onPrem.id])
    assert.deepEqual(await ids(`parent_id=${software.id.toUpperCase()}&is_active=true`), [saas.id])
    assert.deepEqual(await ids('is_active=false'), [onPrem.id])
    assert.deepEqual(await ids(`parent_id=${hardware.id}`), [])
    assert.deepEqual(await ids('parent_id=nope'), [])
    const first = (await call.get('/api/categories?limit=3')).json()
    assert.equal(first.has_more, true)
    const second = (await call.get(`/api/categories?limit=3&cursor=${first.next_cursor}`)).json()
    assert.deepEqual(
      [...first.data, ...second.data].map((c: { id: string }) => c.id),
      [software.id, saas.id, onPrem.id, hardware.id],
    )
  })

  it('answers 400 to a bad is_active and an unknown parameter', async () => {
    const bad = await call.get('/api/categories?is_active=2')
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error, /is_active/)
    const unknown = await call.get('/api/categories?depth=1')
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
  })
})

describe('GET /api/categories/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('returns the category with its ETag; 304 while unchanged', async () => {
    const created = (await call.post('/api/categories', { name: 'Services' })).json().data
    const res = await call.get(`/api/categories/${created.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify({ success: true, data: created }))
    assert.equal(res.headers.etag, '"1"')
    assert.equal(
      (await call.get(`/api/categories/${created.id}`, { ...tenant.auth, 'if-none-match': '"1"' }))
        .statusCode,
      304,
    )
  })

  it('answers 404 "Category not found" to an unknown id, a non-UUID, another workspace\'s', async () => {
    const other = await buildTenant(t.db)
    const theirs = (await api(t, other.auth).post('/api/categories', { name: 'Theirs' })).json().data.id
    for (const id of [uuidv7(), 'nope', theirs]) {
      const res = await call.get(`/api/categories/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Category not found', code: 'not_found' })
    }
  })
})

describe('PATCH /api/categories/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const post = async (body: object) => (await call.post('/api/categories', body)).json().data
  const patch = (id: string, body: object) => call.patch(`/api/categories/${id}`, body)

  /** root → child → grandchild, and a separate top-level category. */
  async function tree() {
    const root = await post({ name: 'Root', description: 'Top' })
    const child = await post({ name: 'Child', parent_id: root.id })
    const grandchild = await post({ name: 'Grandchild', parent_id: child.id })
    const other = await post({ name: 'Other' })
    return { root, child, grandchild, other }
  }

  it('changes the fields given, leaves the others, moves updated_at and the version', async () => {
    const { root } = await tree()
    const res = await patch(root.id, { name: ' Renamed ', is_active: false })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, updated_at: null },
      { ...root, name: 'Renamed', is_active: false, updated_at: null },
    )
    assert.equal(res.headers.etag, '"2"')
    const cleared = (await patch(root.id, { description: null })).json().data
    assert.equal(cleared.description, null)
    assert.equal(cleared.name, 'Renamed')
  })

  it('moves a category (with its subcategories) under another, and back to the top with null', async () => {
    const { root, child, grandchild, other } = await tree()
    const moved = await patch(child.id, { parent_id: other.id })
    assert.equal(moved.statusCode, 200)
    assert.equal(moved.json().data.parent_id, other.id)
    assert.equal((await call.get(`/api/categories/${grandchild.id}`)).json().data.parent_id, child.id)
    // The old parent may now go under its former child's subtree: no cycle any more.
    assert.equal((await patch(root.id, { parent_id: grandchild.id })).statusCode, 200)
    const top = await patch(child.id, { parent_id: null })
    assert.equal(top.statusCode, 200)
    assert.equal(top.json().data.parent_id, null)
  })

  it('refuses a parent that is the category itself, its child or its grandchild, and changes nothing', async () => {
    const { root, child, grandchild } = await tree()
    const cases: [string, string, string][] = [
      [root.id, root.id, SELF],
      [root.id, child.id, CYCLE],
      [root.id, grandchild.id.toUpperCase(), CYCLE],
      [child.id, grandchild.id, CYCLE],
      [grandchild.id, grandchild.id, SELF],
    ]
    for (const [id, parentId, detail] of cases) {
      const res = await patch(id, { name: 'Changed', parent_id: parentId })
      assert.equal(res.statusCode, 400, `${id} under ${parentId}`)
      assert.deepEqual(res.json(), {
        success: false,
        error: 'Validation error',
        code: 'validation_failed',
        details: [detail],
      })
    }
    for (const [category, parent] of [
      [root, null],
      [child, root.id],
      [grandchild, child.id],
    ] as const) {
      const stored = await storedCategory(t.db, category.id)
      assert.equal(stored?.parent_id, parent)
      assert.equal(stored?.name, category.name)
    }
  })

  it('lets one of two concurrent moves that would together make a cycle win, and refuses the other', async () => {
    for (let round = 0; round < 8; round++) {
      const x = await post({ name: `X${round}` })
      const y = await post({ name: `Y${round}` })
      const z = await post({ name: `Z${round}`, parent_id: y.id })
      // x under z (so under y), and y under x, sent at once.
      const answers = await Promise.all([patch(x.id, { parent_id: z.id }), patch(y.id, { parent_id: x.id })])
      assert.deepEqual(
        answers.map((a) => a.statusCode).sort(),
        [200, 400],
        answers.map((a) => a.body).join('\n'),
      )
      const refused = answers.find((a) => a.statusCode === 400)!
      assert.deepEqual(refused.json().details, [CYCLE])
    }
  })

  it('answers 400 to a parent of another workspace or unknown', async () => {
    const { root } = await tree()
    const theirs = (
      await api(t, (await buildTenant(t.db)).auth).post('/api/categories', { name: 'T' })
    ).json().data.id
    for (const parentId of [theirs, uuidv7(), 'x']) {
      const res = await patch(root.id, { parent_id: parentId })
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json().details, [NO_SUCH_PARENT])
    }
  })

  it('accepts read-only fields sent back unchanged and names invalid fields', async () => {
    const { child } = await tree()
    const echo = await patch(child.id, { ...child, name: 'Echoed' })
    assert.equal(echo.statusCode, 200, echo.body)
    const res = await patch(child.id, { name: null, is_active: 'yes', colour: 1 })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'colour' is not allowed",
      "Field 'is_active' must be of type boolean",
      "Field 'name' must be of type string",
    ])
  })

  it('answers 404 to an unknown id', async () => {
    const res = await patch(uuidv7(), { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Category not found', code: 'not_found' })
  })
})

describe('DELETE /api/categories/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const post = async (body: object) => (await call.post('/api/categories', body)).json().data

  it('answers 409 naming the subcategories, and deletes nothing', async () => {
    const root = await post({ name: 'Root' })
    await post({ name: 'SaaS', parent_id: root.id })
    await post({ name: 'Licences', parent_id: root.id })
    const res = await call.del(`/api/categories/${root.id}`)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error:
        'Category has 2 subcategories ("SaaS", "Licences"): delete them or move them under another category first',
      code: 'conflict',
    })
    assert.ok(await storedCategory(t.db, root.id))
    const lone = await post({ name: 'Lone' })
    await post({ name: 'Only child', parent_id: lone.id })
    assert.equal(
      (await call.del(`/api/categories/${lone.id}`)).json().error,
      'Category has 1 subcategory ("Only child"): delete it or move it under another category first',
    )
    const many = await post({ name: 'Many' })
    for (const name of ['A', 'B', 'C', 'D', 'E']) await post({ name, parent_id: many.id })
    assert.match(
      (await call.del(`/api/categories/${many.id}`)).json().error,
      /^Category has 5 subcategories \("A", "B", "C" and 2 more\)/,
    )
  })

  it('deletes a leaf for good, then its parent; products lose it and their version moves', async () => {
    const root = await post({ name: 'Root' })
    const leaf = await post({ name: 'Leaf', parent_id: root.id })
    const keep = await post({ name: 'Kept' })
    const product = await insertProduct(t.db, tenant.workspaceId, [keep.id, leaf.id])
    const before = await t.db.kysely
      .selectFrom('products')
      .select('version')
      .where('id', '=', product)
      .executeTakeFirstOrThrow()
    const res = await call.del(`/api/categories/${leaf.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify({ success: true, message: 'Category deleted successfully' }))
    assert.equal(await storedCategory(t.db, leaf.id), undefined)
    assert.deepEqual(await categoriesOf(t.db, product), [keep.id])
    const after = await t.db.kysely
      .selectFrom('products')
      .select('version')
      .where('id', '=', product)
      .executeTakeFirstOrThrow()
    assert.equal(Number(after.version), Number(before.version) + 1)
    assert.equal((await call.get(`/api/categories/${leaf.id}`)).statusCode, 404)
    assert.equal((await call.del(`/api/categories/${leaf.id}`)).statusCode, 404)
    assert.equal((await call.del(`/api/categories/${root.id}`)).statusCode, 200)
  })

  it('records category.created, category.updated and category.deleted events', async () => {
    const own = await buildTenant(t.db)
    const as = api(t, own.auth)
    const category = (await as.post('/api/categories', { name: 'Evented' })).json().data
    await as.patch(`/api/categories/${category.id}`, { name: 'Evented again' })
    await as.del(`/api/categories/${category.id}`)
    const events = await t.db.kysely
      .selectFrom('events')
      .select(['type', 'record_id'])
      .where('workspace_id', '=', own.workspaceId)
      .orderBy('id')
      .execute()
    assert.deepEqual(events, [
      { type: 'category.created', record_id: category.id },
      { type: 'category.updated', record_id: category.id },
      { type: 'category.deleted', record_id: category.id },
    ])
  })

  it('answers 404 to an unknown id', async () => {
    const res = await call.del(`/api/categories/${uuidv7()}`)
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Category not found', code: 'not_found' })
  })
})
