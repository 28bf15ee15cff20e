import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import {
  buildTenant,
  buildTestApp,
  buildToken,
  insertCustomer,
  type TestContext,
} from '../../../test/helpers.ts'
import { MAX_STALENESS_MS } from '../../db/notify.ts'
import { tokenCache } from './store.ts'

/** Revokes a token the way a lost notification would leave it: in the database, nobody told. */
async function revokeSilently(t: TestContext, id: string) {
  await t.db.kysely
    .updateTable('api_tokens')
    .set({ revoked_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute()
}

async function setUp(options: Parameters<typeof buildTestApp>[0]) {
  const t = await buildTestApp(options)
  const tenant = await buildTenant(t.db)
  const customerId = (await insertCustomer(t.db, tenant.workspaceId)).id
  const cache = tokenCache(t.db.kysely)
  const get = (auth: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: `/api/customers/${customerId}`, headers: auth })
  return { t, tenant, cache, channel: cache.channel!, get }
}

/**
 * Polls `condition`, which waits on the network (a connection killed, a LISTEN made again), until it holds;
 * fails past a generous deadline. What the test asserts never depends on how long it took.
 */
async function until(condition: () => boolean, deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`not within ${deadlineMs} ms: ${condition}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('the PostgreSQL token cache and its notification channel', () => {
  const contexts: TestContext[] = []
  after(() => Promise.all(contexts.map((t) => t.close())))

  it('stops trusting memory when its LISTEN connection is killed, honours what was revoked meanwhile, and trusts it again once back', async () => {
    const { t, tenant, cache, channel, get } = await setUp({})
    contexts.push(t)
    const kept = await buildToken(t.db, tenant.workspaceId)
    const victim = await buildToken(t.db, tenant.workspaceId)
    await channel.sync()
    assert.equal(channel.trusted(), true)
    for (const token of [kept, victim, kept, victim]) assert.equal((await get(token.auth)).statusCode, 200)
    const loads = cache.loads
    assert.equal((await get(kept.auth)).statusCode, 200)
    assert.equal(cache.loads, loads, 'answered from memory while the channel is trusted')

    const pid = channel.backendPid()
    assert.ok(pid)
    await sql`select pg_terminate_backend(${pid})`.execute(t.db.kysely)
    await until(() => !channel.trusted())
    // Nothing can be heard now: a revocation made meanwhile (notified to nobody) must still be honoured.
    await revokeSilently(t, victim.id)
    assert.equal((await get(victim.auth)).statusCode, 401)
    assert.equal((await get(kept.auth)).statusCode, 200)
    assert.ok(cache.loads >= loads + 2, 'both read from the database while the channel is down')

    await channel.sync() // resolves once the connection is back and a heartbeat came through it
    assert.equal(channel.trusted(), true)
    assert.notEqual(channel.backendPid(), pid)
    assert.equal((await get(victim.auth)).statusCode, 401)
    assert.equal((await get(kept.auth)).statusCode, 200)
    const after = cache.loads
    assert.equal((await get(kept.auth)).statusCode, 200)
    assert.equal(cache.loads, after, 'from memory again')
  })

  it(`trusts memory for at most ${MAX_STALENESS_MS} ms after the last heartbeat came back, should the channel die silently`, async () => {
    let clock = Date.parse('2026-03-01T12:00:00.000Z')
    // No heartbeat but those sync() sends: the channel goes silent whenever the test stops asking.
    const { t, tenant, cache, channel, get } = await setUp({
      tokenCache: { now: () => clock, heartbeatMs: 3_600_000 },
    })
    contexts.push(t)
    const token = await buildToken(t.db, tenant.workspaceId)
    await channel.sync()
    assert.equal((await get(token.auth)).statusCode, 200)

    // Its revocation is committed but never heard of, as when the network drops notifications.
    await revokeSilently(t, token.id)
    const loads = cache.loads
    clock += MAX_STALENESS_MS
    assert.equal(channel.trusted(), true)
    assert.equal((await get(token.auth)).statusCode, 200, 'within the bound, memory is still trusted')
    assert.equal(cache.loads, loads)
    clock += 1
    assert.equal(channel.trusted(), false)
    assert.equal((await get(token.auth)).statusCode, 401, 'past the bound, the database decides')

    await channel.sync()
    assert.equal(channel.trusted(), true)
    assert.equal((await get(tenant.auth)).statusCode, 200)
  })

  it('is told of a revocation by the statement that revokes, on another connection', async () => {
    const { t, tenant, channel, get } = await setUp({})
    contexts.push(t)
    const victim = await buildToken(t.db, tenant.workspaceId)
    await channel.sync()
    assert.equal((await get(victim.auth)).statusCode, 200)
    const heard: string[] = []
    const listener = new pg.Client(t.database.url)
    await listener.connect()
    try {
      await listener.query('listen quoin_tokens')
      listener.on('notification', (n) => {
        if (!n.payload?.startsWith('hb:')) heard.push(n.payload ?? '')
      })
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/tokens/${victim.id}`,
        headers: tenant.auth,
      })
      assert.equal(res.statusCode, 200)
      await until(() => heard.length > 0)
      const { token_hash } = await t.db.kysely
        .selectFrom('api_tokens')
        .select('token_hash')
        .where('id', '=', victim.id)
        .executeTakeFirstOrThrow()
      assert.deepEqual(heard, [token_hash])
    } finally {
      await listener.end()
    }
  })
})
