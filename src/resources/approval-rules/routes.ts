import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { approvalRules } from './resource.ts'
import {
  APPROVAL_RULE_READ_ONLY,
  ApprovalRule,
  ApprovalRuleCreate,
  ApprovalRuleListQuery,
  ApprovalRulePatch,
} from './schema.ts'
import {
  createApprovalRule,
  deleteApprovalRule,
  findApprovalRule,
  listApprovalRules,
  updateApprovalRule,
} from './store.ts'

const RULES =
  'A quote submitted (POST /api/quotes/{id}/submit) is checked against every active rule, oldest first; ' +
  'each rule that matches adds its steps to the approvals the quote needs, decided one after the other by ' +
  'a user of the step’s role (or the one user it names). `conditions` are combined by `operator` (and: ' +
  'all, or: one); a rule without conditions matches every quote. Each field takes its own operators: ' +
  'gt, gte, lt, lte, eq for discount_percent, total_amount (optionally in one `currency`) and ' +
  'margin_percent; eq (true or false) for below_floor; eq (an id) or in (a list of ids) for customer_id ' +
  'and segment_id. A line priced under its floor always needs a manager’s approval, even when no rule ' +
  'matches (the built-in rule "Unit price below floor").'

export const approvalRuleRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, approvalRules, {
    path: '/api/approval-rules',
    tag: 'Approval rules',
    item: ApprovalRule,
    find: findApprovalRule,
    list: {
      summary: 'List approval rules',
      description:
        "The workspace's approval rules, oldest first (the order quotes meet them), a page at a time; " +
        '`is_active` keeps the active or the inactive ones. Qwoty manages approval rules in its interface ' +
        "only (Workflow → Approvals); these endpoints are Quoin's. Needs `settings:read`.",
      query: ApprovalRuleListQuery,
      fetch: listApprovalRules,
    },
    get: {
      summary: 'Get an approval rule',
      description: 'Retrieve a specific approval rule by ID',
    },
    create: {
      summary: 'Create an approval rule',
      description: `Creates a rule, active unless \`is_active\` is false. ${RULES} Needs \`settings:write\`.`,
      body: ApprovalRuleCreate,
      write: createApprovalRule,
    },
    update: {
      summary: 'Update an approval rule',
      description:
        'Changes the fields given and leaves the others as they are; `conditions` and `steps` are replaced ' +
        `whole. Quotes already submitted keep the approvals they were given. ${RULES}`,
      body: ApprovalRulePatch,
      readOnly: APPROVAL_RULE_READ_ONLY,
      write: updateApprovalRule,
    },
    remove: {
      summary: 'Delete an approval rule',
      description:
        'Deletes the rule for good. Quotes it applied to keep their approvals (which show its name); ' +
        'deactivate it instead with PATCH {"is_active": false} to keep it for later.',
      message: 'Approval rule deleted successfully',
      write: deleteApprovalRule,
    },
  })
}
