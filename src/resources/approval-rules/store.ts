import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { ApprovalRuleTable, Database } from '../../db/types.ts'
import {
  type Condition as ConditionSpec,
  canDecide,
  conditionProblems,
  type Step,
} from '../../domain/approval-rules.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, updateLive, versioned } from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import type {
  ApprovalRule,
  ApprovalRuleCreate,
  ApprovalRuleListQuery,
  ApprovalRulePatch,
  Condition,
} from './schema.ts'

type RuleRow = Selectable<ApprovalRuleTable>
type StepInput = ApprovalRuleCreate['steps'][number]

export function toApprovalRule(row: RuleRow): Versioned<ApprovalRule> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      reference: row.reference,
      description: row.description,
      is_active: isSet(row.is_active),
      operator: row.operator,
      conditions: JSON.parse(row.conditions) as Condition[],
      steps: (JSON.parse(row.steps) as Step[]).map((s) => ({
        name: s.name,
        approver_role: s.approver_role,
        approver_user_id: s.approver_user_id ?? null,
      })),
      ...stamps(row),
    },
    row.version,
  )
}

/** One approval rule of the workspace, or undefined. */
export async function findApprovalRule(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<ApprovalRule> | undefined> {
  const row = await db
    .selectFrom('approval_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && toApprovalRule(row)
}

/** A page of the workspace's approval rules, oldest first (the order quotes meet them). */
export async function listApprovalRules(
  db: Kysely<Database>,
  workspaceId: string,
  filters: ApprovalRuleListQuery,
): Promise<PageResult<ApprovalRule>> {
  let query = db.selectFrom('approval_rules as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const page = await paginate(query, filters, 'created_at', listBinding('approval_rules', filters))
  return { ...page, rows: page.rows.map((row) => toApprovalRule(row).value) }
}

/** The workspace's active rules, oldest first: what a submitted quote is checked against. */
export async function activeApprovalRules(
  db: Kysely<Database>,
  workspaceId: string,
): Promise<ApprovalRule[]> {
  const rows = await db
    .selectFrom('approval_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('is_active', '=', flag(true))
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map((row) => toApprovalRule(row).value)
}

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)

/** The ids of `table` among `ids` that the workspace holds (live customers only). */
async function knownIds(
  trx: Kysely<Database>,
  workspaceId: string,
  table: 'customers' | 'segments' | 'users',
  ids: string[],
): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))]
  if (wanted.length === 0) return new Set()
  const rows = await trx
    .selectFrom(table)
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', wanted)
    .$if(table === 'customers', (q) => q.where(sqlDeletedAtIsNull))
    .execute()
  return new Set(rows.map((r) => r.id))
}

// biome-ignore lint/suspicious/noExplicitAny: the filter applies to customers only, whose table has deleted_at
const sqlDeletedAtIsNull = (eb: any) => eb('deleted_at', 'is', null)

/**
 * The conditions as stored (ids lower case, currency upper case), once each names records of the workspace
 * and makes sense for its field; else a 400 naming every condition at fault.
 */
async function checkedConditions(
  trx: Kysely<Database>,
  workspaceId: string,
  conditions: Condition[],
): Promise<Condition[]> {
  const problems = conditionProblems(conditions as ConditionSpec[])
  if (problems.length > 0) throw invalid(problems)
  const idsOf = (field: 'customer_id' | 'segment_id') =>
    conditions.filter((c) => c.field === field).flatMap((c) => [c.value as string | string[]].flat())
  const known = {
    customer_id: await knownIds(trx, workspaceId, 'customers', idsOf('customer_id')),
    segment_id: await knownIds(trx, workspaceId, 'segments', idsOf('segment_id')),
  }
  const stored = conditions.map((c, i) => {
    if (c.field !== 'customer_id' && c.field !== 'segment_id') {
      const currency = c.currency ? { currency: c.currency.toUpperCase() } : {}
      return { field: c.field, operator: c.operator, value: c.value, ...currency }
    }
    const noun = c.field === 'customer_id' ? 'customer' : 'segment'
    const check = (id: string, at: string) => {
      const lower = id.toLowerCase()
      if (!known[c.field as 'customer_id' | 'segment_id'].has(lower)) {
        problems.push(`Field '${at}' does not name a ${noun} of this workspace`)
      }
      return lower
    }
    const value = Array.isArray(c.value)
      ? [...new Set(c.value.map((id, j) => check(id, `conditions[${i}].value[${j}]`)))]
      : check(c.value as string, `conditions[${i}].value`)
    return { field: c.field, operator: c.operator, value }
  })
  if (problems.length > 0) throw invalid(problems)
  return stored
}

/** The steps as stored, once each named user is an active user of the workspace who may decide it. */
async function checkedSteps(trx: Kysely<Database>, workspaceId: string, steps: StepInput[]): Promise<Step[]> {
  const named = new Set(
    steps.flatMap((s) => (s.approver_user_id && isUuid(s.approver_user_id) ? [s.approver_user_id] : [])),
  )
  const users =
    named.size === 0
      ? []
      : await trx
          .selectFrom('users')
          .select(['id', 'role', 'status'])
          .where('workspace_id', '=', workspaceId)
          .where(
            'id',
            'in',
            [...named].map((id) => id.toLowerCase()),
          )
          .execute()
  const problems: string[] = []
  const stored = steps.map((s, i) => {
    const step: Step = { name: s.name.trim(), approver_role: s.approver_role }
    if (!s.approver_user_id) return { ...step, approver_user_id: null }
    const at = `steps[${i}].approver_user_id`
    const id = s.approver_user_id.toLowerCase()
    const user = users.find((u) => u.id === id)
    if (!user) problems.push(`Field '${at}' does not name a user of this workspace`)
    else if (user.status !== 'active') problems.push(`Field '${at}' names a user who is ${user.status}`)
    else if (!canDecide(user.role, s.approver_role)) {
      problems.push(
        `Field '${at}' names a user whose role (${user.role}) cannot decide ${s.approver_role === 'admin' ? 'an admin' : 'a manager'} step`,
      )
    }
    return { ...step, approver_user_id: id }
  })
  if (problems.length > 0) throw invalid(problems)
  return stored
}

const cleanReference = (value: string | null | undefined) => value?.trim() || null

/** Creates an approval rule; returns its id. */
export async function createApprovalRule(
  { trx, workspaceId }: WriteContext,
  input: ApprovalRuleCreate,
): Promise<string> {
  const conditions = await checkedConditions(trx, workspaceId, input.conditions ?? [])
  const steps = await checkedSteps(trx, workspaceId, input.steps)
  const at = nowIso()
  const id = uuidv7()
  await trx
    .insertInto('approval_rules')
    .values({
      id,
      workspace_id: workspaceId,
      name: input.name.trim(),
      reference: cleanReference(input.reference),
      description: input.description ?? null,
      is_active: flag(input.is_active ?? true),
      operator: input.operator ?? 'and',
      conditions: JSON.stringify(conditions),
      steps: JSON.stringify(steps),
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

/** Applies a partial update: omitted fields stay, null clears; conditions and steps are replaced whole. */
export async function updateApprovalRule(
  { trx, workspaceId }: WriteContext,
  id: string,
  patch: ApprovalRulePatch,
): Promise<boolean> {
  const set: Record<string, unknown> = {}
  if (patch.name !== undefined) set.name = patch.name.trim()
  if (patch.reference !== undefined) set.reference = cleanReference(patch.reference)
  if (patch.description !== undefined) set.description = patch.description
  if (patch.is_active !== undefined) set.is_active = flag(patch.is_active)
  if (patch.operator !== undefined) set.operator = patch.operator
  if (patch.conditions !== undefined) {
    set.conditions = JSON.stringify(await checkedConditions(trx, workspaceId, patch.conditions))
  }
  if (patch.steps !== undefined) set.steps = JSON.stringify(await checkedSteps(trx, workspaceId, patch.steps))
  return updateLive(trx, 'approval_rules', workspaceId, id, set, { softDeleted: false })
}

/**
 * Deletes the rule for good. Quotes it applied to keep their approvals, which name it (rule_name) but no
 * longer link to it.
 */
export async function deleteApprovalRule({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const result = await trx
    .deleteFrom('approval_rules')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
