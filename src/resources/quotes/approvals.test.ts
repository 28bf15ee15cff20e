import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { buildToken, useTestApp } from '../../../test/helpers.ts'
import { buildPricedProduct, buildQuoteCustomer } from '../../../test/quote-fixtures.ts'
import { buildQuoteWorld, type Json, type QuoteWorld } from '../../../test/quote-world.ts'

const APPROVAL_KEYS = [
  'id',
  'rule_id',
  'rule_name',
  'step',
  'step_name',
  'approver_role',
  'approver_user_id',
  'status',
  'decided_by',
  'decided_at',
  'comment',
  'created_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

describe('approval of quotes, step by step', () => {
  const t = useTestApp()
  let w: QuoteWorld
  /** A customer of its own, whose deep discounts two rules watch: other quotes match no rule. */
  let big: string
  let named: Awaited<ReturnType<QuoteWorld['actingAs']>>
  let ruleA: Json
  let ruleB: Json

  /** A quote of `big` with 20 widgets at 25 % off: total 1500 net, 1800 with VAT. */
  const deepDiscount = () =>
    w.buildQuote({ quantity: 20, discount: { type: 'percent', value: 25 } }, { customer_id: big })

  before(async () => {
    w = await buildQuoteWorld(t)
    big = (await buildQuoteCustomer(w.a, { name: 'Big Corp' })).id
    named = await w.actingAs('manager')
    const probe = await w.buildQuote()
    const rule = async (body: Json) => {
      const res = await w.a.post('/api/approval-rules', body)
      assert.equal(res.statusCode, 201, res.body)
      return res.json().data
    }
    ruleA = await rule({
      name: 'Deep discount for Big Corp',
      conditions: [
        { field: 'customer_id', operator: 'eq', value: big },
        { field: 'discount_percent', operator: 'gt', value: 20 },
      ],
      steps: [
        { name: 'Sales manager', approver_role: 'manager' },
        { name: 'Finance', approver_role: 'admin' },
      ],
    })
    ruleB = await rule({
      name: 'Large deal',
      conditions: [
        { field: 'total_amount', operator: 'gte', value: 1000, currency: probe.currency },
        { field: 'customer_id', operator: 'in', value: [big] },
      ],
      steps: [{ name: 'Key account', approver_role: 'manager', approver_user_id: named.user }],
    })
    // An inactive rule that every quote would match: ignored.
    await rule({ name: 'Dormant', is_active: false, steps: [{ name: 'x', approver_role: 'admin' }] })
  })

  it('submits a matching quote into pending_approval with one approval per step of each rule, in order', async () => {
    const quote = await deepDiscount()
    const submitted = await w.done(quote.id, 'submit', { comment: 'Please' })
    assert.equal(submitted.status, 'pending_approval')
    const approvals = await w.approvals(quote.id)
    for (const a of approvals) assert.deepEqual(Object.keys(a), APPROVAL_KEYS)
    assert.deepEqual(
      approvals.map((a) => [
        a.rule_id,
        a.rule_name,
        a.step,
        a.step_name,
        a.approver_role,
        a.approver_user_id,
        a.status,
      ]),
      [
        [ruleA.id, 'Deep discount for Big Corp', 1, 'Sales manager', 'manager', null, 'pending'],
        [ruleA.id, 'Deep discount for Big Corp', 2, 'Finance', 'admin', null, 'pending'],
        [ruleB.id, 'Large deal', 3, 'Key account', 'manager', named.user, 'pending'],
      ],
    )
    assert.match(approvals[0]!.created_at, WIRE_TIME)
    assert.deepEqual(await w.events(quote.id), ['quote.created', 'quote.submitted'])
  })

  it('lets each step be decided only by who it names, lowest step first, until the quote is approved', async () => {
    const quote = await deepDiscount()
    await w.done(quote.id, 'submit')
    const refused = async (auth: Record<string, string>, error: string) => {
      const res = await w.act(quote.id, 'approve', {}, auth)
      assert.equal(res.statusCode, 403, res.body)
      assert.deepEqual(res.json(), { success: false, error, code: 'approval_forbidden' })
    }
    await refused(
      w.tenant.auth,
      'Deciding an approval needs a token that acts as a user (a manager or an admin): this token acts as no user',
    )
    await refused(
      w.rep.auth,
      "Step 1 (Sales manager) of rule 'Deep discount for Big Corp' is decided by a manager or an admin: " +
        'the user this token acts as is a sales_rep',
    )
    const viewer = await w.actingAs('viewer')
    await refused(
      viewer.auth,
      "Step 1 (Sales manager) of rule 'Deep discount for Big Corp' is decided by a manager or an admin: " +
        'the user this token acts as is a viewer',
    )
    const first = await w.done(quote.id, 'approve', { comment: 'Fine by sales' }, w.manager.auth)
    assert.equal(first.status, 'pending_approval')
    await refused(
      w.manager.auth,
      "Step 2 (Finance) of rule 'Deep discount for Big Corp' is decided by an admin: the user this token acts as is a manager",
    )
    assert.equal((await w.done(quote.id, 'approve', {}, w.admin.auth)).status, 'pending_approval')
    await refused(
      w.manager.auth,
      `Step 3 (Key account) of rule 'Large deal' is decided by user ${named.user} only`,
    )
    await refused(
      w.admin.auth,
      `Step 3 (Key account) of rule 'Large deal' is decided by user ${named.user} only`,
    )
    const approved = await w.done(quote.id, 'approve', {}, named.auth)
    assert.equal(approved.status, 'approved')

    const approvals = await w.approvals(quote.id)
    assert.deepEqual(
      approvals.map((a) => [a.status, a.decided_by, a.comment]),
      [
        ['approved', w.manager.user, 'Fine by sales'],
        ['approved', w.admin.user, null],
        ['approved', named.user, null],
      ],
    )
    for (const a of approvals) assert.match(a.decided_at, WIRE_TIME)
    assert.deepEqual(await w.events(quote.id), [
      'quote.created',
      'quote.submitted',
      'quote.step_approved',
      'quote.step_approved',
      'quote.approved',
    ])
    const history = await w.history(quote.id)
    assert.deepEqual(
      history.map((h) => [h.action, h.from, h.to, h.user_id, h.token_id, h.comment]),
      [
        ['create', null, 'draft', null, w.tenant.id, null],
        ['submit', 'draft', 'pending_approval', null, w.tenant.id, null],
        ['approve', 'pending_approval', 'pending_approval', w.manager.user, w.manager.token, 'Fine by sales'],
        ['approve', 'pending_approval', 'pending_approval', w.admin.user, w.admin.token, null],
        ['approve', 'pending_approval', 'approved', named.user, named.token, null],
      ],
    )
    assert.equal((await w.done(quote.id, 'publish')).status, 'sent')
  })

  it('refuses a user who is no longer active, and a token without quotes:approve, which quotes:write does not include', async () => {
    const quote = await deepDiscount()
    await w.done(quote.id, 'submit')
    const gone = await w.actingAs('admin')
    const off = await w.a.patch(`/api/users/${gone.user}`, { status: 'inactive' })
    assert.equal(off.statusCode, 200, off.body)
    const res = await w.act(quote.id, 'approve', {}, gone.auth)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'The user this token acts as is inactive: it cannot decide approvals',
      code: 'approval_forbidden',
    })
    for (const scope of ['quotes:read', 'quotes:write'] as const) {
      const token = await buildToken(t.db, w.tenant.workspaceId, [scope], null, w.admin.user)
      const scoped = await w.act(quote.id, 'approve', {}, token.auth)
      assert.equal(scoped.statusCode, 403, scope)
      assert.deepEqual(scoped.json(), {
        success: false,
        error: "This token lacks the 'quotes:approve' permission",
        code: 'insufficient_scope',
      })
    }
    assert.equal((await w.approvals(quote.id))[0]!.status, 'pending')
    // quotes:approve alone is enough to decide (it reads the quote too).
    const approver = await buildToken(t.db, w.tenant.workspaceId, ['quotes:approve'], null, w.manager.user)
    const decided = await w.act(quote.id, 'approve', {}, approver.auth)
    assert.equal(decided.statusCode, 200, decided.body)
    assert.equal((await w.a.get(`/api/quotes/${quote.id}/approvals`, approver.auth)).statusCode, 200)
    const cannotSubmit = await w.act(quote.id, 'cancel', {}, approver.auth)
    assert.equal(cannotSubmit.json().code, 'insufficient_scope')
  })

  it('sends a quote back for changes: editable again, other approvals superseded, a new submission starts afresh', async () => {
    const quote = await deepDiscount()
    await w.done(quote.id, 'submit')
    await w.done(quote.id, 'approve', {}, w.manager.auth)
    const refused = await w.act(quote.id, 'request-changes', { comment: 'Too deep' }, w.rep.auth)
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().code, 'approval_forbidden')
    const back = await w.done(quote.id, 'request-changes', { comment: 'Too deep' }, w.admin.auth)
    assert.equal(back.status, 'changes_requested')
    assert.deepEqual(
      (await w.approvals(quote.id)).map((a) => [a.step, a.status, a.decided_by, a.comment]),
      [
        [1, 'approved', w.manager.user, null],
        [2, 'changes_requested', w.admin.user, 'Too deep'],
        [3, 'superseded', null, null],
      ],
    )
    const edited = await w.a.patch(`/api/quotes/${quote.id}`, { title: 'Revised' })
    assert.equal(edited.statusCode, 200, edited.body)
    // Still deep: the rules match again, and the new approvals come after the old ones.
    assert.equal((await w.done(quote.id, 'submit')).status, 'pending_approval')
    const approvals = await w.approvals(quote.id)
    assert.deepEqual(
      approvals.map((a) => [a.step, a.status]),
      [
        [1, 'approved'],
        [2, 'changes_requested'],
        [3, 'superseded'],
        [1, 'pending'],
        [2, 'pending'],
        [3, 'pending'],
      ],
    )
    assert.deepEqual((await w.events(quote.id)).slice(-3), [
      'quote.changes_requested',
      'quote.updated',
      'quote.submitted',
    ])
    const canceled = await w.done(quote.id, 'cancel')
    assert.equal(canceled.status, 'canceled')
    assert.deepEqual(
      (await w.approvals(quote.id)).slice(3).map((a) => a.status),
      ['superseded', 'superseded', 'superseded'],
    )
  })

  it('approves at once what no active rule matches, and lets it be published straight from draft', async () => {
    const plain = await w.buildQuote({ quantity: 20, discount: { type: 'percent', value: 25 } })
    assert.equal((await w.done(plain.id, 'submit')).status, 'approved')
    assert.deepEqual(await w.approvals(plain.id), [])
    const direct = await w.buildQuote()
    const sent = await w.done(direct.id, 'publish')
    assert.deepEqual([sent.status, sent.publish], ['sent', true])
    assert.deepEqual(
      (await w.history(direct.id)).map((h) => [h.action, h.from, h.to]),
      [
        ['create', null, 'draft'],
        ['publish', 'draft', 'sent'],
      ],
    )
  })

  it('refuses to publish from draft what needs approval, naming the rules', async () => {
    const quote = await deepDiscount()
    const res = await w.act(quote.id, 'publish')
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      'This draft quote cannot be published: it needs approval before it is sent: submit it (allowed actions ' +
        "from draft: submit, publish, cancel). Approval rules it matches: 'Deep discount for Big Corp', 'Large deal'.",
    )
  })

  it('needs a manager for a line under its floor even when no rule matches; a rule that matches takes its place', async () => {
    const under = await w.buildQuote({ unit_price: 40 })
    assert.equal(under.pricing_table.sections[0].phases[0].line_items[0].below_floor, true)
    await w.done(under.id, 'submit')
    assert.deepEqual(
      (await w.approvals(under.id)).map((a) => [a.rule_id, a.rule_name, a.step_name, a.approver_role]),
      [[null, 'Unit price below floor', 'Manager approval', 'manager']],
    )
    await w.done(under.id, 'approve', {}, w.manager.auth)
    const both = await w.buildQuote({ quantity: 30, unit_price: 40 }, { customer_id: big })
    await w.done(both.id, 'submit')
    // 40 where the list says 100 is 60 % off: the deep discount rule matches too.
    assert.deepEqual(
      (await w.approvals(both.id)).map((a) => a.rule_name),
      ['Deep discount for Big Corp', 'Deep discount for Big Corp', 'Large deal'],
    )
  })

  it('matches margin and segment conditions from the stored lines and the customer', async () => {
    const own = await buildQuoteWorld(t)
    const segment = (await own.a.post('/api/segments', { name: 'Strategic' })).json().data.id
    const strategic = await buildQuoteCustomer(own.a, { name: 'Strategic Inc.', segment_id: segment })
    const cheap = await buildPricedProduct(own.a, 'Cheap', { pricing_model: 'flat', amount: 100, cost: 95 })
    for (const body of [
      {
        name: 'Thin margin',
        conditions: [{ field: 'margin_percent', operator: 'lt', value: 10 }],
        steps: [{ name: 'CFO', approver_role: 'admin' }],
      },
      {
        name: 'Strategic accounts',
        conditions: [{ field: 'segment_id', operator: 'in', value: [segment] }],
        steps: [{ name: 'Head of sales', approver_role: 'manager' }],
      },
    ]) {
      assert.equal((await own.a.post('/api/approval-rules', body)).statusCode, 201)
    }
    const thin = await own.buildQuote({ product_id: cheap.id })
    await own.done(thin.id, 'submit')
    assert.deepEqual(
      (await own.approvals(thin.id)).map((a) => a.rule_name),
      ['Thin margin'],
    )
    // Widget: cost 60 for 100, a margin of 40 %.
    const fat = await own.buildQuote()
    assert.equal((await own.done(fat.id, 'submit')).status, 'approved')
    const theirs = await own.buildQuote({}, { customer_id: strategic.id })
    await own.done(theirs.id, 'submit')
    assert.deepEqual(
      (await own.approvals(theirs.id)).map((a) => a.rule_name),
      ['Strategic accounts'],
    )
  })
})

describe('GET /api/quotes/{id}/approvals', () => {
  const t = useTestApp()
  let w: QuoteWorld

  before(async () => {
    w = await buildQuoteWorld(t)
  })

  it('answers an empty list for a quote never submitted, 404 for another workspace, 403 without quotes:read', async () => {
    const quote = await w.buildQuote()
    assert.deepEqual((await w.a.get(`/api/quotes/${quote.id}/approvals`)).json(), { success: true, data: [] })
    const other = await buildQuoteWorld(t)
    assert.deepEqual((await other.a.get(`/api/quotes/${quote.id}/approvals`)).json(), {
      success: false,
      error: 'Quote not found',
      code: 'not_found',
    })
    const stranger = await buildToken(t.db, w.tenant.workspaceId, ['orders:read'])
    assert.equal((await w.a.get(`/api/quotes/${quote.id}/approvals`, stranger.auth)).statusCode, 403)
    assert.equal((await w.a.get(`/api/quotes/${quote.id}/approvals`, {})).statusCode, 401)
  })
})
