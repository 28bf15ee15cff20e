import Type from 'typebox'
import {
  APPROVER_ROLES,
  CONDITION_FIELDS,
  CONDITION_OPERATORS,
  MAX_IN_VALUES,
} from '../../domain/approval-rules.ts'
import { PageParams } from '../../http/pagination.ts'
import { ReadOnly } from '../../http/read-only.ts'
import { Nullable, Ref, StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export const MAX_CONDITIONS = 20
export const MAX_STEPS = 10

const FIELD =
  'discount_percent: the largest line discount (percent of its list amount; a unit price override under ' +
  'list counts) or quote discount (percent of the subtotal); below_floor: some line is priced under its ' +
  'floor price; total_amount: the quote total, in the quote currency; margin_percent: (net − cost × ' +
  'quantity) / net × 100 over the lines with a cost; customer_id, segment_id: the quote customer and its segment'
const OPERATOR =
  'gt, gte, lt, lte, eq for discount_percent, total_amount and margin_percent; eq for below_floor; eq or ' +
  'in for customer_id and segment_id'
const VALUE =
  'A number for the percent and amount fields, true or false for below_floor, an id (eq) or a list of ids ' +
  `(in, 1 to ${MAX_IN_VALUES}) for customer_id and segment_id`
const CURRENCY = 'total_amount only: the condition holds for quotes in this currency only (ISO 4217 code)'

const ConditionValue = Type.Union(
  [
    Type.Number(),
    Type.Boolean(),
    Type.String({ minLength: 1, maxLength: 255 }),
    Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: MAX_IN_VALUES }),
  ],
  { description: VALUE, examples: [15] },
)

export const Condition = Type.Object(
  {
    field: StringEnum(CONDITION_FIELDS, { description: FIELD, examples: ['discount_percent'] }),
    operator: StringEnum(CONDITION_OPERATORS, { description: OPERATOR, examples: ['gt'] }),
    value: ConditionValue,
    currency: Type.Optional(
      Nullable(Type.String({ pattern: '^[A-Za-z]{3}$', description: CURRENCY, examples: ['EUR'] })),
    ),
  },
  { additionalProperties: false },
)
export type Condition = Type.Static<typeof Condition>

const ROLE = 'Who decides the step: manager (a manager or an admin) or admin (an admin only)'

export const Step = Type.Object(
  {
    name: Type.String({ description: 'Name of the step', examples: ['Sales manager'] }),
    approver_role: StringEnum(APPROVER_ROLES, { description: ROLE }),
    approver_user_id: Nullable(Uuid('The one user who decides the step, or null: any user of the role')),
  },
  { additionalProperties: false },
)

const StepInput = Type.Object(
  {
    name: Text(255, 'Name of the step; stored trimmed', { examples: ['Sales manager'] }),
    approver_role: StringEnum(APPROVER_ROLES, {
      description: ROLE,
      'x-required-hint': '(manager | admin)',
    }),
    approver_user_id: Type.Optional(
      Nullable(
        Ref(
          'A user of the workspace who alone decides the step: active, with the role the step asks for ' +
            '(an admin for an admin step; a manager or an admin for a manager step)',
        ),
      ),
    ),
  },
  { additionalProperties: false },
)

export const ApprovalRule = Type.Object(
  {
    id: Uuid('UUID'),
    name: Type.String({ description: 'Rule name', examples: ['Discount over 20 %'] }),
    reference: Nullable(Type.String({ description: 'Internal reference', examples: ['APR-1'] })),
    description: Nullable(Type.String({ description: 'Internal description' })),
    is_active: Type.Boolean({ description: 'Whether quotes are checked against the rule' }),
    operator: StringEnum(['and', 'or'] as const, {
      description: 'and: every condition must hold; or: one is enough',
    }),
    conditions: Type.Array(Condition, {
      description: 'What a quote must meet for the rule to apply; none: every quote',
    }),
    steps: Type.Array(Step, { description: 'The approvals a matching quote needs, in order' }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { title: 'ApprovalRule' },
)
export type ApprovalRule = Type.Static<typeof ApprovalRule>

const fields = {
  name: Text(255, 'Rule name; stored trimmed', { examples: ['Discount over 20 %'] }),
  reference: Nullable(
    Type.String({ maxLength: 100, description: 'Internal reference; stored trimmed, blank stores null' }),
  ),
  description: Nullable(Type.String({ maxLength: 2000, description: 'Internal description' })),
  is_active: Type.Boolean({ description: 'Whether quotes are checked against the rule; true when omitted' }),
  operator: StringEnum(['and', 'or'] as const, {
    description: 'and (when omitted): every condition must hold; or: one is enough',
  }),
  conditions: Type.Array(Condition, {
    maxItems: MAX_CONDITIONS,
    description: `What a quote must meet, at most ${MAX_CONDITIONS}; none (the default): every quote`,
  }),
  steps: Type.Array(StepInput, {
    minItems: 1,
    maxItems: MAX_STEPS,
    description: `The approvals a matching quote needs, decided in order: 1 to ${MAX_STEPS}`,
  }),
}

export const ApprovalRuleCreate = Type.Object(
  {
    name: fields.name,
    reference: Type.Optional(fields.reference),
    description: Type.Optional(fields.description),
    is_active: Type.Optional(fields.is_active),
    operator: Type.Optional(fields.operator),
    conditions: Type.Optional(fields.conditions),
    steps: fields.steps,
  },
  { additionalProperties: false },
)
export type ApprovalRuleCreate = Type.Static<typeof ApprovalRuleCreate>

/** What a PATCH may send back unchanged from a GET. */
export const APPROVAL_RULE_READ_ONLY = ['id', 'created_at', 'updated_at'] as const

export const ApprovalRulePatch = Type.Object(
  {
    name: Type.Optional(fields.name),
    reference: Type.Optional(fields.reference),
    description: Type.Optional(fields.description),
    is_active: Type.Optional(fields.is_active),
    operator: Type.Optional(fields.operator),
    conditions: Type.Optional(fields.conditions),
    steps: Type.Optional(fields.steps),
    ...ReadOnly(...APPROVAL_RULE_READ_ONLY),
  },
  { additionalProperties: false },
)
export type ApprovalRulePatch = Omit<
  Type.Static<typeof ApprovalRulePatch>,
  (typeof APPROVAL_RULE_READ_ONLY)[number]
>

export const ApprovalRuleListQuery = Type.Object(
  {
    ...PageParams,
    is_active: Type.Optional(
      Type.Boolean({ description: 'Only the active rules (true) or the inactive ones (false)' }),
    ),
  },
  { additionalProperties: false },
)
export type ApprovalRuleListQuery = Type.Static<typeof ApprovalRuleListQuery>
