import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/types.ts'
import { ApiError } from '../http/errors.ts'

// What refuses a deletion: the records that name the one being deleted. A resource declares them
// (`usedBy` in its descriptor), so a resource that comes later (quotes naming a payment term) joins the
// check by adding one line there, and the 409 names every kind of user with its count.

/** A column that names records of another resource: `product_parent_catalogs.catalog_id`. */
export interface Reference {
  table: keyof Database & string
  column: string
  /** What one user is called, and many: ['product', 'products']. */
  noun: readonly [string, string]
  /**
   * When the referencing rows are not records themselves (a link table), the live record they belong to:
   * its table and the link's column naming it. Rows of a soft-deleted record do not count; `softDeleted:
   * false` says the owner is deleted for good instead (a pricebook), so every row counts.
   */
  through?: { table: keyof Database & string; column: string; softDeleted?: boolean }
  /** The referencing table is soft-deleted: its deleted rows do not count. */
  softDeleted?: boolean
}

/** How many live records of each kind name `id`, kinds without any left out. */
async function countUses(
  trx: Kysely<Database>,
  workspaceId: string,
  references: readonly Reference[],
  id: string,
): Promise<{ ref: Reference; n: number }[]> {
  const counts: { ref: Reference; n: number }[] = []
  for (const ref of references) {
    const t = sql.table(ref.table)
    let query: RawBuilder<{ n: number | string }>
    if (ref.through) {
      const owner = sql.table(ref.through.table)
      const live = ref.through.softDeleted === false ? sql`` : sql` and o.deleted_at is null`
      query = sql<{ n: number | string }>`select count(distinct r.${sql.ref(ref.through.column)}) as n
        from ${t} r join ${owner} o on o.id = r.${sql.ref(ref.through.column)}
        where r.workspace_id = ${workspaceId} and r.${sql.ref(ref.column)} = ${id}${live}`
    } else {
      const live = ref.softDeleted ? sql` and deleted_at is null` : sql``
      query = sql<{ n: number | string }>`select count(*) as n from ${t}
        where workspace_id = ${workspaceId} and ${sql.ref(ref.column)} = ${id}${live}`
    }
    const n = Number((await query.execute(trx)).rows[0]?.n ?? 0)
    if (n > 0) counts.push({ ref, n })
  }
  return counts
}

function described(counts: { ref: Reference; n: number }[]): string | undefined {
  const parts = counts.map(({ ref, n }) => `${n} ${n === 1 ? ref.noun[0] : ref.noun[1]}`)
  if (parts.length === 0) return undefined
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}

/** How many live records of each kind name `id`, as "3 products and 1 quote"; undefined when none do. */
export async function usesOf(
  trx: Kysely<Database>,
  workspaceId: string,
  references: readonly Reference[],
  id: string,
): Promise<string | undefined> {
  return described(await countUses(trx, workspaceId, references, id))
}

/** How many records of each kind use the one being deleted, kinds without any left out. */
export type Uses = readonly { ref: Reference; n: number }[]

/**
 * Throws the 409 of a deletion refused because live records name the record: "Catalog is used by 3
 * products: …", with `advice` saying what to do instead: one sentence, one for one user and one for
 * several ("move it" / "move them"), or one made from the uses (when kinds of users need different advice).
 */
export async function refuseIfUsed(
  trx: Kysely<Database>,
  workspaceId: string,
  what: { noun: string; usedBy?: readonly Reference[] },
  id: string,
  advice: string | readonly [one: string, many: string] | ((uses: Uses) => string),
): Promise<void> {
  const counts = await countUses(trx, workspaceId, what.usedBy ?? [], id)
  if (counts.length === 0) return
  const total = counts.reduce((sum, c) => sum + c.n, 0)
  const said =
    typeof advice === 'function'
      ? advice(counts)
      : typeof advice === 'string'
        ? advice
        : advice[total === 1 ? 0 : 1]
  throw new ApiError('conflict', `${what.noun} is used by ${described(counts)}: ${said}`)
}

/**
 * Advice that depends on who uses the record: the sentence for one user or several of the one kind found
 * (by its table), or `mixed` when several kinds are.
 */
export function adviceByKind(
  byTable: Partial<Record<string, readonly [one: string, many: string]>>,
  mixed: string,
): (uses: Uses) => string {
  return (uses) => {
    const only = uses.length === 1 ? uses[0] : undefined
    const pair = only && byTable[only.ref.table]
    return only && pair ? pair[only.n === 1 ? 0 : 1] : mixed
  }
}
