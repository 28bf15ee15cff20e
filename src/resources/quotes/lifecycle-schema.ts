import Type from 'typebox'
import { APPROVER_ROLES } from '../../domain/approval-rules.ts'
import { QUOTE_STATUSES, type QuoteStatus } from '../../domain/quote-lifecycle.ts'
import { Nullable, StringEnum, Timestamp, Uuid } from '../../http/schemas.ts'

const comment = Type.Optional(
  Nullable(
    Type.String({
      maxLength: 2000,
      description: "A note kept in the quote's history (and on the approval it decides, if any)",
      examples: ['Discount agreed with the customer'],
    }),
  ),
)

/** The body every action takes: all of it optional, and none at all is fine. */
export const ActionBody = Type.Object({ comment }, { additionalProperties: false })
export type ActionBody = Type.Static<typeof ActionBody>

export const PublishBody = Type.Object(
  {
    signature_required: Type.Optional(
      Type.Boolean({
        description:
          'true: the quote waits for the customer to sign (pending_signature) rather than being sent (sent). ' +
          'Either way it is published, and can be accepted or declined',
      }),
    ),
    comment,
  },
  { additionalProperties: false },
)
export type PublishBody = Type.Static<typeof PublishBody>

export const HistoryEntry = Type.Object(
  {
    id: Uuid('UUID'),
    action: Type.String({
      description:
        'create, submit, approve, request-changes, publish, accept, decline, cancel, or expire (by Quoin, ' +
        'once the expiration date has passed)',
      examples: ['submit'],
    }),
    from: Type.Unsafe<QuoteStatus | null>({
      type: ['string', 'null'],
      enum: [...QUOTE_STATUSES, null],
      description: 'The status before; null for create',
    }),
    to: StringEnum(QUOTE_STATUSES, { description: 'The status after' }),
    user_id: Nullable(Uuid('The user the token acted as, if any')),
    token_id: Nullable(Uuid('The token that made the change; null when Quoin did (expire)')),
    comment: Nullable(Type.String({ description: 'The note sent with the action' })),
    at: Timestamp('When, ISO 8601 UTC, second precision'),
  },
  { title: 'QuoteHistoryEntry' },
)
export type HistoryEntry = Type.Static<typeof HistoryEntry>

export const APPROVAL_STATUSES = ['pending', 'approved', 'changes_requested', 'superseded'] as const

export const Approval = Type.Object(
  {
    id: Uuid('UUID'),
    rule_id: Nullable(
      Uuid('The approval rule it comes from; null for the built-in floor rule or a deleted rule'),
    ),
    rule_name: Type.String({ description: 'The rule, as named when the quote was submitted' }),
    step: Type.Integer({
      minimum: 1,
      description: "Its place among the quote's approvals: they are decided in this order",
    }),
    step_name: Nullable(Type.String({ description: 'The step, as named in its rule' })),
    approver_role: StringEnum(APPROVER_ROLES, {
      description: 'manager: decided by a manager or an admin; admin: by an admin',
    }),
    approver_user_id: Nullable(Uuid('The one user who decides it, when its step names one')),
    status: StringEnum(APPROVAL_STATUSES, {
      description:
        'pending, approved, changes_requested, or superseded (the quote was submitted again, changes ' +
        'were requested on another step, or the quote was canceled)',
    }),
    decided_by: Nullable(Uuid('The user who decided it')),
    decided_at: Nullable(Timestamp()),
    comment: Nullable(Type.String({ description: 'The note sent with the decision' })),
    created_at: Timestamp('When the quote was submitted'),
  },
  { title: 'QuoteApproval' },
)
export type Approval = Type.Static<typeof Approval>
