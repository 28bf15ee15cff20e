import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killAllServers, startServer } from '../../../test/fixtures/crash-server.ts'
import { buildTenant, buildToken, dialect, insertCustomer, useTestApp } from '../../../test/helpers.ts'
import { connect } from '../../db/connect.ts'
import { tokenUsageOf } from '../../http/auth.ts'
import { revokeToken, tokenCache } from './store.ts'

describe('tokens held in memory', () => {
  let clock = Date.parse('2026-03-01T12:00:00.000Z')
  // Registered first, as after hooks run in order: the servers stop before the database goes.
  after(() => killAllServers())
  const t = useTestApp({ tokenCache: { now: () => clock } })
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  let customerId: string

  before(async () => {
    tenant = await buildTenant(t.db)
    customerId = (await insertCustomer(t.db, tenant.workspaceId)).id
  })

  const get = (auth: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: `/api/customers/${customerId}`, headers: auth })
  const lastUsed = async (id: string) =>
    (
      await t.db.kysely
        .selectFrom('api_tokens')
        .select('last_used_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).last_used_at
  /** PostgreSQL: waits until every notification sent so far has reached this process. */
  const heard = () => tokenCache(t.db.kysely).channel?.sync()

  it('refuses an expired token by the clock, though it is held in memory', async () => {
    const cache = tokenCache(t.db.kysely)
    const token = await buildToken(t.db, tenant.workspaceId, ['*'], new Date(clock + 4000).toISOString())
    await heard()
    assert.equal((await get(token.auth)).statusCode, 200)
    // Its first use is recorded within a second, a write that empties SQLite's caches: make it now.
    await tokenUsageOf(t.app)!.flush()
    assert.notEqual(await lastUsed(token.id), null)
    assert.equal((await get(token.auth)).statusCode, 200)
    const loads = cache.loads
    clock += 3999
    assert.equal((await get(token.auth)).statusCode, 200)
    clock += 1
    const res = await get(token.auth)
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'invalid_token')
    assert.equal(cache.loads, loads, 'both answers came from memory')
  })

  it('refuses at once a token revoked through the API of another quoin serve on the same database', async () => {
    const admin = await buildToken(t.db, tenant.workspaceId, ['tokens:write'])
    const victim = await buildToken(t.db, tenant.workspaceId)
    await heard()
    assert.equal((await get(victim.auth)).statusCode, 200)

    const other = await startServer({ DATABASE_URL: t.database.url }, admin.auth, '/api/tokens?limit=1')
    const revoked = await other.request('DELETE', `/api/tokens/${victim.id}`)
    assert.equal(revoked.status, 200)
    assert.equal(await other.stop('SIGTERM'), 0)

    // SQLite sees the other process's commit through data_version on the very next request; PostgreSQL
    // through the notification the revoking statement sent, which has arrived once a later one has.
    await heard()
    const res = await get(victim.auth)
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'invalid_token')
    assert.equal((await get(tenant.auth)).statusCode, 200)
  })

  it('refuses at once a token revoked through the API of this process', async () => {
    const victim = await buildToken(t.db, tenant.workspaceId)
    await heard()
    assert.equal((await get(victim.auth)).statusCode, 200)
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${victim.id}`,
      headers: tenant.auth,
    })
    assert.equal(revoked.statusCode, 200)
    assert.equal((await get(victim.auth)).statusCode, 401)
  })

  it(`${dialect === 'sqlite' ? 'sees' : 'is told of'} a revocation written by another connection`, async () => {
    const victim = await buildToken(t.db, tenant.workspaceId)
    await heard()
    assert.equal((await get(victim.auth)).statusCode, 200)
    const other = connect(t.database.url)
    try {
      assert.equal(await revokeToken(other.kysely, tenant.workspaceId, victim.id), true)
    } finally {
      await other.close()
    }
    await heard()
    assert.equal((await get(victim.auth)).statusCode, 401)
  })
})
