import { type Kysely, type Selectable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { nowIso } from '../../db/dialect.ts'
import type { Database, QuoteLineTable, QuotePhaseTable, QuoteSectionTable } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError } from '../../http/errors.ts'
import type { WriteContext } from '../../kernel/write.ts'
import { closeGap, insertAt, moveAcross, moveTo } from './ranks.ts'
import type { PhaseCreate, PhasePatch, SectionCreate, SectionPatch } from './table-schema.ts'

// The rows of a quote's pricing table: sections, their phases, the phases' line items. Every function takes
// the quote's id, already found in the workspace and locked by the write: a row of another quote (or
// workspace) is not found through it. Each returns whether it changed anything.

export type SectionRow = Selectable<QuoteSectionTable>
export type PhaseRow = Selectable<QuotePhaseTable>
export type LineRow = Selectable<QuoteLineTable>

type Child = 'quote_sections' | 'quote_phases' | 'quote_lines'

/** One row of the quote's table, by id; undefined for any other id, a non-UUID included. */
async function findChild<T extends Child>(
  trx: Kysely<Database>,
  table: T,
  quoteId: string,
  id: string,
): Promise<Selectable<Database[T]> | undefined> {
  if (!isUuid(id)) return undefined
  const { rows } = await sql<Selectable<Database[T]>>`select * from ${sql.table(table)}
    where quote_id = ${quoteId} and id = ${id.toLowerCase()}`.execute(trx)
  return rows[0]
}

export const findSection = (trx: Kysely<Database>, quoteId: string, id: string) =>
  findChild(trx, 'quote_sections', quoteId, id)
export const findPhase = (trx: Kysely<Database>, quoteId: string, id: string) =>
  findChild(trx, 'quote_phases', quoteId, id)
export const findLine = (trx: Kysely<Database>, quoteId: string, id: string) =>
  findChild(trx, 'quote_lines', quoteId, id)

/** A body field that names no row of the quote's table: a 400 naming it. */
export const notOfQuote = (field: string, what: string) =>
  new ApiError('validation_failed', 'Validation error', [
    `Field '${field}' does not name a ${what} of this quote`,
  ])

export async function createSection(w: WriteContext, quoteId: string, body: SectionCreate): Promise<string> {
  const id = uuidv7()
  const at = nowIso()
  const rank = await insertAt(w.trx, 'quote_sections', quoteId, body.rank)
  await w.trx
    .insertInto('quote_sections')
    .values({
      id,
      workspace_id: w.workspaceId,
      quote_id: quoteId,
      type: body.type ?? 'standard',
      name: body.name,
      rank,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

export async function updateSection(
  w: WriteContext,
  section: SectionRow,
  patch: SectionPatch,
): Promise<boolean> {
  let changed = false
  if (patch.rank !== undefined) {
    changed =
      (await moveTo(w.trx, 'quote_sections', section.quote_id, section.id, patch.rank)) !== section.rank
  }
  if (patch.name !== undefined && patch.name !== section.name) {
    await w.trx
      .updateTable('quote_sections')
      .set({ name: patch.name, updated_at: nowIso() })
      .where('id', '=', section.id)
      .execute()
    changed = true
  }
  return changed
}

/** Deletes the section with its phases and their line items; the sections after it close the gap. */
export async function deleteSection(w: WriteContext, section: SectionRow): Promise<void> {
  const phases = w.trx.selectFrom('quote_phases').select('id').where('section_id', '=', section.id)
  await w.trx.deleteFrom('quote_lines').where('phase_id', 'in', phases).execute()
  await w.trx.deleteFrom('quote_phases').where('section_id', '=', section.id).execute()
  await w.trx.deleteFrom('quote_sections').where('id', '=', section.id).execute()
  await closeGap(w.trx, 'quote_sections', section.quote_id, section.rank)
}

export async function createPhase(w: WriteContext, section: SectionRow, body: PhaseCreate): Promise<string> {
  const id = uuidv7()
  const at = nowIso()
  const rank = await insertAt(w.trx, 'quote_phases', section.id, body.rank)
  await w.trx
    .insertInto('quote_phases')
    .values({
      id,
      workspace_id: w.workspaceId,
      quote_id: section.quote_id,
      section_id: section.id,
      name: body.name,
      rank,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

export async function updatePhase(w: WriteContext, phase: PhaseRow, patch: PhasePatch): Promise<boolean> {
  let changed = false
  if (patch.section_id !== undefined || patch.rank !== undefined) {
    let to = phase.section_id
    if (patch.section_id !== undefined) {
      const section = await findSection(w.trx, phase.quote_id, patch.section_id)
      if (!section) throw notOfQuote('section_id', 'section')
      to = section.id
    }
    const rank = await moveAcross(w.trx, 'quote_phases', phase.section_id, to, phase.id, patch.rank)
    changed = to !== phase.section_id || rank !== phase.rank
  }
  if (patch.name !== undefined && patch.name !== phase.name) {
    await w.trx
      .updateTable('quote_phases')
      .set({ name: patch.name, updated_at: nowIso() })
      .where('id', '=', phase.id)
      .execute()
    changed = true
  }
  return changed
}

/** Deletes the phase with its line items; the phases after it in its section close the gap. */
export async function deletePhase(w: WriteContext, phase: PhaseRow): Promise<void> {
  await w.trx.deleteFrom('quote_lines').where('phase_id', '=', phase.id).execute()
  await w.trx.deleteFrom('quote_phases').where('id', '=', phase.id).execute()
  await closeGap(w.trx, 'quote_phases', phase.section_id, phase.rank)
}

/** Moves a line item to `rank`, in the phase `phaseId` names when given (another phase of the quote). */
export async function placeLine(
  w: WriteContext,
  line: LineRow,
  phaseId: string | undefined,
  rank: number | undefined,
): Promise<boolean> {
  if (phaseId === undefined && rank === undefined) return false
  let to = line.phase_id
  if (phaseId !== undefined) {
    const phase = await findPhase(w.trx, line.quote_id, phaseId)
    if (!phase) throw notOfQuote('phase_id', 'phase')
    to = phase.id
  }
  const placed = await moveAcross(w.trx, 'quote_lines', line.phase_id, to, line.id, rank)
  return to !== line.phase_id || placed !== line.rank
}

/** Deletes a line item; the lines after it in its phase close the gap. */
export async function deleteLine(w: WriteContext, line: LineRow): Promise<void> {
  await w.trx.deleteFrom('quote_lines').where('id', '=', line.id).execute()
  await closeGap(w.trx, 'quote_lines', line.phase_id, line.rank)
}
