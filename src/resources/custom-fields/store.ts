import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet, jsonHasKey, nowIso } from '../../db/dialect.ts'
import type { CustomFieldTable, Database } from '../../db/types.ts'
import { ApiError } from '../../http/errors.ts'
import { listBinding, type PageResult, paginate } from '../../http/pagination.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { stamps, updateLive, versioned } from '../../kernel/store.ts'
import { apiNames } from '../../kernel/unique.ts'
import type { WriteContext } from '../../kernel/write.ts'
import type { CustomObject } from './check.ts'
import type { CustomField, CustomFieldCreate, CustomFieldListQuery, CustomFieldPatch } from './schema.ts'

type FieldRow = Selectable<CustomFieldTable>

/** The wire object. */
export function toCustomField(row: FieldRow): Versioned<CustomField> {
  return versioned(
    {
      id: row.id,
      object: row.object,
      name: row.name,
      api_name: row.api_name,
      type: row.type,
      description: row.description,
      is_required: isSet(row.is_required),
      is_active: isSet(row.is_active),
      ...stamps(row),
    },
    row.version,
  )
}

function fieldRow(db: Kysely<Database>, workspaceId: string, id: string) {
  return db
    .selectFrom('custom_fields')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** One custom field of the workspace, or undefined. */
export async function findCustomField(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<Versioned<CustomField> | undefined> {
  const row = await fieldRow(db, workspaceId, id)
  return row && toCustomField(row)
}

/** A page of the workspace's custom fields, oldest first. */
export async function listCustomFields(
  db: Kysely<Database>,
  workspaceId: string,
  filters: CustomFieldListQuery,
): Promise<PageResult<CustomField>> {
  let query = db.selectFrom('custom_fields as t').selectAll('t').where('t.workspace_id', '=', workspaceId)
  if (filters.object !== undefined) query = query.where('t.object', '=', filters.object)
  if (filters.type !== undefined) query = query.where('t.type', '=', filters.type)
  if (filters.is_active !== undefined) query = query.where('t.is_active', '=', flag(filters.is_active))
  const page = await paginate(query, filters, 'created_at', listBinding('custom_fields', filters))
  return { ...page, rows: page.rows.map((row) => toCustomField(row).value) }
}

/** The api_names of each object: unique among the fields of that object in the workspace. */
const NAMES: Record<CustomObject, ReturnType<typeof apiNames>> = {
  customer: apiNames('custom_fields', 'custom field', { column: 'object', value: 'customer' }),
  quote: apiNames('custom_fields', 'custom field', { column: 'object', value: 'quote' }),
}

/** Creates a custom field; returns its id. */
export async function createCustomField(
  { trx, workspaceId }: WriteContext,
  input: CustomFieldCreate,
): Promise<string> {
  const names = NAMES[input.object]
  if (input.api_name !== undefined) {
    const holder = await names.holderOf(trx, workspaceId, input.api_name)
    if (holder) throw names.taken(input.api_name, holder)
  }
  const at = nowIso()
  const id = uuidv7()
  await names.withApiName(
    trx,
    workspaceId,
    { explicit: input.api_name, name: input.name },
    async (apiName) => {
      await trx
        .insertInto('custom_fields')
        .values({
          id,
          workspace_id: workspaceId,
          object: input.object,
          name: input.name,
          api_name: apiName,
          type: input.type,
          description: input.description ?? null,
          is_required: flag(input.is_required ?? false),
          is_active: flag(input.is_active ?? true),
          created_at: at,
          updated_at: at,
        })
        .execute()
    },
  )
  return id
}

const FIXED = {
  object:
    'the records it belongs to are what its values are stored on: create a field on the other object instead',
  type: 'values already stored were checked as its type: create another field of the new type instead',
  api_name: 'values are stored under it: create another field instead',
} as const

/**
 * Applies a partial update. object, type and api_name never change: sent equal to what is stored they are
 * accepted (a GET sent back), else a 400 naming each and saying why. False if the field is absent.
 */
export async function updateCustomField(
  { trx, workspaceId }: WriteContext,
  id: string,
  patch: CustomFieldPatch,
): Promise<boolean> {
  const current = await fieldRow(trx, workspaceId, id)
  if (!current) return false
  const problems: string[] = []
  for (const key of ['object', 'type', 'api_name'] as const) {
    const sent = patch[key]
    if (sent !== undefined && sent !== current[key]) {
      problems.push(`Field '${key}' cannot change once the custom field is created: ${FIXED[key]}`)
    }
  }
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  const set: Record<string, unknown> = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.is_required !== undefined ? { is_required: flag(patch.is_required) } : {}),
    ...(patch.is_active !== undefined ? { is_active: flag(patch.is_active) } : {}),
  }
  return updateLive(trx, 'custom_fields', workspaceId, id, set, { softDeleted: false })
}

/** How many live customers, and quotes, hold a value of the field. */
async function holders(trx: Kysely<Database>, workspaceId: string, row: FieldRow): Promise<number> {
  const has = jsonHasKey(trx, 'custom_properties', row.api_name)
  const query =
    row.object === 'customer'
      ? trx
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('workspace_id', '=', workspaceId)
          .where('deleted_at', 'is', null)
          .where(has)
      : trx
          .selectFrom('quotes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('workspace_id', '=', workspaceId)
          .where(has)
  return Number((await query.executeTakeFirstOrThrow()).n)
}

/**
 * Deletes the custom field for good, unless records hold a value of it (409 saying how many: remove the
 * values, or deactivate the field instead). False if it is absent.
 */
export async function deleteCustomField({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const current = await fieldRow(trx, workspaceId, id)
  if (!current) return false
  const n = await holders(trx, workspaceId, current)
  if (n > 0) {
    const noun = current.object === 'customer' ? ['customer', 'customers'] : ['quote', 'quotes']
    throw new ApiError(
      'conflict',
      `Custom field is used by ${n} ${noun[n === 1 ? 0 : 1]}: remove ${n === 1 ? 'its value' : 'their values'} ` +
        `first (custom_properties {"${current.api_name}": null}), or deactivate the field instead ` +
        '(PATCH {"is_active": false})',
    )
  }
  const result = await trx
    .deleteFrom('custom_fields')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
