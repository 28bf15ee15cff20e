import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  allowedActions,
  eventOf,
  QUOTE_ACTIONS,
  QUOTE_STATUSES,
  type QuoteAction,
  type QuoteStatus,
  type TransitionFacts,
  transition,
} from './quote-lifecycle.ts'

// The table written out again, by hand, for each combination of facts: what each action does from each
// status. `null` is a refusal. Kept apart from the module so that a slip in either shows.
type Expected = Record<QuoteStatus, Record<QuoteAction, QuoteStatus | null>>

const none = (): Record<QuoteAction, null> => ({
  submit: null,
  approve: null,
  'request-changes': null,
  publish: null,
  accept: null,
  decline: null,
  cancel: null,
})

function expected(f: TransitionFacts): Expected {
  const publishTo = f.signatureRequired ? 'pending_signature' : 'sent'
  const editable = {
    ...none(),
    submit: f.approvalRequired ? 'pending_approval' : 'approved',
    publish: f.approvalRequired ? null : publishTo,
    cancel: 'canceled',
  } as const
  const published = { ...none(), accept: 'accepted', decline: 'lost', cancel: 'canceled' } as const
  return {
    draft: editable,
    pending_approval: {
      ...none(),
      approve: f.lastStep ? 'approved' : 'pending_approval',
      'request-changes': 'changes_requested',
      cancel: 'canceled',
    },
    changes_requested: editable,
    approved: { ...none(), publish: publishTo, cancel: 'canceled' },
    sent: published,
    pending_signature: published,
    accepted: none(),
    lost: none(),
    expired: none(),
    canceled: none(),
  }
}

const FACTS: TransitionFacts[] = [false, true].flatMap((approvalRequired) =>
  [false, true].flatMap((lastStep) =>
    [false, true].map((signatureRequired) => ({ approvalRequired, lastStep, signatureRequired })),
  ),
)

describe('the quote transition table', () => {
  it('takes every action from every status where the table says, under every combination of facts', () => {
    let checked = 0
    for (const facts of FACTS) {
      const table = expected(facts)
      for (const status of QUOTE_STATUSES) {
        for (const action of QUOTE_ACTIONS) {
          const got = transition(status, action, facts)
          const want = table[status][action]
          const label = `${action} from ${status} with ${JSON.stringify(facts)}`
          if (want === null) assert.equal(got.ok, false, label)
          else assert.deepEqual(got, { ok: true, to: want }, label)
          checked++
        }
      }
    }
    assert.equal(checked, 8 * QUOTE_STATUSES.length * QUOTE_ACTIONS.length)
  })

  it('lists the allowed actions of each status', () => {
    assert.deepEqual(Object.fromEntries(QUOTE_STATUSES.map((s) => [s, allowedActions(s)])), {
      draft: ['submit', 'publish', 'cancel'],
      pending_approval: ['approve', 'request-changes', 'cancel'],
      changes_requested: ['submit', 'publish', 'cancel'],
      approved: ['publish', 'cancel'],
      sent: ['accept', 'decline', 'cancel'],
      pending_signature: ['accept', 'decline', 'cancel'],
      accepted: [],
      lost: [],
      expired: [],
      canceled: [],
    })
  })

  it('refuses with a sentence naming the status and the allowed actions', () => {
    const facts = { approvalRequired: false, lastStep: false, signatureRequired: false }
    for (const status of QUOTE_STATUSES) {
      for (const action of QUOTE_ACTIONS) {
        const got = transition(status, action, facts)
        if (got.ok) continue
        assert.match(got.message, new RegExp(`\\b${status}\\b`), `${action} from ${status}`)
        const allowed = allowedActions(status)
        if (allowed.length) assert.ok(got.message.includes(allowed.join(', ')), got.message)
        else assert.ok(got.message.includes(`none (${status} is final)`), got.message)
      }
    }
    assert.equal(
      (transition('sent', 'approve', facts) as { message: string }).message,
      'A quote in status sent cannot be approved (allowed actions from sent: accept, decline, cancel)',
    )
    assert.equal(
      (transition('accepted', 'cancel', facts) as { message: string }).message,
      'A quote in status accepted cannot be canceled (allowed actions from accepted: none (accepted is final))',
    )
  })

  it('refuses to publish what needs approval, saying to submit it', () => {
    const got = transition('draft', 'publish', {
      approvalRequired: true,
      lastStep: false,
      signatureRequired: false,
    })
    assert.deepEqual(got, {
      ok: false,
      message:
        'This draft quote cannot be published: it needs approval before it is sent: submit it ' +
        '(allowed actions from draft: submit, publish, cancel)',
    })
  })

  it('names the event of each action in the past tense', () => {
    assert.equal(eventOf('submit', 'pending_approval'), 'submitted')
    assert.equal(eventOf('approve', 'pending_approval'), 'step_approved')
    assert.equal(eventOf('approve', 'approved'), 'approved')
    assert.equal(eventOf('request-changes', 'changes_requested'), 'changes_requested')
    assert.equal(eventOf('publish', 'pending_signature'), 'sent')
    assert.equal(eventOf('accept', 'accepted'), 'accepted')
    assert.equal(eventOf('decline', 'lost'), 'declined')
    assert.equal(eventOf('cancel', 'canceled'), 'canceled')
  })
})
