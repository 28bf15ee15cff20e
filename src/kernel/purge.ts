import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/types.ts'
import { RESOURCES } from '../resources/index.ts'

/**
 * Removes for good, in every workspace and one transaction, the records of every resource that keeps its
 * deletions (softDeleted), deleted before `before`: children before their parents. Returns the counts by
 * resource.
 */
export async function purgeResources(db: Kysely<Database>, before: Date): Promise<Record<string, number>> {
  const purged = RESOURCES.filter((r) => r.softDeleted && r.table)
  const ordered = [...purged.filter((r) => r.parent), ...purged.filter((r) => !r.parent)]
  const cutoff = before.toISOString()
  return db.transaction().execute(async (trx) => {
    const counts: Record<string, number> = {}
    for (const resource of ordered) {
      const { numAffectedRows } = await sql`delete from ${sql.table(resource.table!)}
        where deleted_at < ${cutoff}`.execute(trx)
      counts[resource.name] = Number(numAffectedRows ?? 0)
    }
    // In the order the resources are listed, as the counts are printed.
    return Object.fromEntries(purged.map((r) => [r.name, counts[r.name]!]))
  })
}

/** "1 customer(s), 0 contact(s) and 2 address(es)". */
export function describeCounts(counts: Record<string, number>): string {
  const parts = RESOURCES.filter((r) => r.name in counts).map((r) => {
    const noun = r.noun.toLowerCase()
    return `${counts[r.name]} ${noun}${/(s|x|ch|sh)$/.test(noun) ? '(es)' : '(s)'}`
  })
  return parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}
