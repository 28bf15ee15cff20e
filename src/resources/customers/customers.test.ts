import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildTenant, buildToken, insertCustomer, nextInstant, useTestApp } from '../../../test/helpers.ts'
import { connect } from '../../db/connect.ts'
import { DEMO_CUSTOMER_ID, DEMO_WORKSPACE_ID, loadDemo } from '../../demo.ts'
import { tokenUsageOf } from '../../http/auth.ts'

const seed = readFileSync(new URL('../../../test/fixtures/get-customer.json', import.meta.url), 'utf8')
/** The seed's body, with Quoin's custom_properties after the documented keys. */
const seedBody = () => {
  const body = JSON.parse(seed)
  body.data.custom_properties = {}
  return JSON.stringify(body)
}

describe('GET /api/customers/{id}', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  let customer: Awaited<ReturnType<typeof insertCustomer>>

  before(async () => {
    tenant = await buildTenant(t.db)
    customer = await insertCustomer(t.db, tenant.workspaceId, {
      name: 'Globex',
      taxIds: [
        { tax: 'SIRET', tax_value: '73282932000074' },
        { tax: 'VAT', tax_value: 'FR44732829320' },
      ],
      contacts: 3,
      addresses: 2,
    })
  })

  const get = (id: string, headers: Record<string, string> = tenant.auth) =>
    t.app.inject({ method: 'GET', url: `/api/customers/${id}`, headers })

  it("returns the demo customer as Qwoty's docs show it, keys in the same order, then custom_properties", async () => {
    await loadDemo(t.db.kysely)
    const token = await buildToken(t.db, DEMO_WORKSPACE_ID, ['customers:read'])
    const res = await get(DEMO_CUSTOMER_ID, token.auth)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, seedBody())
  })

  it('lists tax ids in stored order and contacts and addresses by creation', async () => {
    const res = await get(customer.id)
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(data.tax_ids, [
      { tax: 'SIRET', tax_value: '73282932000074' },
      { tax: 'VAT', tax_value: 'FR44732829320' },
    ])
    assert.deepEqual(data.contact_ids, customer.contactIds)
    assert.deepEqual(data.address_ids, customer.addressIds)
    assert.match(data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  it('orders contacts by creation time, not by id', async () => {
    const older = uuidv7()
    const c = await insertCustomer(t.db, tenant.workspaceId)
    const at = nextInstant()
    const base = {
      workspace_id: tenant.workspaceId,
      customer_id: c.id,
      first_name: 'A',
      last_name: 'B',
      email: 'a@b.fr',
    }
    const extra = { phone: null, role: '', id_crm: null, id_erp: null, id_accounting: null }
    const newer = uuidv7()
    // The later id is created earlier.
    await t.db.kysely
      .insertInto('contacts')
      .values([
        { id: newer, ...base, ...extra, created_at: at, updated_at: at },
        { id: older, ...base, ...extra, created_at: nextInstant(), updated_at: at },
      ])
      .execute()
    const res = await get(c.id)
    assert.deepEqual(res.json().data.contact_ids, [newer, older])
  })

  it('serves a change committed by any connection at once (no stale cached read)', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId, { name: 'Before' })
    assert.equal((await get(c.id)).json().data.name, 'Before')
    assert.equal((await get(c.id)).json().data.name, 'Before')
    // Another connection, as another process (quoin purge, a second server) would write.
    const other = connect(t.database.url)
    await other.kysely.updateTable('customers').set({ name: 'After' }).where('id', '=', c.id).execute()
    await other.close()
    assert.equal((await get(c.id)).json().data.name, 'After')
    await t.db.kysely.deleteFrom('customers').where('id', '=', c.id).execute()
    assert.equal((await get(c.id)).statusCode, 404)
  })

  it('accepts an upper-case UUID', async () => {
    const res = await get(customer.id.toUpperCase())
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.id, customer.id)
  })

  it('accepts a token that has not expired yet', async () => {
    const token = await buildToken(
      t.db,
      tenant.workspaceId,
      ['*'],
      new Date(Date.now() + 60_000).toISOString(),
    )
    assert.equal((await get(customer.id, token.auth)).statusCode, 200)
  })

  it('answers 404 "Customer not found" to an id that is not a UUID: ids are opaque', async () => {
    for (const id of ['not-a-uuid', 'cust_456', '550e8400e29b41d4a716446655440000', 'x'.repeat(1000)]) {
      const res = await get(id)
      assert.equal(res.statusCode, 404, id)
      assert.deepEqual(res.json(), { success: false, error: 'Customer not found', code: 'not_found' })
    }
  })

  it('answers 404 "Customer not found" to an unknown id', async () => {
    const res = await get(uuidv7())
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Customer not found', code: 'not_found' })
  })

  it('sends X-Request-Id on every response, keeping a well-formed one the client sent', async () => {
    for (const headers of [tenant.auth, {}]) {
      const res = await get(customer.id, headers)
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    }
    const res = await get(customer.id, { ...tenant.auth, 'x-request-id': 'trace-123' })
    assert.equal(res.headers['x-request-id'], 'trace-123')
  })

  it('records last_used_at within a second of first use but does not write it again within a minute', async (tc) => {
    const usage = tokenUsageOf(t.app)!
    await usage.flush()
    // The write waits for a timer of one second: the test moves time, not the clock on the wall.
    tc.mock.timers.enable({ apis: ['setTimeout'] })
    const token = await buildToken(t.db, tenant.workspaceId)
    const lastUsed = async () =>
      (
        await t.db.kysely
          .selectFrom('api_tokens')
          .select('last_used_at')
          .where('id', '=', token.id)
          .executeTakeFirstOrThrow()
      ).last_used_at
    assert.equal(await lastUsed(), null)
    await get(customer.id, token.auth)
    assert.equal(usage.scheduled, true)
    tc.mock.timers.tick(999)
    assert.equal(usage.scheduled, true)
    assert.equal(await lastUsed(), null)
    tc.mock.timers.tick(1)
    assert.equal(usage.scheduled, false, 'written a second after its first use')
    await usage.flush()
    const first = await lastUsed()
    assert.notEqual(first, null)
    await t.db.kysely
      .updateTable('api_tokens')
      .set({ last_used_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', token.id)
      .execute()
    await get(customer.id, token.auth)
    assert.equal(usage.scheduled, false, 'nothing to write again within a minute')
    tc.mock.timers.tick(60_000)
    await usage.flush()
    assert.equal(new Date((await lastUsed()) as string).toISOString(), '2000-01-01T00:00:00.000Z')
  })
})
