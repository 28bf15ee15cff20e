import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { buildTenant, insertCustomer, useTestApp } from '../../../test/helpers.ts'

describe('GET /api/customers/{id}?expand=…: an ETag of everything it shows', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers: { ...tenant.auth, ...headers } })

  it('carries a weak ETag, answers 304 to it, and moves it when a contact or address changes', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId, { contacts: 1, addresses: 1 })
    const url = `/api/customers/${c.id}?expand=contacts,addresses`
    const first = await get(url)
    assert.equal(first.statusCode, 200)
    const etag = first.headers.etag as string
    assert.match(etag, /^W\/"[\w-]+"$/)
    // Not the plain customer's: the representation is another one.
    assert.notEqual(etag, (await get(`/api/customers/${c.id}`)).headers.etag)

    const same = await get(url, { 'if-none-match': etag })
    assert.equal(same.statusCode, 304)
    assert.equal(same.body, '')
    assert.equal((await get(url, { 'if-none-match': '"0"' })).statusCode, 200)

    // A contact's change does not move the customer's version, but does move what the expansion shows.
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/contacts/${c.contactIds[0]}`,
      headers: tenant.auth,
      payload: { first_name: 'Grace' },
    })
    assert.equal(patched.statusCode, 200)
    const after = await get(url, { 'if-none-match': etag })
    assert.equal(after.statusCode, 200)
    assert.equal(after.json().data.contacts[0].first_name, 'Grace')
    assert.notEqual(after.headers.etag, etag)

    const onlyAddresses = await get(`/api/customers/${c.id}?expand=addresses`)
    assert.notEqual(onlyAddresses.headers.etag, after.headers.etag)
  })
})
