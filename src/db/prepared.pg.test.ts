import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { buildTenant, insertCustomer, useTestApp } from '../../test/helpers.ts'

describe('named prepared statements on PostgreSQL', () => {
  const t = useTestApp()

  it('keep answering when a migration changes what a statement returns', async () => {
    const tenant = await buildTenant(t.db)
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    const get = () => t.app.inject({ method: 'GET', url: `/api/customers/${id}`, headers: tenant.auth })
    // Prepared on several connections of the pool at once.
    for (const res of await Promise.all(Array.from({ length: 12 }, get))) assert.equal(res.statusCode, 200)
    await sql`alter table customers add column nickname text`.execute(t.db.kysely)
    const after = await Promise.all(Array.from({ length: 24 }, get))
    assert.deepEqual(
      after.map((res) => res.statusCode),
      after.map(() => 200),
    )
    assert.equal(after[0]!.json().data.id, id)
  })
})
