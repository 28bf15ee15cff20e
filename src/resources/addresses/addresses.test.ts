import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, type Headers, insertCustomer, useTestApp } from '../../../test/helpers.ts'
import { listAddressesOfCustomer } from './store.ts'

const KEYS = [
  'id',
  'workspace_id',
  'customer_id',
  'type',
  'name',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'postal_code',
  'country',
  'contact_id',
  'comment',
  'id_crm',
  'id_erp',
  'id_accounting',
  'created_at',
  'updated_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const NO_CUSTOMER = "Field 'customer_id' does not name a customer of this workspace"
const NO_CONTACT = "Field 'contact_id' does not name a contact of this customer"
const NOT_FOUND = { success: false, error: 'Address not found', code: 'not_found' }
const AGED = '2026-01-01T00:00:00.000Z'

type Tenant = Awaited<ReturnType<typeof buildTenant>>

let tenant: Tenant
let other: Tenant
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
    other = await buildTenant(db)
  },
})

const { call } = api(t, () => tenant.auth)

const minimal = (customerId: string) => ({
  customer_id: customerId,
  type: 'billing',
  address_line1: '1 rue de Rivoli',
  city: 'Paris',
  postal_code: '75001',
  country: 'FR',
})

/** An address created through the API; `input` overrides the defaults. */
async function buildAddress(customerId: string, input: Record<string, unknown> = {}, headers?: Headers) {
  const res = await call('POST', '/api/addresses', { ...minimal(customerId), ...input }, headers)
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data
}

async function buildContact(customerId: string, headers?: Headers) {
  const res = await call(
    'POST',
    '/api/contacts',
    { customer_id: customerId, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
    headers,
  )
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data
}

async function storedRow(table: 'contacts' | 'addresses' | 'customers', id: string) {
  return t.db.kysely.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

async function ageRow(table: 'contacts' | 'addresses' | 'customers', id: string) {
  await t.db.kysely.updateTable(table).set({ updated_at: AGED }).where('id', '=', id).execute()
}

const storedTime = (value: Date | string) => new Date(value).toISOString()
const addressIdsOfContact = async (contactId: string) =>
  (await call('GET', `/api/contacts/${contactId}`)).json().data.address_ids

describe('POST /api/addresses', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId)
  })

  it('creates an address and answers 201 with every field, keys in order', async () => {
    const contact = await buildContact(customer.id)
    const res = await call('POST', '/api/addresses', {
      customer_id: customer.id,
      type: 'shipping',
      name: 'Siège social',
      address_line1: '12 rue de Rivoli',
      address_line2: 'Bâtiment B',
      city: 'Paris',
      state: 'Île-de-France',
      postal_code: '75001',
      country: 'FR',
      contact_id: contact.id,
      comment: 'Deliveries before noon',
      id_crm: 'crm_1',
      id_erp: 'erp_1',
      id_accounting: 'acc_1',
    })
    assert.equal(res.statusCode, 201)
    const { success, data } = res.json()
    assert.equal(success, true)
    assert.deepEqual(Object.keys(data), KEYS)
    assert.match(data.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/)
    assert.match(data.created_at, WIRE_TIME)
    assert.equal(data.updated_at, data.created_at)
    assert.deepEqual(
      { ...data, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        workspace_id: tenant.workspaceId,
        customer_id: customer.id,
        type: 'shipping',
        name: 'Siège social',
        address_line1: '12 rue de Rivoli',
        address_line2: 'Bâtiment B',
        city: 'Paris',
        state: 'Île-de-France',
        postal_code: '75001',
        country: 'FR',
        contact_id: contact.id,
        comment: 'Deliveries before noon',
        id_crm: 'crm_1',
        id_erp: 'erp_1',
        id_accounting: 'acc_1',
        created_at: undefined,
        updated_at: undefined,
      },
    )
    assert.deepEqual((await call('GET', `/api/addresses/${data.id}`)).json().data, data)
    assert.deepEqual(await addressIdsOfContact(contact.id), [data.id])
  })

  it('trims the text fields, stores the country upper-case and defaults the optional ones to null', async () => {
    const data = await buildAddress(customer.id, {
      address_line1: '  5 avenue Foch ',
      city: ' Lyon ',
      postal_code: ' 69006 ',
      // Trimmed before it is checked, invisible characters included.
      country: ' fr\u200b',
    })
    assert.deepEqual(
      [data.address_line1, data.city, data.postal_code, data.country],
      ['5 avenue Foch', 'Lyon', '69006', 'FR'],
    )
    for (const key of [
      'name',
      'address_line2',
      'state',
      'contact_id',
      'comment',
      'id_crm',
      'id_erp',
      'id_accounting',
    ]) {
      assert.equal(data[key], null, key)
    }
    assert.equal((await buildAddress(customer.id, { country: 'De' })).country, 'DE')
  })

  it('names every invalid field at once', async () => {
    const res = await call('POST', '/api/addresses', {
      customer_id: 42,
      type: 'home',
      name: 'x'.repeat(101),
      address_line1: '  ',
      city: 'x'.repeat(101),
      postal_code: '',
      country: 'France',
      contact_id: 42,
      comment: 'x'.repeat(2001),
      id_accounting: 'x'.repeat(256),
      zip: '75001',
    })
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.code, 'validation_failed')
    assert.deepEqual(
      new Set(body.details),
      new Set([
        "Field 'zip' is not allowed",
        "Field 'customer_id' must be of type string",
        "Field 'type' must be one of: billing, shipping",
        "Field 'name' must be at most 100 characters",
        "Field 'address_line1' must not be blank",
        "Field 'city' must be at most 100 characters",
        "Field 'postal_code' must not be blank",
        "Field 'country' must be an ISO 3166-1 alpha-2 country code, such as FR",
        "Field 'contact_id' must be of type string or null",
        "Field 'comment' must be at most 2000 characters",
        "Field 'id_accounting' must be at most 255 characters",
      ]),
    )
  })

  it('names every missing required field', async () => {
    const res = await call('POST', '/api/addresses', {})
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'customer_id' is required",
      "Field 'type' is required",
      "Field 'address_line1' is required",
      "Field 'city' is required",
      "Field 'postal_code' is required",
      "Field 'country' is required",
    ])
  })

  it('refuses a country code that does not exist', async () => {
    for (const country of ['XX', 'FRA', 'f']) {
      const res = await call('POST', '/api/addresses', { ...minimal(customer.id), country })
      assert.equal(res.statusCode, 400, country)
      assert.deepEqual(res.json().details, [
        "Field 'country' must be an ISO 3166-1 alpha-2 country code, such as FR",
      ])
    }
  })

  it('answers the same 400 for an unknown customer and for a customer of another workspace', async () => {
    const theirs = await insertCustomer(t.db, other.workspaceId)
    const before = await storedRow('customers', theirs.id)
    for (const customerId of [uuidv7(), theirs.id]) {
      const res = await call('POST', '/api/addresses', minimal(customerId))
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json(), {
        success: false,
        error: 'Validation error',
        code: 'validation_failed',
        details: [NO_CUSTOMER],
      })
    }
    assert.deepEqual(await storedRow('customers', theirs.id), before)
  })

  it('answers 400 unless contact_id names a live contact of the same customer', async () => {
    const sibling = await insertCustomer(t.db, tenant.workspaceId)
    const ofSibling = await buildContact(sibling.id)
    const theirs = await buildContact((await insertCustomer(t.db, other.workspaceId)).id, other.auth)
    const deleted = await buildContact(customer.id)
    await call('DELETE', `/api/contacts/${deleted.id}`)
    await ageRow('customers', customer.id)
    for (const contactId of [ofSibling.id, theirs.id, deleted.id, uuidv7()]) {
      const res = await call('POST', '/api/addresses', { ...minimal(customer.id), contact_id: contactId })
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json().details, [NO_CONTACT])
    }
    // Nothing was written, not even the customer's updated_at.
    assert.equal(storedTime((await storedRow('customers', customer.id)).updated_at), AGED)
  })

  it('names both customer_id and contact_id when neither is right, UUIDs or not: ids are opaque', async () => {
    const contact = await buildContact(customer.id)
    for (const [customerId, contactId] of [
      [uuidv7(), uuidv7()],
      ['cust_456', 'contact_789'],
      ['cust_456', contact.id],
    ]) {
      const res = await call('POST', '/api/addresses', { ...minimal(customerId!), contact_id: contactId })
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json().details, [NO_CUSTOMER, NO_CONTACT])
    }
    const unlinked = await call('PATCH', `/api/addresses/${(await buildAddress(customer.id)).id}`, {
      contact_id: 'contact_789',
    })
    assert.deepEqual(unlinked.json().details, [NO_CONTACT])
  })

  it("adds the address to its customer's address_ids and touches the customer", async () => {
    const owner = await insertCustomer(t.db, tenant.workspaceId)
    const data = await buildAddress(owner.id)
    assert.notEqual(storedTime((await storedRow('customers', owner.id)).updated_at), owner.createdAt)
    assert.deepEqual((await call('GET', `/api/customers/${owner.id}`)).json().data.address_ids, [data.id])
  })

  it('accepts upper-case UUIDs', async () => {
    const contact = await buildContact(customer.id)
    const data = await buildAddress(customer.id.toUpperCase(), { contact_id: contact.id.toUpperCase() })
    assert.equal(data.customer_id, customer.id)
    assert.equal(data.contact_id, contact.id)
  })
})

describe('GET /api/addresses/{id}', () => {
  let address: { id: string }
  before(async () => {
    const customer = await insertCustomer(t.db, tenant.workspaceId)
    address = await buildAddress(customer.id, { address_line1: '742 Evergreen Terrace' })
  })

  const get = (id: string, headers?: Headers) => call('GET', `/api/addresses/${id}`, undefined, headers)

  it('returns the address, keys in order', async () => {
    const res = await get(address.id)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(Object.keys(res.json().data), KEYS)
    assert.deepEqual(res.json().data, address)
  })

  it('accepts an upper-case UUID', async () => {
    assert.equal((await get(address.id.toUpperCase())).json().data.id, address.id)
  })

  it('answers 404 to an id that is not a UUID: ids are opaque', async () => {
    for (const id of ['nope', 'addr_123', 'x'.repeat(300)]) {
      const res = await get(id)
      assert.equal(res.statusCode, 404, id)
      assert.deepEqual(res.json(), NOT_FOUND)
    }
  })

  it('answers 404 "Address not found" to an unknown id', async () => {
    const res = await get(uuidv7())
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), NOT_FOUND)
  })
})

describe('GET /api/addresses', () => {
  let mine: Tenant
  let first: Awaited<ReturnType<typeof insertCustomer>>
  let second: Awaited<ReturnType<typeof insertCustomer>>
  const ids: Record<string, string> = {}

  before(async () => {
    mine = await buildTenant(t.db)
    first = await insertCustomer(t.db, mine.workspaceId)
    second = await insertCustomer(t.db, mine.workspaceId)
    const addresses = {
      paris: [first, 'billing', 'FR'],
      lyon: [first, 'shipping', 'FR'],
      berlin: [second, 'billing', 'DE'],
      hamburg: [second, 'shipping', 'DE'],
      rome: [second, 'shipping', 'IT'],
    } as const
    for (const [key, [customer, type, country]] of Object.entries(addresses)) {
      ids[key] = (await buildAddress(customer.id, { type, country }, mine.auth)).id
    }
    await buildAddress((await insertCustomer(t.db, other.workspaceId)).id, {}, other.auth)
  })

  const list = (query = '', headers?: Headers) =>
    call('GET', `/api/addresses${query}`, undefined, headers ?? mine.auth)
  const listed = async (query: string) => {
    const res = await list(query)
    assert.equal(res.statusCode, 200, res.body)
    return res.json().data.map((a: { id: string }) => a.id)
  }
  const idsOf = (...keys: string[]) => keys.map((k) => ids[k]!)

  it("lists the workspace's addresses oldest first", async () => {
    const res = await list()
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.deepEqual(
      body.data.map((a: { id: string }) => a.id),
      idsOf('paris', 'lyon', 'berlin', 'hamburg', 'rome'),
    )
    assert.deepEqual(Object.keys(body.data[0]), KEYS)
    assert.equal(body.has_more, false)
    assert.equal(body.next_cursor, null)
  })

  it('filters by customer_id, type and country, the country in any case', async () => {
    assert.deepEqual(await listed(`?customer_id=${first.id}`), idsOf('paris', 'lyon'))
    assert.deepEqual(await listed('?type=shipping'), idsOf('lyon', 'hamburg', 'rome'))
    assert.deepEqual(await listed('?country=de'), idsOf('berlin', 'hamburg'))
    assert.deepEqual(await listed('?country=FR&type=billing'), idsOf('paris'))
    assert.deepEqual(await listed(`?customer_id=${second.id}&type=shipping&country=It`), idsOf('rome'))
    assert.deepEqual(await listed('?country=ES'), [])
  })

  it('names every invalid filter at once', async () => {
    const res = await list('?type=home&country=France&customer_id=x')
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'invalid_parameter')
    assert.deepEqual(
      new Set(res.json().details),
      new Set([
        "Query parameter 'type' must be one of: billing, shipping",
        "Query parameter 'country' must be an ISO 3166-1 alpha-2 country code, such as FR",
      ]),
    )
  })

  it('walks every address two at a time, with no duplicates', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(res.statusCode, 200)
      const body = res.json()
      assert.ok(body.data.length <= 2)
      seen.push(...body.data.map((a: { id: string }) => a.id))
      cursor = body.next_cursor
      assert.equal(body.has_more, cursor !== null)
    } while (cursor)
    assert.deepEqual(seen, idsOf('paris', 'lyon', 'berlin', 'hamburg', 'rome'))
  })

  it('answers 400 to a cursor it did not give, and to a limit out of range', async () => {
    const res = await list('?cursor=garbage')
    assert.equal(res.statusCode, 400)
    assert.match(res.json().error, /'cursor'/)
    assert.equal((await list('?limit=0')).statusCode, 400)
  })

  it('answers 400 naming an unknown query parameter', async () => {
    const res = await list('?cursr=x')
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), {
      success: false,
      error: "Unknown query parameter 'cursr'",
      code: 'unknown_parameter',
      details: ["Unknown query parameter 'cursr'"],
    })
  })

  it("shows nothing of another workspace's addresses", async () => {
    const theirs = (await list('', other.auth)).json().data
    assert.equal(theirs.length, 1)
    assert.deepEqual(await listed(`?customer_id=${theirs[0].customer_id}`), [])
  })
})

describe('PATCH /api/addresses/{id}', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  const full = {
    type: 'shipping',
    name: 'Entrepôt',
    address_line2: 'Quai 3',
    state: 'Île-de-France',
    comment: 'Ring twice',
    id_crm: 'crm_1',
    id_erp: 'erp_1',
    id_accounting: 'acc_1',
  }

  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId)
  })

  const patch = (id: string, body: object, headers?: Headers) =>
    call('PATCH', `/api/addresses/${id}`, body, headers)

  it('changes only the fields given, trimmed, and answers the full address', async () => {
    const address = await buildAddress(customer.id, full)
    await ageRow('addresses', address.id)
    const res = await patch(address.id, { city: ' Marseille ', postal_code: '13001', country: 'fr' })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, updated_at: undefined },
      { ...address, city: 'Marseille', postal_code: '13001', country: 'FR', updated_at: undefined },
    )
    assert.notEqual(data.updated_at, '2026-01-01T00:00:00Z')
    assert.deepEqual((await call('GET', `/api/addresses/${address.id}`)).json().data, data)
  })

  it('clears every nullable field with null', async () => {
    const contact = await buildContact(customer.id)
    const address = await buildAddress(customer.id, { ...full, contact_id: contact.id })
    const cleared = {
      name: null,
      address_line2: null,
      state: null,
      contact_id: null,
      comment: null,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
    }
    const res = await patch(address.id, cleared)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().data, { ...address, ...cleared, updated_at: res.json().data.updated_at })
    assert.deepEqual(await addressIdsOfContact(contact.id), [])
  })

  it('moves the address from one contact to another of the same customer', async () => {
    const from = await buildContact(customer.id)
    const to = await buildContact(customer.id)
    const address = await buildAddress(customer.id, { contact_id: from.id })
    const res = await patch(address.id, { contact_id: to.id.toUpperCase() })
    assert.equal(res.json().data.contact_id, to.id)
    assert.deepEqual(await addressIdsOfContact(from.id), [])
    assert.deepEqual(await addressIdsOfContact(to.id), [address.id])
  })

  it("answers 400 to a contact_id that is not a live contact of the address's customer", async () => {
    const sibling = await insertCustomer(t.db, tenant.workspaceId)
    const ofSibling = await buildContact(sibling.id)
    const theirs = await buildContact((await insertCustomer(t.db, other.workspaceId)).id, other.auth)
    const deleted = await buildContact(customer.id)
    await call('DELETE', `/api/contacts/${deleted.id}`)
    const address = await buildAddress(customer.id)
    for (const contactId of [ofSibling.id, theirs.id, deleted.id, uuidv7()]) {
      const res = await patch(address.id, { contact_id: contactId, city: 'Nice' })
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json().details, [NO_CONTACT])
    }
    assert.deepEqual((await call('GET', `/api/addresses/${address.id}`)).json().data, address)
  })

  it('refuses a customer_id other than its own, naming it, and takes its own back unchanged', async () => {
    const address = await buildAddress(customer.id)
    const elsewhere = await insertCustomer(t.db, tenant.workspaceId)
    const res = await patch(address.id, { customer_id: elsewhere.id, city: 'Moved' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'customer_id' is read-only: it cannot change, and differs from the stored value",
    ])
    const stored = (await call('GET', `/api/addresses/${address.id}`)).json().data
    assert.equal(stored.customer_id, customer.id)
    assert.equal(stored.city, address.city)
    const same = await patch(address.id, { customer_id: customer.id.toUpperCase(), city: 'Kept' })
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.json().data.city, 'Kept')
  })

  it('takes back the whole object a GET gave, with one field changed', async () => {
    const address = await buildAddress(customer.id)
    const got = (await call('GET', `/api/addresses/${address.id}`)).json().data
    const res = await patch(address.id, { ...got, city: 'Lyon' })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().data.city, 'Lyon')
    assert.equal(res.json().data.address_line1, got.address_line1)
    const now = (await call('GET', `/api/addresses/${address.id}`)).json().data
    const stale = await patch(address.id, { ...now, id: uuidv7(), created_at: '2001-01-01T00:00:00Z' })
    assert.equal(stale.statusCode, 400)
    assert.deepEqual(stale.json().details, [
      "Field 'id' is read-only: it cannot change, and differs from the stored value",
      "Field 'created_at' is read-only: it cannot change, and differs from the stored value",
    ])
  })

  it('names every invalid field at once', async () => {
    const address = await buildAddress(customer.id)
    const res = await patch(address.id, { type: null, city: '', country: 'ZZ', postal_code: null, state: 7 })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(
      new Set(res.json().details),
      new Set([
        "Field 'type' must be of type string",
        "Field 'city' must not be blank",
        "Field 'country' must be an ISO 3166-1 alpha-2 country code, such as FR",
        "Field 'postal_code' must be of type string",
        "Field 'state' must be of type string or null",
      ]),
    )
  })

  it('changes nothing, not even updated_at, for an empty body', async () => {
    const address = await buildAddress(customer.id)
    await ageRow('addresses', address.id)
    const res = await patch(address.id, {})
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.updated_at, '2026-01-01T00:00:00Z')
  })

  it('answers 404 to an unknown id and to a deleted address', async () => {
    assert.deepEqual((await patch(uuidv7(), { city: 'Nice' })).json(), NOT_FOUND)
    const address = await buildAddress(customer.id)
    await call('DELETE', `/api/addresses/${address.id}`)
    const res = await patch(address.id, { city: 'Nice' })
    assert.equal(res.statusCode, 404)
  })
})

describe('DELETE /api/addresses/{id}', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId)
  })

  const remove = (id: string, headers?: Headers) => call('DELETE', `/api/addresses/${id}`, undefined, headers)

  it('soft-deletes the address: it answers the message, then reads and lists no longer show it', async () => {
    const address = await buildAddress(customer.id)
    const res = await remove(address.id)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'Address deleted successfully' })
    assert.deepEqual((await call('GET', `/api/addresses/${address.id}`)).json(), NOT_FOUND)
    const listed = (await call('GET', `/api/addresses?customer_id=${customer.id}`)).json().data
    assert.ok(!listed.some((a: { id: string }) => a.id === address.id))
    const row = await storedRow('addresses', address.id)
    assert.notEqual(row.deleted_at, null)
    assert.match(String(row.deletion_id), /^[0-9a-f]{8}-[0-9a-f]{4}-7/)
  })

  it("drops the address from its customer's and its contact's ids and touches the customer", async () => {
    const owner = await insertCustomer(t.db, tenant.workspaceId)
    const contact = await buildContact(owner.id)
    const kept = await buildAddress(owner.id, { contact_id: contact.id })
    const doomed = await buildAddress(owner.id, { contact_id: contact.id })
    await ageRow('customers', owner.id)
    await remove(doomed.id)
    assert.notEqual(storedTime((await storedRow('customers', owner.id)).updated_at), AGED)
    assert.deepEqual((await call('GET', `/api/customers/${owner.id}`)).json().data.address_ids, [kept.id])
    assert.deepEqual(await addressIdsOfContact(contact.id), [kept.id])
  })

  it('answers 404 to a second delete', async () => {
    const address = await buildAddress(customer.id)
    await remove(address.id)
    assert.deepEqual((await remove(address.id)).json(), NOT_FOUND)
  })

  it('answers 404 to an id that is not a UUID', async () => {
    const res = await remove('42')
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().code, 'not_found')
  })
})

describe('listAddressesOfCustomer', () => {
  it("gives the customer's live addresses, oldest first", async () => {
    const customer = await insertCustomer(t.db, tenant.workspaceId)
    const a = await buildAddress(customer.id)
    const b = await buildAddress(customer.id, { type: 'shipping' })
    const c = await buildAddress(customer.id)
    await call('DELETE', `/api/addresses/${c.id}`)
    const addresses = await listAddressesOfCustomer(t.db.kysely, tenant.workspaceId, customer.id)
    assert.deepEqual(addresses, [a, b])
    assert.deepEqual(await listAddressesOfCustomer(t.db.kysely, other.workspaceId, customer.id), [])
  })
})

describe('the OpenAPI document', () => {
  it('describes every addresses route with its parameters, body and errors', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const list = doc.paths['/api/addresses'].get
    assert.deepEqual(list.tags, ['Addresses'])
    assert.deepEqual(
      list.parameters.map((p: { name: string }) => p.name),
      ['customer_id', 'type', 'country', 'limit', 'cursor'],
    )
    const body = doc.paths['/api/addresses'].post.requestBody.content['application/json'].schema
    assert.deepEqual(body.required, [
      'customer_id',
      'type',
      'address_line1',
      'city',
      'postal_code',
      'country',
    ])
    for (const [path, method, codes] of [
      ['/api/addresses', 'get', ['200', '400', '401', '403']],
      ['/api/addresses', 'post', ['201', '400', '401', '403']],
      ['/api/addresses/{id}', 'get', ['200', '400', '401', '403', '404']],
      ['/api/addresses/{id}', 'patch', ['200', '400', '401', '403', '404']],
      ['/api/addresses/{id}', 'delete', ['200', '400', '401', '403', '404']],
    ] as const) {
      const op = doc.paths[path][method]
      assert.ok(op.summary && op.description, `${method} ${path}`)
      assert.deepEqual(op.tags, ['Addresses'])
      assert.deepEqual(op.security, [{ bearer: [] }])
      for (const code of codes) assert.ok(op.responses[code], `${method} ${path} ${code}`)
    }
  })
})
