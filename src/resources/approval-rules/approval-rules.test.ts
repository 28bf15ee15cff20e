import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import {
  api,
  buildTenant,
  buildToken,
  insertCustomer,
  nextInstant,
  useTestApp,
} from '../../../test/helpers.ts'
import type { Db } from '../../db/connect.ts'
import type { UserRole } from '../../db/types.ts'

const KEYS = [
  'id',
  'name',
  'reference',
  'description',
  'is_active',
  'operator',
  'conditions',
  'steps',
  'created_at',
  'updated_at',
]
const NOT_FOUND = { success: false, error: 'Approval rule not found', code: 'not_found' }

type Tenant = Awaited<ReturnType<typeof buildTenant>>

/** A user inserted directly (users are another resource's), with a role and a status. */
async function insertUser(
  db: Db,
  workspaceId: string,
  role: UserRole,
  status: 'active' | 'invited' | 'inactive' = 'active',
) {
  const id = uuidv7()
  const at = nextInstant()
  await db.kysely
    .insertInto('users')
    .values({
      id,
      workspace_id: workspaceId,
      first_name: 'Ada',
      last_name: role,
      email: `${id}@example.com`,
      role,
      status,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

let tenant: Tenant
let other: Tenant
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
    other = await buildTenant(db)
  },
})
const { get, post, patch, del } = api(t, () => tenant.auth)

const STEP = { name: 'Sales manager', approver_role: 'manager' }
const DISCOUNT = { field: 'discount_percent', operator: 'gt', value: 20 }

async function buildRule(input: Record<string, unknown> = {}) {
  const res = await post('/api/approval-rules', { name: 'Deep discount', steps: [STEP], ...input })
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data
}

describe('POST /api/approval-rules', () => {
  it('creates an active AND rule with its conditions and steps, keys in order, with its ETag and event', async () => {
    const customer = await insertCustomer(t.db, tenant.workspaceId)
    const manager = await insertUser(t.db, tenant.workspaceId, 'manager')
    const res = await post('/api/approval-rules', {
      name: '  Big EUR deals  ',
      reference: ' APR-1 ',
      description: 'Over 10k',
      conditions: [
        { field: 'total_amount', operator: 'gte', value: 10000, currency: 'eur' },
        { field: 'customer_id', operator: 'in', value: [customer.id.toUpperCase()] },
      ],
      steps: [
        { name: 'Manager', approver_role: 'manager', approver_user_id: manager },
        { name: 'Admin', approver_role: 'admin' },
      ],
    })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.headers.etag, '"1"')
    const rule = res.json().data
    assert.deepEqual(Object.keys(rule), KEYS)
    assert.deepEqual(
      { ...rule, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'Big EUR deals',
        reference: 'APR-1',
        description: 'Over 10k',
        is_active: true,
        operator: 'and',
        conditions: [
          { field: 'total_amount', operator: 'gte', value: 10000, currency: 'EUR' },
          { field: 'customer_id', operator: 'in', value: [customer.id] },
        ],
        steps: [
          { name: 'Manager', approver_role: 'manager', approver_user_id: manager },
          { name: 'Admin', approver_role: 'admin', approver_user_id: null },
        ],
        created_at: undefined,
        updated_at: undefined,
      },
    )
    const events = await get(`/api/events?record_id=${rule.id}`)
    assert.deepEqual(
      events.json().data.map((e: { type: string }) => e.type),
      ['approval_rule.created'],
    )
  })

  it('takes a rule without conditions (every quote), an OR rule, an inactive one', async () => {
    const rule = await buildRule({ operator: 'or', is_active: false })
    assert.deepEqual([rule.conditions, rule.operator, rule.is_active], [[], 'or', false])
  })

  it('names each condition at fault: operator of another field, value of the wrong kind, currency elsewhere', async () => {
    const res = await post('/api/approval-rules', {
      name: 'Bad',
      steps: [STEP],
      conditions: [
        { field: 'below_floor', operator: 'gt', value: true },
        { field: 'margin_percent', operator: 'lt', value: 'low' },
        { field: 'discount_percent', operator: 'gt', value: 5, currency: 'EUR' },
      ],
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'conditions[0].operator' must be one of eq for field below_floor (got gt)",
      "Field 'conditions[1].value' must be a number of percent for margin_percent lt",
      "Field 'conditions[2].currency' is only allowed with field total_amount",
    ])
  })

  it('refuses an unknown field or operator, and a customer or segment not of the workspace', async () => {
    const unknown = await post('/api/approval-rules', {
      name: 'Bad',
      steps: [STEP],
      conditions: [{ field: 'color', operator: 'like', value: 1 }],
    })
    assert.equal(unknown.statusCode, 400)
    assert.match(unknown.body, /conditions\[0\]\.field' must be one of/)
    assert.match(unknown.body, /conditions\[0\]\.operator' must be one of/)
    const theirs = await insertCustomer(t.db, other.workspaceId)
    const res = await post('/api/approval-rules', {
      name: 'Bad',
      steps: [STEP],
      conditions: [
        { field: 'customer_id', operator: 'in', value: [uuidv7(), theirs.id] },
        { field: 'segment_id', operator: 'eq', value: 'not-a-uuid' },
      ],
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'conditions[0].value[0]' does not name a customer of this workspace",
      "Field 'conditions[0].value[1]' does not name a customer of this workspace",
      "Field 'conditions[1].value' does not name a segment of this workspace",
    ])
  })

  it('requires a name and 1 to 10 steps of a manager or admin role', async () => {
    const none = await post('/api/approval-rules', { steps: [] })
    assert.equal(none.statusCode, 400)
    assert.deepEqual(none.json().details, [
      "Field 'name' is required",
      "Field 'steps' must have at least 1 items",
    ])
    const many = await post('/api/approval-rules', { name: 'x', steps: Array(11).fill(STEP) })
    assert.deepEqual(many.json().details, ["Field 'steps' must have at most 10 items"])
    const role = await post('/api/approval-rules', {
      name: 'x',
      steps: [{ name: 'Rep', approver_role: 'sales_rep' }],
    })
    assert.deepEqual(role.json().details, ["Field 'steps[0].approver_role' must be one of: manager, admin"])
  })

  it('refuses an approver who is unknown, of another workspace, inactive, or whose role cannot decide the step', async () => {
    const rep = await insertUser(t.db, tenant.workspaceId, 'sales_rep')
    const manager = await insertUser(t.db, tenant.workspaceId, 'manager')
    const gone = await insertUser(t.db, tenant.workspaceId, 'admin', 'inactive')
    const theirs = await insertUser(t.db, other.workspaceId, 'admin')
    const res = await post('/api/approval-rules', {
      name: 'x',
      steps: [
        { name: 'a', approver_role: 'manager', approver_user_id: rep },
        { name: 'b', approver_role: 'admin', approver_user_id: manager },
        { name: 'c', approver_role: 'manager', approver_user_id: gone },
        { name: 'd', approver_role: 'manager', approver_user_id: theirs },
        { name: 'e', approver_role: 'manager', approver_user_id: 'x*' },
      ],
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'steps[0].approver_user_id' names a user whose role (sales_rep) cannot decide a manager step",
      "Field 'steps[1].approver_user_id' names a user whose role (manager) cannot decide an admin step",
      "Field 'steps[2].approver_user_id' names a user who is inactive",
      "Field 'steps[3].approver_user_id' does not name a user of this workspace",
      "Field 'steps[4].approver_user_id' does not name a user of this workspace",
    ])
    // Only ids that are not UUIDs: no query at all (an empty IN list is no SQL).
    const odd = await post('/api/approval-rules', {
      name: 'x',
      steps: [{ name: 'a', approver_role: 'admin', approver_user_id: 'x*' }],
    })
    assert.deepEqual(odd.json().details, [
      "Field 'steps[0].approver_user_id' does not name a user of this workspace",
    ])
  })

  it('answers 401 without a token, 403 without settings:write', async () => {
    const body = { name: 'x', steps: [STEP] }
    assert.equal((await post('/api/approval-rules', body, {})).statusCode, 401)
    const reader = await buildToken(t.db, tenant.workspaceId, ['settings:read'])
    const res = await post('/api/approval-rules', body, reader.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().code, 'insufficient_scope')
  })
})

describe('GET /api/approval-rules', () => {
  it('lists the rules oldest first, filters by is_active, and shows none of another workspace', async () => {
    const own = await buildTenant(t.db)
    const call = api(t, own.auth)
    const made: string[] = []
    for (const is_active of [true, false, true]) {
      const res = await call.post('/api/approval-rules', { name: 'r', steps: [STEP], is_active })
      made.push(res.json().data.id)
    }
    const all = await call.get('/api/approval-rules')
    assert.equal(all.statusCode, 200)
    assert.deepEqual(
      all.json().data.map((r: { id: string }) => r.id),
      made,
    )
    const inactive = await call.get('/api/approval-rules?is_active=false')
    assert.deepEqual(
      inactive.json().data.map((r: { id: string }) => r.id),
      [made[1]],
    )
    const page = await call.get('/api/approval-rules?limit=2')
    assert.equal(page.json().has_more, true)
    assert.deepEqual((await api(t, other.auth).get('/api/approval-rules')).json().data, [])
    const reader = await buildToken(t.db, own.workspaceId, ['settings:read'])
    assert.equal((await call.get('/api/approval-rules', reader.auth)).statusCode, 200)
    const stranger = await buildToken(t.db, own.workspaceId, ['customers:read'])
    assert.equal((await call.get('/api/approval-rules', stranger.auth)).statusCode, 403)
  })
})

describe('GET /api/approval-rules/{id}', () => {
  it("answers the rule with its ETag, and 404 to an unknown id or another workspace's rule", async () => {
    const rule = await buildRule({ conditions: [DISCOUNT] })
    const res = await get(`/api/approval-rules/${rule.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().data, rule)
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await get(`/api/approval-rules/${uuidv7()}`)).json(), NOT_FOUND)
    assert.deepEqual((await get(`/api/approval-rules/${rule.id}`, other.auth)).json(), NOT_FOUND)
  })
})

describe('PATCH /api/approval-rules/{id}', () => {
  it('changes the fields given, replaces conditions and steps whole, and moves the ETag', async () => {
    const rule = await buildRule({ conditions: [DISCOUNT], reference: 'R' })
    const res = await patch(`/api/approval-rules/${rule.id}`, {
      operator: 'or',
      reference: null,
      conditions: [{ field: 'below_floor', operator: 'eq', value: true }],
      steps: [{ name: 'Admin', approver_role: 'admin' }],
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, '"2"')
    const data = res.json().data
    assert.equal(data.name, 'Deep discount')
    assert.equal(data.reference, null)
    assert.deepEqual(data.conditions, [{ field: 'below_floor', operator: 'eq', value: true }])
    assert.deepEqual(data.steps, [{ name: 'Admin', approver_role: 'admin', approver_user_id: null }])
  })

  it('leaves the rule and its ETag as they were when a GET is sent back whole', async () => {
    const rule = await buildRule({ conditions: [DISCOUNT, { ...DISCOUNT, field: 'total_amount' }] })
    const res = await patch(`/api/approval-rules/${rule.id}`, rule)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, '"1"')
    const events = await get(`/api/events?record_id=${rule.id}`)
    assert.equal(events.json().data.length, 1)
  })

  it('refuses bad conditions and steps as a create does, leaving the rule; 404 for another workspace', async () => {
    const rule = await buildRule()
    const res = await patch(`/api/approval-rules/${rule.id}`, {
      conditions: [{ field: 'customer_id', operator: 'gt', value: 3 }],
      steps: [],
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, ["Field 'steps' must have at least 1 items"])
    const bad = await patch(`/api/approval-rules/${rule.id}`, {
      conditions: [{ field: 'customer_id', operator: 'gt', value: 3 }],
    })
    assert.deepEqual(bad.json().details, [
      "Field 'conditions[0].operator' must be one of eq, in for field customer_id (got gt)",
    ])
    assert.deepEqual((await get(`/api/approval-rules/${rule.id}`)).json().data, rule)
    const theirs = await patch(`/api/approval-rules/${rule.id}`, { name: 'Mine' }, other.auth)
    assert.deepEqual(theirs.json(), NOT_FOUND)
  })
})

describe('DELETE /api/approval-rules/{id}', () => {
  it('deletes the rule for good, with its event; 404 after and for another workspace', async () => {
    const rule = await buildRule()
    assert.deepEqual((await del(`/api/approval-rules/${rule.id}`, other.auth)).json(), NOT_FOUND)
    const res = await del(`/api/approval-rules/${rule.id}`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'Approval rule deleted successfully' })
    assert.deepEqual((await get(`/api/approval-rules/${rule.id}`)).json(), NOT_FOUND)
    assert.deepEqual((await del(`/api/approval-rules/${rule.id}`)).json(), NOT_FOUND)
    const events = await get(`/api/events?record_id=${rule.id}`)
    assert.deepEqual(
      events.json().data.map((e: { type: string }) => e.type),
      ['approval_rule.created', 'approval_rule.deleted'],
    )
  })
})
