import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { buildTenant, buildToken, insertCustomer, useTestApp } from '../../../test/helpers.ts'
import { connect, type Db } from '../../db/connect.ts'
import { DEMO_CUSTOMER_ID, DEMO_WORKSPACE_ID, loadDemo } from '../../demo.ts'
import { runWrite } from '../../kernel/write.ts'
import { createContact } from '../contacts/store.ts'
import { updateCustomer } from './store.ts'

const seed = readFileSync(new URL('../../../test/fixtures/get-customer.json', import.meta.url), 'utf8')
/** The seed's body, with Quoin's custom_properties after the documented keys. */
const seedBody = () => {
  const body = JSON.parse(seed)
  body.data.custom_properties = {}
  return JSON.stringify(body)
}

// A read served again from memory (SQLite's read cache, PostgreSQL's revalidated records) is sent as the
// bytes serialised the first time: these tests hold it to what a first read answers.
describe('GET /api/customers/{id} served again', () => {
  let other: Db
  // Registered first, as after hooks run in order: the second connection is closed before the database goes.
  after(() => other?.close())
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>

  before(async () => {
    tenant = await buildTenant(t.db)
    other = connect(t.database.url)
  })

  const get = (id: string, headers: Record<string, string> = tenant.auth) =>
    t.app.inject({ method: 'GET', url: `/api/customers/${id}`, headers })
  const shown = (res: Awaited<ReturnType<typeof get>>) => ({
    status: res.statusCode,
    body: res.body,
    etag: res.headers.etag,
    type: res.headers['content-type'],
    length: res.headers['content-length'],
    security: res.headers['content-security-policy'],
  })

  it("answers the demo customer's exact bytes every time, with the same headers", async () => {
    await loadDemo(t.db.kysely)
    const token = await buildToken(t.db, DEMO_WORKSPACE_ID, ['customers:read'])
    const first = await get(DEMO_CUSTOMER_ID, token.auth)
    const again = await get(DEMO_CUSTOMER_ID, token.auth)
    const upper = await get(DEMO_CUSTOMER_ID.toUpperCase(), token.auth)
    assert.equal(first.body, seedBody())
    assert.deepEqual(shown(again), shown(first))
    assert.deepEqual(shown(upper), shown(first))
    assert.equal(first.headers['content-type'], 'application/json; charset=utf-8')
    assert.notEqual(again.headers['x-request-id'], first.headers['x-request-id'])
  })

  it('answers 304 without a body to its current ETag, and 200 to an older one', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId, { contacts: 1 })
    const { etag } = (await get(id)).headers
    await get(id)
    const notModified = await get(id, { ...tenant.auth, 'if-none-match': String(etag) })
    assert.equal(notModified.statusCode, 304)
    assert.equal(notModified.body, '')
    assert.equal(notModified.headers.etag, etag)
    assert.equal(notModified.headers['content-type'], undefined)
    const weak = await get(id, { ...tenant.auth, 'if-none-match': `W/${etag}` })
    assert.equal(weak.statusCode, 304)
    const stale = await get(id, { ...tenant.auth, 'if-none-match': '"0"' })
    assert.equal(stale.statusCode, 200)
    assert.equal(stale.body, (await get(id)).body)
  })

  it('shows at once what another connection changed, with a new ETag', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId, { name: 'Before' })
    const first = await get(id)
    await get(id)
    assert.equal(
      await runWrite(other.kysely, tenant.workspaceId, (w) => updateCustomer(w, id, { name: 'After' })),
      true,
    )
    const renamed = await get(id)
    assert.equal(renamed.json().data.name, 'After')
    assert.notEqual(renamed.headers.etag, first.headers.etag)

    const contact = await runWrite(other.kysely, tenant.workspaceId, (w) =>
      createContact(w, {
        customer_id: id,
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
      }),
    )
    const listed = await get(id)
    assert.deepEqual(listed.json().data.contact_ids, [contact])
    assert.notEqual(listed.headers.etag, renamed.headers.etag)
    assert.equal(listed.json().data.name, 'After')
  })

  it('answers 404 once another connection deleted it, and never to another workspace', async () => {
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    assert.equal((await get(id)).statusCode, 200)
    const stranger = await buildTenant(t.db)
    assert.equal((await get(id, stranger.auth)).statusCode, 404)
    await other.kysely
      .updateTable('customers')
      .set({ deleted_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute()
    assert.equal((await get(id)).statusCode, 404)
  })
})
