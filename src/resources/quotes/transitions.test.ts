import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers.ts'
import { buildQuoteWorld, type Json, type QuoteWorld } from '../../../test/quote-world.ts'

// The transition table through the API: every action from every status, on quotes brought into that status
// by the real actions (expired: by accepting once the expiration date was set in the past by SQL). What is
// expected is written out here, apart from domain/quote-lifecycle.ts.

const STATUSES = [
  'draft',
  'pending_approval',
  'changes_requested',
  'approved',
  'sent',
  'pending_signature',
  'accepted',
  'lost',
  'expired',
  'canceled',
] as const
type Status = (typeof STATUSES)[number]
const ACTIONS = ['submit', 'approve', 'request-changes', 'publish', 'accept', 'decline', 'cancel'] as const
type Action = (typeof ACTIONS)[number]

// The draft quotes are plain (no approval needed); the changes_requested ones come back from an approval
// asked for by a line under its floor, so they still need one: publishing them is refused.
const EXPECTED: Record<Status, Partial<Record<Action, Status>>> = {
  draft: { submit: 'approved', publish: 'sent', cancel: 'canceled' },
  pending_approval: { approve: 'approved', 'request-changes': 'changes_requested', cancel: 'canceled' },
  changes_requested: { submit: 'pending_approval', cancel: 'canceled' },
  approved: { publish: 'sent', cancel: 'canceled' },
  sent: { accept: 'accepted', decline: 'lost', cancel: 'canceled' },
  pending_signature: { accept: 'accepted', decline: 'lost', cancel: 'canceled' },
  accepted: {},
  lost: {},
  expired: {},
  canceled: {},
}

const ALLOWED: Record<Status, string> = {
  draft: 'submit, publish, cancel',
  pending_approval: 'approve, request-changes, cancel',
  changes_requested: 'submit, publish, cancel',
  approved: 'publish, cancel',
  sent: 'accept, decline, cancel',
  pending_signature: 'accept, decline, cancel',
  accepted: 'none (accepted is final)',
  lost: 'none (lost is final)',
  expired: 'none (expired is final)',
  canceled: 'none (canceled is final)',
}

describe('POST /api/quotes/{id}/{action}: the transition table', () => {
  const t = useTestApp()
  let w: QuoteWorld

  before(async () => {
    w = await buildQuoteWorld(t)
  })

  /** A quote brought into `status` by the actions that lead there. */
  async function quoteIn(status: Status): Promise<Json> {
    const underFloor = status === 'pending_approval' || status === 'changes_requested'
    const quote = await w.buildQuote(underFloor ? { unit_price: 40 } : {})
    const id = quote.id as string
    const steps: Record<Status, [string, Json?, Record<string, string>?][]> = {
      draft: [],
      pending_approval: [['submit']],
      changes_requested: [['submit'], ['request-changes', {}, w.manager.auth]],
      approved: [['submit']],
      sent: [['publish']],
      pending_signature: [['publish', { signature_required: true }]],
      accepted: [['publish'], ['accept']],
      lost: [['publish'], ['decline']],
      expired: [['publish']],
      canceled: [['cancel']],
    }
    for (const [action, body, auth] of steps[status]) await w.done(id, action, body, auth)
    if (status === 'expired') {
      await w.backdate(id)
      assert.equal((await w.act(id, 'accept')).statusCode, 409)
    }
    const read = await w.a.get(`/api/quotes/${id}`)
    assert.equal(read.json().data.status, status)
    return { id, etag: read.headers.etag }
  }

  it('brings a quote into every status through the API', async () => {
    for (const status of STATUSES) await quoteIn(status)
  })

  for (const status of STATUSES) {
    it(`from ${status}: takes ${Object.keys(EXPECTED[status]).join(', ') || 'no action'}, and refuses the others with 409`, async () => {
      for (const action of ACTIONS) {
        const { id, etag } = await quoteIn(status)
        const decider = action === 'approve' || action === 'request-changes' ? w.manager.auth : undefined
        const res = await w.act(id, action, {}, decider)
        const label = `${action} from ${status}`
        const to = EXPECTED[status][action]
        if (to) {
          assert.equal(res.statusCode, 200, `${label}: ${res.body}`)
          assert.equal(res.json().data.status, to, label)
          assert.notEqual(res.headers.etag, etag, label)
          const last = (await w.history(id)).at(-1)!
          assert.deepEqual([last.action, last.from, last.to], [action, status, to], label)
          continue
        }
        assert.equal(res.statusCode, 409, `${label}: ${res.body}`)
        const body = res.json()
        assert.equal(body.code, 'conflict', label)
        assert.match(body.error, new RegExp(`\\b${status}\\b`), label)
        assert.ok(body.error.includes(`(allowed actions from ${status}: ${ALLOWED[status]})`), body.error)
        const after = await w.a.get(`/api/quotes/${id}`)
        assert.equal(after.json().data.status, status, label)
        assert.equal(after.headers.etag, etag, `${label} changed the quote`)
      }
    })
  }

  it('says why a changes_requested quote that still needs approval cannot be published', async () => {
    const { id } = await quoteIn('changes_requested')
    const res = await w.act(id, 'publish')
    assert.deepEqual(res.json(), {
      success: false,
      error:
        'This changes_requested quote cannot be published: it needs approval before it is sent: submit it ' +
        "(allowed actions from changes_requested: submit, publish, cancel). Approval rules it matches: 'Unit price below floor'.",
      code: 'conflict',
    })
  })

  it('names the refused action in the sentence', async () => {
    const { id } = await quoteIn('sent')
    assert.equal(
      (await w.act(id, 'approve', {}, w.manager.auth)).json().error,
      'A quote in status sent cannot be approved (allowed actions from sent: accept, decline, cancel)',
    )
    assert.equal(
      (await w.act(id, 'request-changes', {}, w.manager.auth)).json().error,
      'A quote in status sent cannot have changes requested (allowed actions from sent: accept, decline, cancel)',
    )
  })
})
