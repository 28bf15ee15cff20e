import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { normalizePhone } from '../../domain/phones.ts'
import { ApiError } from '../../http/errors.ts'
import { workspaceSettings } from '../workspaces/store.ts'

/** The input with its phone in international format, read with the workspace's country; else a 400. */
export async function withInternationalPhone<T extends { phone?: string | null }>(
  db: Kysely<Database>,
  workspaceId: string,
  input: T,
): Promise<T> {
  if (input.phone === undefined || input.phone === null) return input
  const country = (await workspaceSettings(db, workspaceId)).default_country
  const phone = normalizePhone(input.phone, country)
  if (phone === undefined) {
    throw new ApiError('validation_failed', 'Validation error', [
      `Field 'phone' must be a possible phone number, international (+33 6 12 34 56 78) or national in the workspace's country, ${country}`,
    ])
  }
  return { ...input, phone }
}
