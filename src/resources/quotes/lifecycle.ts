import type { Kysely, Selectable } from 'kysely'
import { isPostgres, toStoredTime, toWireTime } from '../../db/dialect.ts'
import type { Database, QuoteApprovalTable } from '../../db/types.ts'
import { canDecide } from '../../domain/approval-rules.ts'
import {
  describeAllowed,
  eventOf,
  PUBLISHED_STATUSES,
  type QuoteAction,
  type QuoteStatus,
  transition,
} from '../../domain/quote-lifecycle.ts'
import { ApiError, errorBody, notFound } from '../../http/errors.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { type Answer, author, runWrite, type WriteContext } from '../../kernel/write.ts'
import { createOrder } from '../orders/store.ts'
import {
  createApprovals,
  pendingApprovals,
  type RequiredApproval,
  recordHistory,
  requiredApprovals,
  supersedePending,
} from './lifecycle-store.ts'
import { quotes } from './resource.ts'
import type { Quote } from './schema.ts'
import { EDITABLE_STATUSES, findQuote, type QuoteRow, quoteRow } from './store.ts'

// The actions of a quote's life (POST /api/quotes/{id}/<action>), run inside the kernel's write: the
// transition table of domain/quote-lifecycle.ts decides, this applies, records the history line and the
// event, and makes the order of an accepted quote in the same transaction.

export interface ActionInput {
  comment?: string | null
  signature_required?: boolean
}

type ApprovalRow = Selectable<QuoteApprovalTable>

/** Whether the quote's expiration date has passed at `now`. */
export function isPastExpiration(expiration: Date | string | null, now: Date): boolean {
  return expiration !== null && Date.parse(toStoredTime(expiration)) < now.getTime()
}

/** The quote read as it now stands in the write, with its version. */
async function readBack(w: WriteContext, id: string): Promise<Versioned<Quote>> {
  const record = await findQuote(w.trx, w.workspaceId, id)
  if (!record) throw notFound(quotes.noun)
  return record
}

async function setStatus(
  w: WriteContext,
  id: string,
  to: QuoteStatus,
  at: string,
  extra: { published_at?: string } = {},
): Promise<void> {
  await w.trx
    .updateTable('quotes')
    .set({ status: to, updated_at: at, updated_by: author(w), ...extra })
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', id)
    .execute()
}

/** Expires a published quote whose date has passed: status, history line, quote.expired. */
async function expire(w: WriteContext, row: QuoteRow, at: string): Promise<Versioned<Quote>> {
  await setStatus(w, row.id, 'expired', at)
  await recordHistory(w, row.id, { action: 'expire', from: row.status, to: 'expired', at })
  const record = await readBack(w, row.id)
  w.emit(quotes, 'expired', row.id, record.value)
  return record
}

const ROLE_WORDS = { manager: 'a manager or an admin', admin: 'an admin' } as const

function forbidden(message: string): ApiError {
  return new ApiError('approval_forbidden', message)
}

/**
 * Throws 403 unless the user the token acts as may decide `step` (the lowest pending approval; none when the
 * quote was put in pending_approval without approvals, which a manager or an admin decides).
 */
async function assertDecider(w: WriteContext, step: ApprovalRow | undefined): Promise<void> {
  if (!w.userId) {
    throw forbidden(
      'Deciding an approval needs a token that acts as a user (a manager or an admin): this token acts as no user',
    )
  }
  const user = await w.trx
    .selectFrom('users')
    .select(['role', 'status'])
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', w.userId)
    .executeTakeFirst()
  if (user?.status !== 'active') {
    throw forbidden(
      `The user this token acts as is ${user ? user.status : 'gone'}: it cannot decide approvals`,
    )
  }
  const role = (step?.approver_role ?? 'manager') as keyof typeof ROLE_WORDS
  const what = step ? `Step ${step.step} (${step.step_name}) of rule '${step.rule_name}'` : 'This approval'
  if (!canDecide(user.role, role)) {
    throw forbidden(
      `${what} is decided by ${ROLE_WORDS[role]}: the user this token acts as is a ${user.role}`,
    )
  }
  if (step?.approver_user_id && step.approver_user_id !== w.userId.toLowerCase()) {
    throw forbidden(`${what} is decided by user ${step.approver_user_id} only`)
  }
}

async function decide(
  w: WriteContext,
  step: ApprovalRow,
  status: 'approved' | 'changes_requested',
  comment: string | null,
  at: string,
): Promise<void> {
  await w.trx
    .updateTable('quote_approvals')
    .set({ status, decided_by: w.userId ?? null, decided_at: at, comment })
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', step.id)
    .execute()
}

const names = (required: readonly RequiredApproval[]) => required.map((r) => `'${r.rule_name}'`).join(', ')

/**
 * Runs `action` on the quote `id` (locked by the caller) and answers its read with its new version; for
 * accept, with the order it made. A refused transition is a 409 naming the status and the actions it
 * allows. Accepting a quote whose expiration date has passed expires it (committed) and answers 409.
 */
export async function runQuoteAction(
  w: WriteContext,
  id: string,
  action: QuoteAction,
  input: ActionInput,
  now: Date = new Date(),
): Promise<Answer> {
  const row = await quoteRow(w.trx, w.workspaceId, id)
  if (!row) throw notFound(quotes.noun)
  const from = row.status as QuoteStatus
  const at = now.toISOString()
  const comment = input.comment ?? null

  if (
    action === 'accept' &&
    PUBLISHED_STATUSES.includes(from) &&
    isPastExpiration(row.expiration_date, now)
  ) {
    await expire(w, row, at)
    const message =
      `This quote expired on ${toWireTime(row.expiration_date!)}: it is now expired and cannot be accepted ` +
      `(allowed actions from expired: ${describeAllowed('expired')})`
    return { status: 409, body: errorBody(new ApiError('conflict', message)) }
  }

  const checksRules =
    (action === 'submit' || action === 'publish') && EDITABLE_STATUSES.includes(from as never)
  const required = checksRules
    ? await requiredApprovals(w.trx, w.workspaceId, {
        id,
        customer_id: row.customer_id,
        currency: row.currency,
        total_amount: String(row.total_amount),
      })
    : []
  const decides = (action === 'approve' || action === 'request-changes') && from === 'pending_approval'
  const pending = decides ? await pendingApprovals(w.trx, w.workspaceId, id) : []
  const result = transition(from, action, {
    approvalRequired: required.length > 0,
    lastStep: pending.length <= 1,
    signatureRequired: input.signature_required === true,
  })
  if (!result.ok) {
    const rules =
      action === 'publish' && required.length ? `. Approval rules it matches: ${names(required)}.` : ''
    throw new ApiError('conflict', `${result.message}${rules}`)
  }
  const to = result.to
  if (action === 'publish' && isPastExpiration(row.expiration_date, now)) {
    // Sent, it would be expired at once and could never be accepted.
    throw new ApiError(
      'conflict',
      `This quote's expiration_date (${toWireTime(row.expiration_date!)}) has passed: it cannot be published. ` +
        'Set a later one first (PATCH /api/quotes/{id}, while the quote is draft or changes_requested)',
    )
  }
  const step = pending[0]
  if (decides) await assertDecider(w, step)

  switch (action) {
    case 'submit':
      await supersedePending(w, id)
      await createApprovals(w, id, required, at)
      break
    case 'approve':
      if (step) await decide(w, step, 'approved', comment, at)
      break
    case 'request-changes':
      if (step) await decide(w, step, 'changes_requested', comment, at)
      await supersedePending(w, id)
      break
    case 'cancel':
      await supersedePending(w, id)
      break
  }
  await setStatus(w, id, to, at, action === 'publish' ? { published_at: at } : {})
  await recordHistory(w, id, { action, from, to, comment, at })
  const record = await readBack(w, id)
  w.emit(quotes, eventOf(action, to), id, record.value)
  const body: Record<string, unknown> = { success: true, data: record.value }
  if (action === 'accept') {
    const order = await createOrder(
      w,
      {
        id,
        customer_id: row.customer_id,
        currency: row.currency,
        net_amount: String(row.net_amount),
        tax_amount: String(row.tax_amount),
        total_amount: String(row.total_amount),
      },
      record.value,
      now,
    )
    body.order = { id: order.value.id, number: order.value.number }
  }
  return { body, version: record.version }
}

/**
 * Expires the quote `id` if it is still published and past its expiration date at `now`, in the write `w`;
 * whether it did. Locks its row first (PostgreSQL), so that an accept running meanwhile sees it expired, or
 * it sees the quote accepted.
 */
export async function expireQuote(w: WriteContext, id: string, now: Date): Promise<boolean> {
  const row = await w.trx
    .selectFrom('quotes')
    .selectAll()
    .where('workspace_id', '=', w.workspaceId)
    .where('id', '=', id)
    .$if(isPostgres(w.trx), (q) => q.forUpdate())
    .executeTakeFirst()
  if (!row || !PUBLISHED_STATUSES.includes(row.status) || !isPastExpiration(row.expiration_date, now)) {
    return false
  }
  await expire(w, row, now.toISOString())
  return true
}

/**
 * Expires every sent or pending_signature quote past its expiration date, of every workspace, each in a
 * write of its own (history line, quote.expired): what `quoin quotes expire` and `quoin serve` (every
 * minute) run. Returns how many it expired.
 */
export async function expireQuotes(db: Kysely<Database>, now: Date = new Date()): Promise<number> {
  const workspaces = await db.selectFrom('workspaces').select('id').execute()
  let expired = 0
  for (const { id: workspaceId } of workspaces) {
    // Through quotes_status (workspace_id, status, …): the published quotes of the workspace only. Dates
    // are stored as ISO 8601 with milliseconds (SQLite compares the text), timestamptz on PostgreSQL.
    const due = await db
      .selectFrom('quotes')
      .select(['id', 'expiration_date'])
      .where('workspace_id', '=', workspaceId)
      .where('status', 'in', [...PUBLISHED_STATUSES])
      .where('expiration_date', '<', now.toISOString())
      .execute()
    for (const quote of due) {
      if (!isPastExpiration(quote.expiration_date, now)) continue
      if (await runWrite(db, workspaceId, (w) => expireQuote(w, quote.id, now))) expired++
    }
  }
  return expired
}
