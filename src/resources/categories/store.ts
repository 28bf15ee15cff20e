import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, idEquals, isForeignKeyViolation, isPostgres, isSet, nowIso } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { deleteRecord, stamps, updateLive, versioned } from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import type { Category, CategoryCreate, CategoryListQuery, CategoryPatch } from './schema.ts'

const NO_SUCH_PARENT = "Field 'parent_id' does not name a category of this workspace"
const SELF_PARENT = "Field 'parent_id' names the category itself: a category cannot be under itself"
const CYCLE =
  "Field 'parent_id' names one of the category's own subcategories: a category cannot be under its descendants"

const invalid = (detail: string) => new ApiError('validation_failed', 'Validation error', [detail])

function selectCategories(db: Kysely<Database>) {
  return db.selectFrom('categories as t').selectAll('t')
}

type CategoryRow = Awaited<ReturnType<ReturnType<typeof selectCategories>['execute']>>[number]

export function toCategory(row: CategoryRow): Versioned<Category> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      parent_id: row.parent_id,
      description: row.description,
      is_active: isSet(row.is_active),
      ...stamps(row),
    },
    row.version,
  )
}

/** One category of the workspace, or undefined. */
export async function findCategory(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<Category> | undefined> {
  const row = await selectCategories(db)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst()
  return row && toCategory(row)
}

/** A page of the workspace's categories, oldest first, optionally those under one parent or (in)active. */
export async function listCategories(
  db: Kysely<Database>,
  workspaceId: string,
  filters: CategoryListQuery,
): Promise<PageResult<Category>> {
  let query = selectCategories(db).where('t.workspace_id', '=', workspaceId)
  if (filters.parent_id !== undefined) query = query.where(idEquals('t.parent_id', filters.parent_id))
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const page = await paginate(query, filters, 'created_at', listBinding('categories', filters))
  return { ...page, rows: page.rows.map((row) => toCategory(row).value) }
}

/**
 * One category of the workspace and its parent, read in the write's transaction; on PostgreSQL locked
 * (shared) so that it cannot be moved or deleted until the write commits.
 */
function lockedNode(trx: Kysely<Database>, workspaceId: string, id: string) {
  return trx
    .selectFrom('categories')
    .select(['id', 'parent_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .$if(isPostgres(trx), (q) => q.forShare())
    .executeTakeFirst()
}

/** The parent a write names, checked: a category of the workspace. Its id as stored, or null. */
async function checkedParent(
  trx: Kysely<Database>,
  workspaceId: string,
  parentId: string | null | undefined,
): Promise<string | null> {
  if (parentId === null || parentId === undefined) return null
  if (!isUuid(parentId)) throw invalid(NO_SUCH_PARENT)
  const parent = await lockedNode(trx, workspaceId, parentId.toLowerCase())
  if (!parent) throw invalid(NO_SUCH_PARENT)
  return parent.id
}

/**
 * Refuses to put category `id` under `parentId` when that is the category itself or one of its
 * descendants: walks up from the new parent to the root. On PostgreSQL each category of the way is locked
 * (shared) before it is read: two moves that would together make a cycle each need a row the other holds
 * (the moved category is locked for update), so the database aborts one, and its retry sees the other.
 */
async function refuseCycle(trx: Kysely<Database>, workspaceId: string, id: string, parentId: string) {
  if (parentId === id) throw invalid(SELF_PARENT)
  const seen = new Set<string>()
  let current: string | null = parentId
  while (current !== null && !seen.has(current)) {
    if (current === id) throw invalid(CYCLE)
    seen.add(current)
    const node = await lockedNode(trx, workspaceId, current)
    current = node?.parent_id ?? null
  }
}

/** Runs a category write; a parent deleted between the check and the write is the same 400. */
async function writingCategory<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (isForeignKeyViolation(err)) throw invalid(NO_SUCH_PARENT)
    throw err
  }
}

/** Creates a category; returns its id. */
export async function createCategory(
  { trx, workspaceId }: WriteContext,
  input: CategoryCreate,
): Promise<string> {
  const parentId = await checkedParent(trx, workspaceId, input.parent_id)
  const at = nowIso()
  const id = uuidv7()
  await writingCategory(() =>
    trx
      .insertInto('categories')
      .values({
        id,
        workspace_id: workspaceId,
        name: input.name,
        parent_id: parentId,
        description: input.description ?? null,
        is_active: flag(input.is_active ?? true),
        created_at: at,
        updated_at: at,
      })
      .execute(),
  )
  return id
}

/** Applies a partial update: omitted fields stay, null clears. False if the category is absent. */
export async function updateCategory({ trx, workspaceId }: WriteContext, id: string, patch: CategoryPatch) {
  let parent: { parent_id: string | null } | undefined
  if (patch.parent_id !== undefined) {
    const parentId = await checkedParent(trx, workspaceId, patch.parent_id)
    if (parentId !== null) await refuseCycle(trx, workspaceId, id, parentId)
    parent = { parent_id: parentId }
  }
  const set = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...parent,
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.is_active !== undefined ? { is_active: flag(patch.is_active) } : {}),
  }
  return writingCategory(() => updateLive(trx, 'categories', workspaceId, id, set, { softDeleted: false }))
}

/**
 * Deletes the category for good, unless categories are under it (409). Products that carry it lose it
 * (their version moves, no event is recorded for them). False if it is absent.
 */
export async function deleteCategory({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  // The kernel locked the category's row (PostgreSQL): a concurrent write that puts a category under it
  // waits for this transaction (its foreign key check), and the read below sees every one committed.
  const children = await trx
    .selectFrom('categories')
    .select('name')
    .where('workspace_id', '=', workspaceId)
    .where('parent_id', '=', id)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  if (children.length > 0) {
    const n = children.length
    const them = n === 1 ? 'it' : 'them'
    const shown = children.slice(0, 3).map((c) => `"${c.name}"`)
    const names = n > 3 ? `${shown.join(', ')} and ${n - 3} more` : shown.join(', ')
    throw new ApiError(
      'conflict',
      `Category has ${n} ${n === 1 ? 'subcategory' : 'subcategories'} (${names}): delete ${them} or move ${them} ` +
        'under another category first',
    )
  }
  const carriers = trx
    .selectFrom('product_categories')
    .select('product_id')
    .where('workspace_id', '=', workspaceId)
    .where('category_id', '=', id)
  await trx
    .updateTable('products')
    .set({ updated_at: nowIso() })
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', carriers)
    .execute()
  await trx
    .deleteFrom('product_categories')
    .where('workspace_id', '=', workspaceId)
    .where('category_id', '=', id)
    .execute()
  // A product write that gives it meanwhile waits on the lock (its foreign key check), then fails.
  return deleteRecord(trx, 'categories', workspaceId, id)
}
