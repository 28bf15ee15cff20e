import type { ExpressionBuilder, Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso } from '../../db/dialect.ts'
import { matches, searchTextAfter, segmentSearchText } from '../../db/search.ts'
import type { Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import { adviceByKind, refuseIfUsed } from '../../kernel/references.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { segments } from './resource.ts'
import type { Segment, SegmentCreate, SegmentListQuery, SegmentPatch } from './schema.ts'

/** The live customers of the segment `t`, counted in the statement that reads the segment. */
function customerCount(eb: ExpressionBuilder<Database & { t: Database['segments'] }, 't'>) {
  return eb
    .selectFrom('customers as c')
    .select((c) => c.fn.countAll<number>().as('n'))
    .whereRef('c.workspace_id', '=', 't.workspace_id')
    .whereRef('c.segment_id', '=', 't.id')
    .where('c.deleted_at', 'is', null)
    .as('customer_count')
}

/** The segments table aliased `t`, with its customer count: one statement per segment or page. */
function selectSegments(db: Kysely<Database>) {
  return db.selectFrom('segments as t').selectAll('t').select(customerCount)
}

type SegmentRow = Awaited<ReturnType<ReturnType<typeof selectSegments>['execute']>>[number]

export function toSegment(row: SegmentRow): Versioned<Segment> {
  return versioned(
    {
      id: row.id,
      workspace_id: row.workspace_id,
      name: row.name,
      reference: row.reference,
      description: row.description,
      customer_count: Number(row.customer_count ?? 0),
      ...stamps(row),
    },
    row.version,
  )
}

/** A reference is trimmed; a blank one is no reference. */
function cleanReference(value: string | null | undefined): string | null {
  return value?.trim() || null
}

/** One segment of the workspace with its customer count, or undefined. */
export async function findSegment(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Segment> | undefined> {
  const row = await selectSegments(db)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst()
  return row && toSegment(row)
}

/** Whether a segment with this id exists in the workspace. */
export async function segmentExists(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false
  const row = await db
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row !== undefined
}

/** A page of the workspace's segments, oldest first, optionally those whose name or reference contains `q`. */
export async function listSegments(
  db: Kysely<Database>,
  workspaceId: string,
  filters: SegmentListQuery,
): Promise<PageResult<Segment>> {
  let query = selectSegments(db).where('t.workspace_id', '=', workspaceId)
  if (filters.q !== undefined) query = query.where(await matches(db, 'segments', filters.q))
  const page = await paginate(query, filters, 'created_at', listBinding('segments', filters))
  return { ...page, rows: page.rows.map((row) => toSegment(row).value) }
}

/** Creates a segment; returns its id. */
export async function createSegment(
  { trx, workspaceId }: WriteContext,
  input: SegmentCreate,
): Promise<string> {
  const at = nowIso()
  const id = uuidv7()
  const row = {
    name: input.name.trim(),
    reference: cleanReference(input.reference),
    description: input.description ?? null,
  }
  await trx
    .insertInto('segments')
    .values({
      id,
      workspace_id: workspaceId,
      ...row,
      search_text: segmentSearchText(row),
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

/** Applies a partial update: omitted fields stay, null clears. False if the segment is absent. */
export async function updateSegment({ trx, workspaceId }: WriteContext, id: string, patch: SegmentPatch) {
  const set = {
    ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
    ...(patch.reference !== undefined ? { reference: cleanReference(patch.reference) } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
  }
  const searched = await searchTextAfter(trx, 'segments', workspaceId, id, set)
  if (searched === undefined) return false
  return updateLive(trx, 'segments', workspaceId, id, { ...set, ...searched }, { softDeleted: false })
}

const IN_USE_ADVICE = adviceByKind(
  {
    customers: [
      'move it to another segment or clear its segment_id first',
      'move them to another segment or clear their segment_id first',
    ],
    pricebook_segments: [
      'take it out of its segment_ids (or delete it) first',
      'take it out of their segment_ids (or delete them) first',
    ],
  },
  'move the customers to another segment or clear their segment_id, and take it out of the segment_ids of the pricebooks, first',
)

/**
 * Deletes the segment for good, unless live customers or pricebooks use it (409). Deleted customers that
 * still point at it lose their segment_id (a restored customer comes back without a segment). False if it
 * is absent.
 */
export async function deleteSegment({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  // The kernel locked the segment's row (PostgreSQL): a concurrent write that points a customer here waits
  // for this transaction, and the count runs as a statement of its own, so it sees every customer committed.
  await refuseIfUsed(trx, workspaceId, segments, id, IN_USE_ADVICE)
  await trx
    .updateTable('customers')
    .set({ segment_id: null, updated_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', id)
    .where('deleted_at', 'is not', null)
    .execute()
  return deleteRecord(trx, 'segments', workspaceId, id)
}
