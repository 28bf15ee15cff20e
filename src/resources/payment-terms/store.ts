import { isDeepStrictEqual } from 'node:util'
import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, nowIso } from '../../db/dialect.ts'
import type { Database, PaymentTermInstallmentTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import {
  type InstallmentInput,
  installmentProblems,
  orderNumberOf,
  storedPercentage,
} from '../../domain/installments.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageRequest, type PageResult, paginate } from '../../http/pagination.ts'
import { refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import { alreadyUsed, holderOf, writingUnique } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { paymentTerms } from './resource.ts'
import type { PaymentTerm, PaymentTermCreate, PaymentTermListQuery, PaymentTermUpdate } from './schema.ts'

type TermRow = Selectable<Database['payment_terms']>
type InstallmentRow = Selectable<PaymentTermInstallmentTable>
type Installment = PaymentTerm['installments'][number]

/** What a term gets when it is created without installments. */
const DEFAULT_INSTALLMENT: InstallmentInput = {
  name: 'Full Payment',
  percentage: 100,
  term: 'due_on_receipt',
}

const DELETE_ADVICE =
  'deactivate it instead (PUT /api/payment-terms/{id} with {"is_active": false}): an inactive term is hidden ' +
  'from new uses and stays on the records that use it'

function toInstallment(row: InstallmentRow): Installment {
  return {
    id: row.id,
    name: row.name,
    percentage: Number(row.percentage),
    term: row.term as Installment['term'],
    custom_text: row.custom_text,
    order_number: row.order_number,
  }
}

function toPaymentTerm(row: TermRow, installments: Installment[]): Versioned<PaymentTerm> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      api_name: row.api_name,
      reference: row.reference,
      is_active: isSet(row.is_active),
      id_crm: row.id_crm,
      id_erp: row.id_erp,
      id_accounting: row.id_accounting,
      installments,
      ...stamps(row),
    },
    row.version,
  )
}

/** The installments of these terms, each list by order_number, in one statement. */
async function installmentsOf(
  db: Kysely<Database>,
  workspaceId: string,
  termIds: readonly string[],
): Promise<Map<string, Installment[]>> {
  const byTerm = new Map<string, Installment[]>(termIds.map((id) => [id, []]))
  if (termIds.length === 0) return byTerm
  const rows = await db
    .selectFrom('payment_term_installments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('payment_term_id', 'in', termIds)
    .orderBy('order_number')
    .orderBy('position')
    .execute()
  for (const row of rows) byTerm.get(row.payment_term_id)?.push(toInstallment(row))
  return byTerm
}

/** One payment term of the workspace with its installments, or undefined. */
export async function findPaymentTerm(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<PaymentTerm> | undefined> {
  if (!isUuid(id)) return undefined
  const row = await db
    .selectFrom('payment_terms')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst()
  if (!row) return undefined
  const installments = await installmentsOf(db, workspaceId, [row.id])
  return toPaymentTerm(row, installments.get(row.id) ?? [])
}

/** A page of the workspace's payment terms, oldest first (the default Net 30 leads), with their installments. */
export async function listPaymentTerms(
  db: Kysely<Database>,
  workspaceId: string,
  filters: Omit<PaymentTermListQuery, 'limit' | 'cursor'>,
  page: PageRequest,
): Promise<PageResult<PaymentTerm>> {
  let query = db.selectFrom('payment_terms as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const result = await paginate(query, page, 'created_at', listBinding('payment_terms', filters))
  const installments = await installmentsOf(
    db,
    workspaceId,
    result.rows.map((row) => row.id),
  )
  return {
    ...result,
    rows: result.rows.map((row) => toPaymentTerm(row, installments.get(row.id) ?? []).value),
  }
}

/** Refuses, before any write, installments that break a rule the schema cannot express (400). */
export function checkInstallments<B extends { installments?: InstallmentInput[] }>(body: B): B {
  if (body.installments === undefined) return body
  const problems = installmentProblems(body.installments)
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  return body
}

/** 409 when another term of the workspace has this api_name. */
async function refuseTakenApiName(
  trx: Kysely<Database>,
  workspaceId: string,
  apiName: string,
  self?: string,
) {
  const holder = await holderOf(trx, 'payment_terms', workspaceId, 'api_name', apiName, { except: self })
  if (holder) throw alreadyUsed('api_name', apiName, 'payment term', holder)
}

/** Runs a write of the api_name: one a concurrent write took meanwhile is the same 409 as one seen taken. */
const writingApiName = <T>(apiName: string | undefined, write: () => Promise<T>): Promise<T> =>
  writingUnique(
    { table: 'payment_terms', column: 'api_name', field: 'api_name', noun: 'payment term', value: apiName },
    write,
  )

/** The installments as stored: ids kept where given, order_number defaulted to the position. */
function installmentRows(
  workspaceId: string,
  termId: string,
  installments: readonly (InstallmentInput & { id?: string })[],
): InstallmentRow[] {
  return installments.map((item, position) => ({
    id: item.id?.toLowerCase() ?? uuidv7(),
    workspace_id: workspaceId,
    payment_term_id: termId,
    position,
    name: item.name ?? null,
    percentage: storedPercentage(item.percentage),
    term: item.term,
    custom_text: item.custom_text ?? null,
    order_number: orderNumberOf(item, position),
  }))
}

/** Creates a payment term with its installments (one of 100 at due_on_receipt when none are given). */
export async function createPaymentTerm(
  { trx, workspaceId }: WriteContext,
  input: PaymentTermCreate,
): Promise<string> {
  await refuseTakenApiName(trx, workspaceId, input.api_name)
  const at = nowIso()
  const id = uuidv7()
  await writingApiName(input.api_name, () =>
    trx
      .insertInto('payment_terms')
      .values({
        id,
        workspace_id: workspaceId,
        name: input.name,
        api_name: input.api_name,
        reference: input.reference ?? null,
        is_active: flag(input.is_active ?? true),
        id_crm: input.id_crm ?? null,
        id_erp: input.id_erp ?? null,
        id_accounting: input.id_accounting ?? null,
        created_at: at,
        updated_at: at,
      })
      .execute(),
  )
  const rows = installmentRows(workspaceId, id, input.installments ?? [DEFAULT_INSTALLMENT])
  await trx.insertInto('payment_term_installments').values(rows).execute()
  return id
}

/**
 * The stored rows that replace the term's installments, or undefined when they would change nothing (every
 * installment sent back as it is, ids included). An id must name one of the term's installments, once.
 */
async function replacement(
  trx: Kysely<Database>,
  workspaceId: string,
  termId: string,
  sent: NonNullable<PaymentTermUpdate['installments']>,
): Promise<InstallmentRow[] | undefined> {
  const current = (await installmentsOf(trx, workspaceId, [termId])).get(termId) ?? []
  const known = new Set(current.map((i) => i.id))
  const problems: string[] = []
  const seen = new Map<string, number>()
  sent.forEach((item, i) => {
    if (item.id === undefined) return
    const id = item.id.toLowerCase()
    const first = seen.get(id)
    if (!known.has(id))
      problems.push(`Field 'installments[${i}].id' does not name an installment of this payment term`)
    else if (first !== undefined) {
      problems.push(`Field 'installments[${i}].id' repeats the id of installments[${first}]`)
    } else seen.set(id, i)
  })
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  const rows = installmentRows(workspaceId, termId, sent)
  const after = rows.map(toInstallment).sort((a, b) => a.order_number - b.order_number)
  return isDeepStrictEqual(after, current) ? undefined : rows
}

/**
 * Applies a partial update: omitted fields stay, null clears reference and the external ids, installments
 * (when sent) replace them all. A change of the installments alone moves updated_at and the version too.
 * False if the term is absent.
 */
export async function updatePaymentTerm(
  { trx, workspaceId }: WriteContext,
  id: string,
  patch: PaymentTermUpdate,
): Promise<boolean> {
  const { installments, is_active, ...fields } = patch
  if (fields.api_name !== undefined) await refuseTakenApiName(trx, workspaceId, fields.api_name, id)
  const set: Record<string, unknown> = { ...fields }
  if (is_active !== undefined) set.is_active = flag(is_active)
  // updateLive writes only what differs: a GET sent back whole changes nothing, not even the version.
  const rows = installments && (await replacement(trx, workspaceId, id, installments))
  const found = await writingApiName(fields.api_name, () =>
    updateLive(trx, 'payment_terms', workspaceId, id, set, { softDeleted: false, touch: rows !== undefined }),
  )
  if (!found || !rows) return found
  await trx
    .deleteFrom('payment_term_installments')
    .where('workspace_id', '=', workspaceId)
    .where('payment_term_id', '=', id)
    .execute()
  await trx.insertInto('payment_term_installments').values(rows).execute()
  return true
}

/**
 * Deletes the term and its installments for good, unless records use it (409 naming them, see the
 * descriptor's usedBy). False if it is absent.
 */
export async function deletePaymentTerm({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  // The kernel locked the term (PostgreSQL): a write that would start using it waits for this transaction.
  await refuseIfUsed(trx, workspaceId, paymentTerms, id, DELETE_ADVICE)
  // Its installments go with it (on delete cascade).
  return deleteRecord(trx, 'payment_terms', workspaceId, id)
}
