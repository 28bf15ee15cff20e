import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildTenant, nextInstant, useTestApp } from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'
import { segmentSearchText } from '../../db/search.ts'
import { segmentExists } from './store.ts'

const KEYS = [
  'id',
  'workspace_id',
  'name',
  'reference',
  'description',
  'customer_count',
  'created_at',
  'updated_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A segment inserted directly, created at a distinct instant. */
async function buildSegment(
  db: Db,
  workspaceId: string,
  input: { name?: string; reference?: string | null; description?: string | null } = {},
) {
  const at = nextInstant()
  const row = {
    id: uuidv7(),
    workspace_id: workspaceId,
    name: input.name ?? 'Enterprise - France',
    reference: input.reference ?? null,
    description: input.description ?? null,
    created_at: at,
    updated_at: at,
  }
  await db.kysely
    .insertInto('segments')
    .values({ ...row, search_text: segmentSearchText(row) })
    .execute()
  return row
}

/** A customer inserted directly into a segment; soft-deleted when `deleted` is set. */
async function insertMember(db: Db, workspaceId: string, segmentId: string, deleted = false) {
  const id = uuidv7()
  const at = nextInstant()
  await db.kysely
    .insertInto('customers')
    .values({
      id,
      workspace_id: workspaceId,
      name: 'Member',
      type: 'company',
      segment_id: segmentId,
      logo: null,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_at: at,
      updated_at: at,
      deleted_at: deleted ? at : null,
      deletion_id: deleted ? uuidv7() : null,
    })
    .execute()
  return id
}

async function storedSegment(db: Db, id: string) {
  return db.kysely.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst()
}

async function storedCustomer(db: Db, id: string) {
  return db.kysely
    .selectFrom('customers')
    .select(['segment_id', 'deleted_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

describe('GET /api/segments', () => {
  const t = useTestApp()

  const list = (headers: Record<string, string>, query: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/api/segments', query, headers })

  it("lists the workspace's segments oldest first, with their customer counts, keys in order", async () => {
    const tenant = await buildTenant(t.db)
    const first = await buildSegment(t.db, tenant.workspaceId, { name: 'Enterprise', reference: 'ENT' })
    const second = await buildSegment(t.db, tenant.workspaceId, { name: 'SMB', description: 'Small firms' })
    await insertMember(t.db, tenant.workspaceId, second.id)
    await insertMember(t.db, tenant.workspaceId, second.id, true)
    const res = await list(tenant.auth)
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.deepEqual(body.data, [
      {
        id: first.id,
        workspace_id: tenant.workspaceId,
        name: 'Enterprise',
        reference: 'ENT',
        description: null,
        customer_count: 0,
        created_at: `${first.created_at.slice(0, 19)}Z`,
        updated_at: `${first.updated_at.slice(0, 19)}Z`,
      },
      {
        id: second.id,
        workspace_id: tenant.workspaceId,
        name: 'SMB',
        reference: null,
        description: 'Small firms',
        customer_count: 1,
        created_at: `${second.created_at.slice(0, 19)}Z`,
        updated_at: `${second.updated_at.slice(0, 19)}Z`,
      },
    ])
    for (const segment of body.data) assert.deepEqual(Object.keys(segment), KEYS)
    assert.equal(body.has_more, false)
    assert.equal(body.next_cursor, null)
  })

  it("never shows another workspace's segments", async () => {
    const tenant = await buildTenant(t.db)
    const other = await buildTenant(t.db)
    const mine = await buildSegment(t.db, tenant.workspaceId, { name: 'Mine' })
    await buildSegment(t.db, other.workspaceId, { name: 'Theirs' })
    const res = await list(tenant.auth)
    assert.deepEqual(
      res.json().data.map((s: { id: string }) => s.id),
      [mine.id],
    )
    assert.doesNotMatch(res.body, /Theirs/)
  })

  it('walks every segment with limit=2, in creation order, without duplicates', async () => {
    const tenant = await buildTenant(t.db)
    const created: string[] = []
    for (let i = 0; i < 5; i++)
      created.push((await buildSegment(t.db, tenant.workspaceId, { name: `S${i}` })).id)
    const seen: string[] = []
    const sizes: number[] = []
    let cursor: string | null = null
    do {
      const res = await list(tenant.auth, { limit: '2', ...(cursor ? { cursor } : {}) })
      assert.equal(res.statusCode, 200)
      const body = res.json()
      sizes.push(body.data.length)
      seen.push(...body.data.map((s: { id: string }) => s.id))
      assert.equal(body.has_more, body.next_cursor !== null)
      cursor = body.next_cursor
    } while (cursor)
    assert.deepEqual(sizes, [2, 2, 1])
    assert.deepEqual(seen, created)
    assert.equal(new Set(seen).size, seen.length)
  })

  it('filters by q: a case-insensitive substring of the name or the reference, % and _ taken literally', async () => {
    const tenant = await buildTenant(t.db)
    const enterprise = await buildSegment(t.db, tenant.workspaceId, {
      name: 'Enterprise - France',
      reference: 'ENT-FR',
    })
    const smb = await buildSegment(t.db, tenant.workspaceId, { name: 'SMB_Europe' })
    const small = await buildSegment(t.db, tenant.workspaceId, { name: 'Small business', reference: 'smb-2' })
    const retail = await buildSegment(t.db, tenant.workspaceId, { name: '100% Retail', reference: 'RET' })
    const search = async (q: string) => {
      const res = await list(tenant.auth, { q })
      assert.equal(res.statusCode, 200, res.body)
      return res.json().data.map((s: { id: string }) => s.id)
    }
    assert.deepEqual(await search('ENTERPRISE'), [enterprise.id])
    assert.deepEqual(await search('ent-fr'), [enterprise.id])
    assert.deepEqual(await search('Smb'), [smb.id, small.id])
    assert.deepEqual(await search('_'), [smb.id])
    assert.deepEqual(await search('%'), [retail.id])
    assert.deepEqual(await search('\\'), [])
    assert.deepEqual(await search('nothing like it'), [])
  })

  it('pages through the results of q', async () => {
    const tenant = await buildTenant(t.db)
    const matching: string[] = []
    for (let i = 0; i < 3; i++) {
      matching.push((await buildSegment(t.db, tenant.workspaceId, { name: `Match ${i}` })).id)
      await buildSegment(t.db, tenant.workspaceId, { name: `Other ${i}` })
    }
    const first = (await list(tenant.auth, { q: 'match', limit: '2' })).json()
    assert.equal(first.has_more, true)
    const second = (await list(tenant.auth, { q: 'match', limit: '2', cursor: first.next_cursor })).json()
    assert.equal(second.has_more, false)
    assert.deepEqual(
      [...first.data, ...second.data].map((s: { id: string }) => s.id),
      matching,
    )
  })

  it('answers 400 invalid_parameter to a cursor it did not give', async () => {
    const tenant = await buildTenant(t.db)
    const res = await list(tenant.auth, { cursor: 'not-a-cursor' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'invalid_parameter')
    assert.match(res.json().error, /'cursor'/)
  })

  it('answers 400 unknown_parameter naming an unknown query parameter', async () => {
    const tenant = await buildTenant(t.db)
    const res = await list(tenant.auth, { colour: 'blue' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), {
      success: false,
      error: "Unknown query parameter 'colour'",
      code: 'unknown_parameter',
      details: ["Unknown query parameter 'colour'"],
    })
  })

  it('answers 400 to an empty or too long q and to a limit out of range', async () => {
    const tenant = await buildTenant(t.db)
    const queries: Record<string, string>[] = [
      { q: '' },
      { q: 'x'.repeat(201) },
      { limit: '0' },
      { limit: '1001' },
    ]
    for (const query of queries) {
      const res = await list(tenant.auth, query)
      assert.equal(res.statusCode, 400, JSON.stringify(query))
      assert.equal(res.json().code, 'invalid_parameter')
    }
  })
})

describe('POST /api/segments', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const post = (payload: unknown, headers: Record<string, string> = tenant.auth) =>
    t.app.inject({ method: 'POST', url: '/api/segments', payload: payload as object, headers })

  it('creates a segment and answers 201 with every field, keys in order, name and reference trimmed', async () => {
    const res = await post({
      name: '  Enterprise - France ',
      reference: ' ENT-FR ',
      description: 'Accounts over 250 staff\nin France',
    })
    assert.equal(res.statusCode, 201)
    const { success, data } = res.json()
    assert.equal(success, true)
    assert.deepEqual(Object.keys(data), KEYS)
    assert.match(data.id, UUID)
    assert.equal(data.workspace_id, tenant.workspaceId)
    assert.equal(data.name, 'Enterprise - France')
    assert.equal(data.reference, 'ENT-FR')
    assert.equal(data.description, 'Accounts over 250 staff\nin France')
    assert.equal(data.customer_count, 0)
    assert.match(data.created_at, WIRE_TIME)
    assert.equal(data.updated_at, data.created_at)
    const read = await t.app.inject({ method: 'GET', url: `/api/segments/${data.id}`, headers: tenant.auth })
    assert.deepEqual(read.json().data, data)
  })

  it('leaves reference and description null when they are omitted, null or a blank reference', async () => {
    for (const payload of [
      { name: 'A' },
      { name: 'B', reference: null, description: null },
      { name: 'C', reference: '   ' },
    ]) {
      const res = await post(payload)
      assert.equal(res.statusCode, 201)
      assert.equal(res.json().data.reference, null)
      assert.equal(res.json().data.description, null)
    }
  })

  it('names every invalid field at once: blank name, too long fields, unknown field', async () => {
    const res = await post({
      name: '   ',
      reference: 'r'.repeat(101),
      description: 'd'.repeat(2001),
      colour: 'blue',
    })
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.code, 'validation_failed')
    assert.equal(body.error, 'Validation error')
    assert.deepEqual([...body.details].sort(), [
      "Field 'colour' is not allowed",
      "Field 'description' must be at most 2000 characters",
      "Field 'name' must not be blank",
      "Field 'reference' must be at most 100 characters",
    ])
  })

  it('names every field of the wrong type at once', async () => {
    const res = await post({ name: 12, reference: 5, description: ['x'] })
    assert.equal(res.statusCode, 400)
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'description' must be of type string or null",
      "Field 'name' must be of type string",
      "Field 'reference' must be of type string or null",
    ])
  })

  it('requires a name of at most 255 characters, not null', async () => {
    const cases: [unknown, string][] = [
      [{}, "Field 'name' is required"],
      [{ name: null }, "Field 'name' must be of type string"],
      [{ name: 'n'.repeat(256) }, "Field 'name' must be at most 255 characters"],
    ]
    for (const [payload, detail] of cases) {
      const res = await post(payload)
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json().details, [detail])
    }
    assert.equal((await post({ name: 'n'.repeat(255) })).statusCode, 201)
  })

  it('answers 400 invalid_json to a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/segments',
      payload: '{"name": ',
      headers: { ...tenant.auth, 'content-type': 'application/json' },
    })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'invalid_json')
  })
})

describe('GET /api/segments/{id}', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  let segment: Awaited<ReturnType<typeof buildSegment>>

  before(async () => {
    tenant = await buildTenant(t.db)
    segment = await buildSegment(t.db, tenant.workspaceId, {
      name: 'Enterprise - France',
      reference: 'ENT-FR',
      description: 'Large accounts',
    })
  })

  const get = (id: string, headers: Record<string, string> = tenant.auth) =>
    t.app.inject({ method: 'GET', url: `/api/segments/${id}`, headers })

  it('returns the segment with its live customer count, keys in order', async () => {
    const elsewhere = await buildSegment(t.db, tenant.workspaceId, { name: 'Elsewhere' })
    await insertMember(t.db, tenant.workspaceId, segment.id)
    await insertMember(t.db, tenant.workspaceId, segment.id)
    await insertMember(t.db, tenant.workspaceId, segment.id, true)
    await insertMember(t.db, tenant.workspaceId, elsewhere.id)
    const res = await get(segment.id)
    assert.equal(res.statusCode, 200)
    assert.equal(
      res.body,
      JSON.stringify({
        success: true,
        data: {
          id: segment.id,
          workspace_id: tenant.workspaceId,
          name: 'Enterprise - France',
          reference: 'ENT-FR',
          description: 'Large accounts',
          customer_count: 2,
          created_at: `${segment.created_at.slice(0, 19)}Z`,
          updated_at: `${segment.updated_at.slice(0, 19)}Z`,
        },
      }),
    )
    assert.equal((await get(elsewhere.id)).json().data.customer_count, 1)
  })

  it('accepts an upper-case UUID', async () => {
    const res = await get(segment.id.toUpperCase())
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.id, segment.id)
  })

  it('answers 404 to an id that is not a UUID: ids are opaque', async () => {
    const res = await get('not-a-uuid')
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Segment not found', code: 'not_found' })
  })

  it('answers 404 "Segment not found" to an unknown id', async () => {
    const res = await get(uuidv7())
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Segment not found', code: 'not_found' })
  })
})

describe('PATCH /api/segments/{id}', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const patch = (id: string, payload: unknown, headers: Record<string, string> = tenant.auth) =>
    t.app.inject({ method: 'PATCH', url: `/api/segments/${id}`, payload: payload as object, headers })

  const described = () =>
    buildSegment(t.db, tenant.workspaceId, {
      name: 'Enterprise',
      reference: 'ENT',
      description: 'Large accounts',
    })

  it('changes the fields given, leaves the omitted ones and moves updated_at', async () => {
    const segment = await described()
    const res = await patch(segment.id, { name: '  Enterprise - France  ' })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.equal(data.name, 'Enterprise - France')
    assert.equal(data.reference, 'ENT')
    assert.equal(data.description, 'Large accounts')
    assert.equal(data.created_at, `${segment.created_at.slice(0, 19)}Z`)
    assert.notEqual(data.updated_at, data.created_at)
    assert.match(data.updated_at, WIRE_TIME)
    const res2 = await patch(segment.id, { reference: ' ENT-FR ', description: 'Over 250 staff' })
    assert.deepEqual(
      [res2.json().data.name, res2.json().data.reference, res2.json().data.description],
      ['Enterprise - France', 'ENT-FR', 'Over 250 staff'],
    )
  })

  it('clears reference and description with null', async () => {
    const segment = await described()
    const res = await patch(segment.id, { reference: null, description: null })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.equal(data.name, 'Enterprise')
    assert.equal(data.reference, null)
    assert.equal(data.description, null)
    const stored = await storedSegment(t.db, segment.id)
    assert.equal(stored?.reference, null)
    assert.equal(stored?.description, null)
  })

  it('answers an empty body with the segment unchanged', async () => {
    const segment = await described()
    const res = await patch(segment.id, {})
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.name, 'Enterprise')
    assert.equal(res.json().data.updated_at, `${segment.updated_at.slice(0, 19)}Z`)
  })

  it('shows the live customer count', async () => {
    const segment = await described()
    await insertMember(t.db, tenant.workspaceId, segment.id)
    await insertMember(t.db, tenant.workspaceId, segment.id, true)
    assert.equal((await patch(segment.id, { name: 'Renamed' })).json().data.customer_count, 1)
  })

  it('names every invalid field at once, null name included, and changes nothing', async () => {
    const segment = await described()
    const res = await patch(segment.id, {
      name: null,
      reference: 'r'.repeat(101),
      description: 7,
      colour: 'x',
    })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'validation_failed')
    assert.deepEqual([...res.json().details].sort(), [
      "Field 'colour' is not allowed",
      "Field 'description' must be of type string or null",
      "Field 'name' must be of type string",
      "Field 'reference' must be at most 100 characters",
    ])
    const blank = await patch(segment.id, { name: ' ' })
    assert.deepEqual(blank.json().details, ["Field 'name' must not be blank"])
    assert.equal((await storedSegment(t.db, segment.id))?.name, 'Enterprise')
  })

  it('answers 404 to an unknown id', async () => {
    const res = await patch(uuidv7(), { name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Segment not found', code: 'not_found' })
  })
})

describe('DELETE /api/segments/{id}', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const del = (id: string, headers: Record<string, string> = tenant.auth) =>
    t.app.inject({ method: 'DELETE', url: `/api/segments/${id}`, headers })

  it('deletes an unused segment for good', async () => {
    const segment = await buildSegment(t.db, tenant.workspaceId)
    const res = await del(segment.id)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify({ success: true, message: 'Segment deleted successfully' }))
    assert.equal(await storedSegment(t.db, segment.id), undefined)
    const get = await t.app.inject({
      method: 'GET',
      url: `/api/segments/${segment.id}`,
      headers: tenant.auth,
    })
    assert.equal(get.statusCode, 404)
    assert.equal((await del(segment.id)).statusCode, 404)
  })

  it('answers 409 naming how many live customers use it, and deletes nothing', async () => {
    const segment = await buildSegment(t.db, tenant.workspaceId)
    const members = [
      await insertMember(t.db, tenant.workspaceId, segment.id),
      await insertMember(t.db, tenant.workspaceId, segment.id),
    ]
    const res = await del(segment.id)
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Segment is used by 2 customers: move them to another segment or clear their segment_id first',
      code: 'conflict',
    })
    assert.ok(await storedSegment(t.db, segment.id))
    for (const id of members) assert.equal((await storedCustomer(t.db, id)).segment_id, segment.id)
  })

  it('counts only live customers in the 409, in the singular for one, and clears no deleted one', async () => {
    const segment = await buildSegment(t.db, tenant.workspaceId)
    await insertMember(t.db, tenant.workspaceId, segment.id)
    const deleted = await insertMember(t.db, tenant.workspaceId, segment.id, true)
    const res = await del(segment.id)
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      'Segment is used by 1 customer: move it to another segment or clear its segment_id first',
    )
    assert.equal((await storedCustomer(t.db, deleted)).segment_id, segment.id)
  })

  it('deletes a segment used only by deleted customers, clearing their segment_id', async () => {
    const segment = await buildSegment(t.db, tenant.workspaceId)
    const deleted = await insertMember(t.db, tenant.workspaceId, segment.id, true)
    const res = await del(segment.id)
    assert.equal(res.statusCode, 200)
    assert.equal(await storedSegment(t.db, segment.id), undefined)
    const customer = await storedCustomer(t.db, deleted)
    assert.equal(customer.segment_id, null)
    assert.notEqual(customer.deleted_at, null)
  })

  it('answers 404 to an unknown id', async () => {
    const res = await del(uuidv7())
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Segment not found', code: 'not_found' })
  })

  it('answers 404 to an id that is not a UUID', async () => {
    const res = await del('not-a-uuid')
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().code, 'not_found')
  })
})

describe('segmentExists', () => {
  const t = useTestApp()

  it("says whether the id names a segment of that workspace, and never another workspace's", async () => {
    const tenant = await buildTenant(t.db)
    const other = await buildTenant(t.db)
    const segment = await buildSegment(t.db, tenant.workspaceId)
    assert.equal(await segmentExists(t.db.kysely, tenant.workspaceId, segment.id), true)
    assert.equal(await segmentExists(t.db.kysely, other.workspaceId, segment.id), false)
    assert.equal(await segmentExists(t.db.kysely, tenant.workspaceId, uuidv7()), false)
  })
})
