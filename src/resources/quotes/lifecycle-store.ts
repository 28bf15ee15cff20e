import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { isSet, toWireTime } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import {
  type ApproverRole,
  type Condition,
  FLOOR_RULE,
  quoteFacts,
  ruleMatches,
  type Step,
} from '../../domain/approval-rules.ts'
import type { QuoteStatus } from '../../domain/quote-lifecycle.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { activeApprovalRules } from '../approval-rules/store.ts'
import type { Approval, HistoryEntry } from './lifecycle-schema.ts'

// What the lifecycle stores beside the quote row: its history of status changes, and the approvals a
// submitted quote needs (one row per step of each rule it matches, decided in order).

/** Records one change of status of a quote, in the write that makes it. */
export async function recordHistory(
  w: WriteContext,
  quoteId: string,
  entry: { action: string; from: QuoteStatus | null; to: QuoteStatus; comment?: string | null; at: string },
): Promise<void> {
  await w.trx
    .insertInto('quote_history')
    .values({
      id: uuidv7(),
      workspace_id: w.workspaceId,
      quote_id: quoteId,
      action: entry.action,
      from_status: entry.from,
      to_status: entry.to,
      token_id: w.actor ?? null,
      user_id: w.userId ?? null,
      comment: entry.comment ?? null,
      at: entry.at,
    })
    .execute()
}

/** Every change of status of a quote, oldest first (its creation first). */
export async function quoteHistory(
  db: Kysely<Database>,
  workspaceId: string,
  quoteId: string,
): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('quote_history')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('quote_id', '=', quoteId)
    .orderBy('at')
    .orderBy('id')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    action: row.action,
    from: row.from_status as QuoteStatus | null,
    to: row.to_status as QuoteStatus,
    user_id: row.user_id,
    token_id: row.token_id,
    comment: row.comment,
    at: toWireTime(row.at),
  }))
}

/** Every approval a quote was given, in the order they were (to be) decided; earlier submissions first. */
export async function quoteApprovals(
  db: Kysely<Database>,
  workspaceId: string,
  quoteId: string,
): Promise<Approval[]> {
  const rows = await db
    .selectFrom('quote_approvals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('quote_id', '=', quoteId)
    .orderBy('created_at')
    .orderBy('step')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    rule_id: row.rule_id,
    rule_name: row.rule_name,
    step: row.step,
    step_name: row.step_name,
    approver_role: (row.approver_role ?? 'manager') as ApproverRole,
    approver_user_id: row.approver_user_id,
    status: row.status,
    decided_by: row.decided_by,
    decided_at: row.decided_at === null ? null : toWireTime(row.decided_at),
    comment: row.comment,
    created_at: toWireTime(row.created_at),
  }))
}

/** A rule a quote matches, with the steps of approval it asks for. */
export interface RequiredApproval {
  rule_id: string | null
  rule_name: string
  steps: Step[]
}

/** The quote as the approval rules look at it: its row's totals and customer, and its lines' amounts. */
export interface QuoteForRules {
  id: string
  customer_id: string
  currency: string
  total_amount: string
}

/**
 * The approvals a quote needs as it now stands: each active rule it matches, oldest rule first; when none
 * does but a line is priced under its floor, the built-in floor rule (a manager's approval).
 */
export async function requiredApprovals(
  trx: Kysely<Database>,
  workspaceId: string,
  quote: QuoteForRules,
): Promise<RequiredApproval[]> {
  const [lines, customer, rules] = [
    await trx
      .selectFrom('quote_lines')
      .select([
        'quantity',
        'list_price',
        'unit_price_override',
        'list_amount',
        'discount_amount',
        'subtotal_amount',
        'document_discount_amount',
        'net_amount',
        'cost',
        'below_floor',
      ])
      .where('workspace_id', '=', workspaceId)
      .where('quote_id', '=', quote.id)
      .execute(),
    await trx
      .selectFrom('customers')
      .select('segment_id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', quote.customer_id)
      .executeTakeFirst(),
    await activeApprovalRules(trx, workspaceId),
  ]
  const facts = quoteFacts(
    {
      customer_id: quote.customer_id,
      segment_id: customer?.segment_id ?? null,
      currency: quote.currency,
      total_amount: String(quote.total_amount),
    },
    lines.map((l) => ({
      quantity: String(l.quantity),
      list_price: l.list_price === null ? null : String(l.list_price),
      unit_price_override: l.unit_price_override === null ? null : String(l.unit_price_override),
      list_amount: String(l.list_amount),
      discount_amount: String(l.discount_amount),
      subtotal_amount: String(l.subtotal_amount),
      document_discount_amount: String(l.document_discount_amount),
      net_amount: String(l.net_amount),
      cost: l.cost === null ? null : String(l.cost),
      below_floor: isSet(l.below_floor),
    })),
  )
  const matched: RequiredApproval[] = rules
    .filter((rule) =>
      ruleMatches({ operator: rule.operator, conditions: rule.conditions as Condition[] }, facts),
    )
    .map((rule) => ({ rule_id: rule.id, rule_name: rule.name, steps: rule.steps }))
  if (matched.length === 0 && facts.below_floor) {
    return [{ rule_id: null, rule_name: FLOOR_RULE.name, steps: FLOOR_RULE.steps }]
  }
  return matched
}

/** Marks the quote's pending approvals superseded (a new submission, changes requested, a cancel). */
export async function supersedePending(w: WriteContext, quoteId: string): Promise<void> {
  await w.trx
    .updateTable('quote_approvals')
    .set({ status: 'superseded' })
    .where('workspace_id', '=', w.workspaceId)
    .where('quote_id', '=', quoteId)
    .where('status', '=', 'pending')
    .execute()
}

/** Creates the approvals of a submission: one per step of each rule, numbered in order from 1. */
export async function createApprovals(
  w: WriteContext,
  quoteId: string,
  required: readonly RequiredApproval[],
  at: string,
): Promise<void> {
  const rows = required.flatMap((rule) =>
    rule.steps.map((s) => ({ rule_id: rule.rule_id, rule_name: rule.rule_name, s })),
  )
  if (rows.length === 0) return
  await w.trx
    .insertInto('quote_approvals')
    .values(
      rows.map(({ rule_id, rule_name, s }, i) => ({
        id: uuidv7(),
        workspace_id: w.workspaceId,
        quote_id: quoteId,
        rule_id,
        rule_name,
        step: i + 1,
        step_name: s.name,
        approver_role: s.approver_role,
        approver_user_id: s.approver_user_id ?? null,
        status: 'pending' as const,
        decided_by: null,
        decided_at: null,
        comment: null,
        created_at: at,
      })),
    )
    .execute()
}

/** The quote's pending approvals, lowest step first: the first is the one decided next. */
export function pendingApprovals(trx: Kysely<Database>, workspaceId: string, quoteId: string) {
  return trx
    .selectFrom('quote_approvals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('quote_id', '=', quoteId)
    .where('status', '=', 'pending')
    .orderBy('step')
    .execute()
}
