import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { buildTenant, useTestApp } from '../../test/helpers.ts'
import { ApiError } from '../http/errors.ts'
import { segments } from '../resources/segments/resource.ts'
import { createSegment } from '../resources/segments/store.ts'
import { runWrite, WRITE_ATTEMPTS } from './write.ts'

/** What PostgreSQL throws when it aborts a transaction to break a deadlock. */
const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' })

describe('runWrite: one transaction per write, run again when the database aborts it', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const eventsOf = (id: string) =>
    t.db.kysely.selectFrom('events').select('type').where('record_id', '=', id).execute()

  it('runs a write the database aborted again, and keeps only the attempt that committed', async () => {
    let attempts = 0
    const id = await runWrite(t.db.kysely, tenant.workspaceId, async (w) => {
      attempts++
      const made = await createSegment(w, { name: `Attempt ${attempts}` })
      w.emit(segments, 'created', made, { id: made })
      if (attempts < 3) throw deadlock()
      return made
    })
    assert.equal(attempts, 3)
    const rows = await t.db.kysely
      .selectFrom('segments')
      .select(['id', 'name'])
      .where('workspace_id', '=', tenant.workspaceId)
      .where('name', 'like', 'Attempt %')
      .execute()
    assert.deepEqual(rows, [{ id, name: 'Attempt 3' }])
    assert.deepEqual(await eventsOf(id), [{ type: 'segment.created' }])
  })

  it(`answers 503 write_contention with Retry-After after ${WRITE_ATTEMPTS} aborted attempts, writing nothing`, async () => {
    let attempts = 0
    const made: string[] = []
    await assert.rejects(
      runWrite(t.db.kysely, tenant.workspaceId, async (w) => {
        attempts++
        made.push(await createSegment(w, { name: 'Never' }))
        throw deadlock()
      }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 'write_contention' &&
        err.status === 503 &&
        err.headers?.['Retry-After'] === '1',
    )
    assert.equal(attempts, WRITE_ATTEMPTS)
    const rows = await t.db.kysely.selectFrom('segments').select('id').where('id', 'in', made).execute()
    assert.deepEqual(rows, [])
  })

  it('does not run again a write that failed for any other reason', async () => {
    let attempts = 0
    await assert.rejects(
      runWrite(t.db.kysely, tenant.workspaceId, async () => {
        attempts++
        throw new ApiError('conflict', 'no')
      }),
      { code: 'conflict' },
    )
    assert.equal(attempts, 1)
  })

  it('runs what waits for the commit only once it has committed, and never for a write undone', async () => {
    const seen: string[] = []
    await runWrite(t.db.kysely, tenant.workspaceId, async (w) => {
      w.afterCommit(() => seen.push('committed'))
      assert.deepEqual(seen, [])
    })
    assert.deepEqual(seen, ['committed'])
    await assert.rejects(
      runWrite(t.db.kysely, tenant.workspaceId, async (w) => {
        w.afterCommit(() => seen.push('undone'))
        throw new ApiError('conflict', 'no')
      }),
    )
    assert.deepEqual(seen, ['committed'])
  })
})
