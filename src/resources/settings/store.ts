import type { Kysely, Selectable } from 'kysely'
import type { Database, WorkspaceTable } from '../../db/types.ts'
import { patternProblems, resetProblems } from '../../domain/quote-numbers.ts'
import { ApiError } from '../../http/errors.ts'
import type { Versioned } from '../../kernel/resource.ts'
import { versioned } from '../../kernel/store.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { peekNumber } from './numbers.ts'
import { countryCode } from './rules.ts'
import type { Settings, SettingsPatch } from './schema.ts'

type WorkspaceRow = Selectable<WorkspaceTable>

/** The columns a PATCH may change, by their wire names (the same as the columns'). */
const WRITABLE = [
  'name',
  'quote_number_pattern',
  'quote_number_reset',
  'quote_number_reset_start',
  'quote_validity_days',
  'order_number_pattern',
  'tax_id_validation',
  'default_country',
] as const

function toSettings(row: WorkspaceRow, nextQuoteNumber: string): Versioned<Settings> {
  return versioned(
    {
      id: row.id,
      name: row.name,
      quote_number_pattern: row.quote_number_pattern,
      quote_number_reset: row.quote_number_reset,
      quote_number_reset_start: Number(row.quote_number_reset_start),
      quote_validity_days: Number(row.quote_validity_days),
      order_number_pattern: row.order_number_pattern,
      tax_id_validation: row.tax_id_validation,
      default_country: row.default_country,
      next_quote_number: nextQuoteNumber,
    },
    Number(row.version),
  )
}

function workspaceRow(db: Kysely<Database>, workspaceId: string) {
  return db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirst()
}

/** The workspace's settings, with the quote number a quote created `at` would get; undefined if it is gone. */
export async function findSettings(
  db: Kysely<Database>,
  workspaceId: string,
  at: Date = new Date(),
): Promise<Versioned<Settings> | undefined> {
  const row = await workspaceRow(db, workspaceId)
  return row && toSettings(row, await peekNumber(db, workspaceId, 'quote', at))
}

/**
 * Applies `patch` to the workspace's settings, in the write `w` that has locked its row, writing only what
 * differs (a GET sent back moves neither the version nor records an event); a 400 naming every field that is
 * wrong; false when the workspace is gone.
 */
export async function updateSettings(w: WriteContext, patch: SettingsPatch): Promise<boolean> {
  const row = await workspaceRow(w.trx, w.workspaceId)
  if (!row) return false
  const given: Partial<Record<(typeof WRITABLE)[number], unknown>> = {}
  for (const key of WRITABLE) if (patch[key] !== undefined) given[key] = patch[key]
  // The schema checked the format; stored upper case, as the command line stores it.
  if (patch.default_country !== undefined) given.default_country = countryCode(patch.default_country)
  const after = { ...row, ...given } as WorkspaceRow
  const problems = [
    ...(patch.quote_number_pattern !== undefined
      ? patternProblems('quote_number_pattern', after.quote_number_pattern)
      : []),
    ...(patch.order_number_pattern !== undefined
      ? patternProblems('order_number_pattern', after.order_number_pattern)
      : []),
    ...(patch.quote_number_pattern !== undefined || patch.quote_number_reset !== undefined
      ? resetProblems(
          'quote_number_reset',
          after.quote_number_reset,
          'quote_number_pattern',
          after.quote_number_pattern,
        )
      : []),
  ]
  if (problems.length > 0) throw new ApiError('validation_failed', 'Validation error', problems)
  const changes = Object.fromEntries(
    Object.entries(given).filter(([key, value]) => value !== row[key as keyof WorkspaceRow]),
  )
  if (Object.keys(changes).length > 0) {
    // The version moves by the trigger of migration 0009.
    await w.trx.updateTable('workspaces').set(changes).where('id', '=', w.workspaceId).execute()
  }
  return true
}
