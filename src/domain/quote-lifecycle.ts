// The life of a quote (Qwoty §4.1, §4.10), as one explicit table: which action a quote in each status
// accepts, and where it goes. Anything the table does not list is refused (409) with the status and the
// actions it does list. No I/O: what depends on stored data (whether approval is required, whether this is
// the last step, whether signature is asked for) comes in as `TransitionFacts`.

export const QUOTE_STATUSES = [
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
export type QuoteStatus = (typeof QUOTE_STATUSES)[number]

/** The actions, in the order they are listed: the path segment of POST /api/quotes/{id}/<action>. */
export const QUOTE_ACTIONS = [
  'submit',
  'approve',
  'request-changes',
  'publish',
  'accept',
  'decline',
  'cancel',
] as const
export type QuoteAction = (typeof QUOTE_ACTIONS)[number]

/** Statuses nothing leaves. */
export const FINAL_STATUSES: readonly QuoteStatus[] = ['accepted', 'lost', 'expired', 'canceled']

/** Statuses of a published quote: one the customer has seen. */
export const PUBLISHED_STATUSES: readonly QuoteStatus[] = ['sent', 'pending_signature']

/** What the table needs to know about a quote beyond its status. */
export interface TransitionFacts {
  /** Some active approval rule (or the built-in floor rule) matches the quote as it stands. */
  approvalRequired: boolean
  /** approve: the step being decided is the last pending one. */
  lastStep: boolean
  /** publish: the body asked for a signature (`{"signature_required": true}`). */
  signatureRequired: boolean
}

type Target = QuoteStatus | ((facts: TransitionFacts) => QuoteStatus | Refusal)

/** A transition the table lists but the quote's facts forbid (publishing what needs approval). */
export interface Refusal {
  refused: string
}

const published = (f: TransitionFacts): QuoteStatus => (f.signatureRequired ? 'pending_signature' : 'sent')

/** The transition table: status → action → the status it leads to (or how the facts decide it). */
export const TRANSITIONS: Readonly<Record<QuoteStatus, Partial<Record<QuoteAction, Target>>>> = {
  draft: {
    submit: (f) => (f.approvalRequired ? 'pending_approval' : 'approved'),
    // Qwoty: "if nothing requires approval, publishing takes the quote from Draft straight through Approved".
    publish: (f) =>
      f.approvalRequired ? { refused: 'it needs approval before it is sent: submit it' } : published(f),
    cancel: 'canceled',
  },
  pending_approval: {
    approve: (f) => (f.lastStep ? 'approved' : 'pending_approval'),
    'request-changes': 'changes_requested',
    cancel: 'canceled',
  },
  changes_requested: {
    submit: (f) => (f.approvalRequired ? 'pending_approval' : 'approved'),
    publish: (f) =>
      f.approvalRequired ? { refused: 'it needs approval before it is sent: submit it' } : published(f),
    cancel: 'canceled',
  },
  approved: {
    publish: published,
    cancel: 'canceled',
  },
  sent: {
    accept: 'accepted',
    decline: 'lost',
    cancel: 'canceled',
  },
  pending_signature: {
    accept: 'accepted',
    decline: 'lost',
    cancel: 'canceled',
  },
  accepted: {},
  lost: {},
  expired: {},
  canceled: {},
}

/** The actions the table lists for a status, in QUOTE_ACTIONS order; none for a final status. */
export function allowedActions(status: QuoteStatus): QuoteAction[] {
  const row = TRANSITIONS[status]
  return QUOTE_ACTIONS.filter((action) => row[action] !== undefined)
}

/** `submit, cancel`, or `none (canceled is final)`. */
export function describeAllowed(status: QuoteStatus): string {
  const allowed = allowedActions(status)
  return allowed.length ? allowed.join(', ') : `none (${status} is final)`
}

export type Transition = { ok: true; to: QuoteStatus } | { ok: false; message: string }

/**
 * Where `action` takes a quote in `status`, or why not, as the sentence of a 409: it names the status and
 * the actions the status allows.
 */
export function transition(status: QuoteStatus, action: QuoteAction, facts: TransitionFacts): Transition {
  const target = TRANSITIONS[status][action]
  const allowed = `allowed actions from ${status}: ${describeAllowed(status)}`
  if (target === undefined) {
    return { ok: false, message: `A quote in status ${status} cannot ${verb(action)} (${allowed})` }
  }
  const to = typeof target === 'function' ? target(facts) : target
  if (typeof to === 'object') {
    return { ok: false, message: `This ${status} quote cannot be published: ${to.refused} (${allowed})` }
  }
  return { ok: true, to }
}

/** The action as a verb in a sentence: "request changes", "be published". */
function verb(action: QuoteAction): string {
  return action === 'request-changes' ? 'have changes requested' : `be ${PAST[action]}`
}

/** Past participles: events are `quote.<past>` (quote.submitted, quote.sent). */
const PAST: Record<QuoteAction, string> = {
  submit: 'submitted',
  approve: 'approved',
  'request-changes': 'changes_requested',
  publish: 'published',
  accept: 'accepted',
  decline: 'declined',
  cancel: 'canceled',
}

/**
 * The event an action records: quote.submitted, quote.approved (quote.step_approved while steps remain),
 * quote.changes_requested, quote.sent (publish, whether to sent or pending_signature), quote.accepted,
 * quote.declined, quote.canceled.
 */
export function eventOf(action: QuoteAction, to: QuoteStatus): string {
  if (action === 'approve') return to === 'approved' ? 'approved' : 'step_approved'
  if (action === 'publish') return 'sent'
  return PAST[action]
}

export function isFinal(status: QuoteStatus): boolean {
  return FINAL_STATUSES.includes(status)
}
