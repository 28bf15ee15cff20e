import { defineResource } from '../../kernel/resource.ts'

/** The rules that decide which quotes need approval, and by whom (Qwoty §4.10: Workflow → Approvals). */
export const approvalRules = defineResource({
  name: 'approval_rules',
  scope: 'settings',
  noun: 'Approval rule',
  event: 'approval_rule',
  table: 'approval_rules',
  versioned: true,
  softDeleted: false,
  routes: async () => (await import('./routes.ts')).approvalRuleRoutes,
  sample: {
    create: async ({ call }) =>
      (
        await call('POST', '/api/approval-rules', {
          name: 'Owner-only deep discount',
          // Over 90 %: no sample quote matches it, so the samples made after it go through without approval.
          conditions: [{ field: 'discount_percent', operator: 'gt', value: 90 }],
          steps: [{ name: 'Sales manager', approver_role: 'manager' }],
        })
      ).body.data.id,
    // Names the owner's customer, which is unknown to another workspace: a 400.
    intrusion: {
      body: (ids) => ({
        name: 'Mine',
        conditions: [{ field: 'customer_id', operator: 'in', value: [ids.customers] }],
        steps: [{ name: 'Admin', approver_role: 'admin' }],
      }),
      status: 400,
    },
    patch: { name: 'Taken over', is_active: false },
  },
})
