import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import {
  api,
  buildTenant,
  type Headers,
  insertCustomer,
  nextInstant,
  useTestApp,
} from '../../../test/helpers.ts'
import { updateWorkspace } from '../workspaces/store.ts'
import { listContactsOfCustomer } from './store.ts'

const KEYS = [
  'id',
  'workspace_id',
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'role',
  'id_crm',
  'id_erp',
  'id_accounting',
  'address_ids',
  'created_at',
  'updated_at',
]
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const NO_CUSTOMER = {
  success: false,
  error: 'Validation error',
  code: 'validation_failed',
  details: ["Field 'customer_id' does not name a customer of this workspace"],
}
const NOT_FOUND = { success: false, error: 'Contact not found', code: 'not_found' }

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

/** A contact created through the API; `input` overrides the defaults. */
async function buildContact(customerId: string, input: Record<string, unknown> = {}, headers?: Headers) {
  const res = await call(
    'POST',
    '/api/contacts',
    { customer_id: customerId, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', ...input },
    headers,
  )
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data
}

async function buildAddress(customerId: string, contactId: string | null, headers?: Headers) {
  const res = await call(
    'POST',
    '/api/addresses',
    {
      customer_id: customerId,
      type: 'billing',
      address_line1: '1 rue de Rivoli',
      city: 'Paris',
      postal_code: '75001',
      country: 'FR',
      contact_id: contactId,
    },
    headers,
  )
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data
}

async function storedRow(table: 'contacts' | 'addresses' | 'customers', id: string) {
  return t.db.kysely.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

async function ageRow(table: 'contacts' | 'addresses' | 'customers', id: string) {
  await t.db.kysely
    .updateTable(table)
    .set({ updated_at: '2026-01-01T00:00:00.000Z' })
    .where('id', '=', id)
    .execute()
}

const storedTime = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

describe('POST /api/contacts', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId)
  })

  it('creates a contact and answers 201 with every field, keys in order', async () => {
    const res = await call('POST', '/api/contacts', {
      customer_id: customer.id,
      first_name: 'Marie',
      last_name: 'Curie',
      email: 'marie@example.com',
      phone: '+33 6 12 34 56 78',
      role: ['buyer', 'signer'],
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
        first_name: 'Marie',
        last_name: 'Curie',
        email: 'marie@example.com',
        phone: '+33 6 12 34 56 78',
        role: ['buyer', 'signer'],
        id_crm: 'crm_1',
        id_erp: 'erp_1',
        id_accounting: 'acc_1',
        address_ids: [],
        created_at: undefined,
        updated_at: undefined,
      },
    )
    const read = await call('GET', `/api/contacts/${data.id}`)
    assert.deepEqual(read.json().data, data)
  })

  it('trims names and email, and keeps the roles in the order given', async () => {
    const data = await buildContact(customer.id, {
      first_name: '  Ada ',
      last_name: ' Lovelace\t',
      email: 'ada@example.com',
      role: ['signer', 'legal', 'buyer'],
    })
    assert.equal(data.first_name, 'Ada')
    assert.equal(data.last_name, 'Lovelace')
    assert.deepEqual(data.role, ['signer', 'legal', 'buyer'])
    assert.equal((await storedRow('contacts', data.id)).role, 'signer,legal,buyer')
  })

  it('defaults role to [] and phone and the external ids to null', async () => {
    const data = await buildContact(customer.id)
    assert.deepEqual(data.role, [])
    assert.equal(data.phone, null)
    assert.deepEqual([data.id_crm, data.id_erp, data.id_accounting], [null, null, null])
  })

  it('names every invalid field at once', async () => {
    const res = await call('POST', '/api/contacts', {
      customer_id: ['not', 'a', 'string'],
      first_name: ' \u200b ',
      last_name: 'x'.repeat(101),
      email: 'not-an-email',
      phone: 33612345678,
      role: ['buyer', 'buyer', 'ceo'],
      id_crm: 'x'.repeat(256),
      nickname: 'Ada',
    })
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.code, 'validation_failed')
    assert.equal(body.error, 'Validation error')
    assert.deepEqual(
      new Set(body.details),
      new Set([
        "Field 'nickname' is not allowed",
        "Field 'customer_id' must be of type string",
        "Field 'first_name' must not be blank",
        "Field 'last_name' must be at most 100 characters",
        "Field 'email' must be an email address",
        "Field 'phone' must be of type string or null",
        "Field 'role[2]' must be one of: buyer, signer, billing, shipping, legal, admin",
        "Field 'role' must not contain duplicates",
        "Field 'id_crm' must be at most 255 characters",
      ]),
    )
  })

  it('names every missing required field', async () => {
    const res = await call('POST', '/api/contacts', {})
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'customer_id' is required",
      "Field 'first_name' is required",
      "Field 'last_name' is required",
      "Field 'email' is required",
    ])
  })

  it('refuses more than six roles and an email longer than 254 characters', async () => {
    const res = await call('POST', '/api/contacts', {
      customer_id: customer.id,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}.fr`,
      role: ['buyer', 'signer', 'billing', 'shipping', 'legal', 'admin', 'buyer'],
    })
    assert.equal(res.statusCode, 400)
    const { details } = res.json()
    assert.ok(details.includes("Field 'role' must have at most 6 items"), details)
    assert.ok(details.includes("Field 'email' must be at most 254 characters"), details)
  })

  it('refuses a phone number that is not possible', async () => {
    for (const phone of ['call me maybe', '12', '+33 6 12 34 56 78 90 12 34']) {
      const res = await call('POST', '/api/contacts', {
        customer_id: customer.id,
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        phone,
      })
      assert.equal(res.statusCode, 400, phone)
      assert.deepEqual(res.json().details, [
        "Field 'phone' must be a possible phone number, international (+33 6 12 34 56 78) or national in the workspace's country, FR",
      ])
    }
  })

  it("reads national numbers in the workspace's country and stores every number in international format", async () => {
    for (const [given, stored] of [
      ['06 12 34 56 78', '+33 6 12 34 56 78'],
      ['0612345678', '+33 6 12 34 56 78'],
      ['01.42.68.53.00', '+33 1 42 68 53 00'],
      ['+33612345678', '+33 6 12 34 56 78'],
      ['0033 6 12 34 56 78', '+33 6 12 34 56 78'],
      ['+1 (212) 555-0100', '+1 212 555 0100'],
      [' +33 6 12 34 56 78 ', '+33 6 12 34 56 78'],
    ]) {
      const data = await buildContact(customer.id, { phone: given })
      assert.equal(data.phone, stored, given)
    }
    const belgian = await buildTenant(t.db)
    await updateWorkspace(t.db.kysely, belgian.workspaceId, { defaultCountry: 'BE' })
    const theirs = await insertCustomer(t.db, belgian.workspaceId)
    const res = await call(
      'POST',
      '/api/contacts',
      {
        customer_id: theirs.id,
        first_name: 'Ann',
        last_name: 'Peeters',
        email: 'a@p.be',
        phone: '0470 12 34 56',
      },
      belgian.auth,
    )
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().data.phone, '+32 470 12 34 56')
  })

  it('takes a blank phone or external id as null, and trims names and emails of invisible characters', async () => {
    const data = await buildContact(customer.id, {
      first_name: '\u200bAda\u00a0',
      email: ' ada@example.com\ufeff',
      phone: ' \u200b ',
      id_crm: '   ',
    })
    assert.equal(data.first_name, 'Ada')
    assert.equal(data.email, 'ada@example.com')
    assert.equal(data.phone, null)
    assert.equal(data.id_crm, null)
  })

  it("accepts Qwoty's documented example body", async () => {
    const res = await call('POST', '/api/contacts', {
      customer_id: customer.id,
      first_name: 'Jean',
      last_name: 'Dupont',
      email: 'jean.dupont@acme.com',
      phone: '+33 6 12 34 56 78',
      role: ['buyer', 'signer'],
    })
    assert.equal(res.statusCode, 201, res.body)
  })

  it('answers the same 400 for an unknown customer, one of another workspace, and an id that is not a UUID', async () => {
    const theirs = await insertCustomer(t.db, other.workspaceId, { name: 'Secret Corp' })
    const before = await storedRow('customers', theirs.id)
    // Ids are opaque: cust_456 names no customer, as an unknown UUID does not.
    for (const customerId of [uuidv7(), theirs.id, 'cust_456', 'x'.repeat(255)]) {
      const res = await call('POST', '/api/contacts', {
        customer_id: customerId,
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
      })
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json(), NO_CUSTOMER)
    }
    assert.deepEqual(await storedRow('customers', theirs.id), before)
    const stored = await t.db.kysely
      .selectFrom('contacts')
      .select('id')
      .where('customer_id', '=', theirs.id)
      .execute()
    assert.deepEqual(stored, [])
  })

  it('answers 400 for a deleted customer, and leaves it untouched', async () => {
    const gone = await insertCustomer(t.db, tenant.workspaceId)
    await t.db.kysely
      .updateTable('customers')
      .set({ deleted_at: nextInstant(), deletion_id: uuidv7() })
      .where('id', '=', gone.id)
      .execute()
    const before = await storedRow('customers', gone.id)
    const res = await call('POST', '/api/contacts', {
      customer_id: gone.id,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
    })
    assert.deepEqual(res.json(), NO_CUSTOMER)
    assert.deepEqual(await storedRow('customers', gone.id), before)
  })

  it("adds the contact to its customer's contact_ids and touches the customer", async () => {
    const owner = await insertCustomer(t.db, tenant.workspaceId)
    const data = await buildContact(owner.id)
    const stored = await storedRow('customers', owner.id)
    assert.notEqual(storedTime(stored.updated_at), owner.createdAt)
    const res = await call('GET', `/api/customers/${owner.id}`)
    assert.deepEqual(res.json().data.contact_ids, [data.id])
  })

  it('accepts an upper-case customer_id', async () => {
    const data = await buildContact(customer.id.toUpperCase())
    assert.equal(data.customer_id, customer.id)
  })
})

describe('GET /api/contacts/{id}', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  let contact: { id: string }

  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId, { name: 'Globex' })
    contact = await buildContact(customer.id, { first_name: 'Hank', last_name: 'Scorpio' })
  })

  const get = (id: string, headers?: Headers) => call('GET', `/api/contacts/${id}`, undefined, headers)

  it('returns the contact with the ids of its live addresses, oldest first by creation then id', async () => {
    const sibling = await buildContact(customer.id)
    const base = {
      workspace_id: tenant.workspaceId,
      customer_id: customer.id,
      type: 'shipping' as const,
      address_line1: '1 Cypress Creek',
      city: 'Springfield',
      postal_code: '12345',
      country: 'US',
    }
    const [newerId, olderId, deletedId, otherId] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()]
    const early = nextInstant()
    const late = nextInstant()
    await t.db.kysely
      .insertInto('addresses')
      .values([
        // The later id was created earlier: creation time decides.
        { id: olderId, ...base, contact_id: contact.id, created_at: late, updated_at: late },
        { id: newerId, ...base, contact_id: contact.id, created_at: early, updated_at: early },
        {
          id: deletedId,
          ...base,
          contact_id: contact.id,
          created_at: early,
          updated_at: early,
          deleted_at: late,
          deletion_id: uuidv7(),
        },
        { id: otherId, ...base, contact_id: sibling.id, created_at: early, updated_at: early },
      ])
      .execute()
    const res = await get(contact.id)
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(data.address_ids, [newerId, olderId])
    assert.equal(data.first_name, 'Hank')
  })

  it('accepts an upper-case UUID', async () => {
    const res = await get(contact.id.toUpperCase())
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.id, contact.id)
  })

  it('answers 404 to an id that is not a UUID: ids are opaque', async () => {
    for (const id of ['nope', 'contact_789']) {
      const res = await get(id)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), NOT_FOUND)
    }
  })

  it('answers 404 "Contact not found" to an unknown id', async () => {
    const res = await get(uuidv7())
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), NOT_FOUND)
  })
})

describe('GET /api/contacts', () => {
  let mine: Tenant
  let first: Awaited<ReturnType<typeof insertCustomer>>
  let second: Awaited<ReturnType<typeof insertCustomer>>
  const contacts: Record<string, { id: string; address_ids: string[] }> = {}

  before(async () => {
    mine = await buildTenant(t.db)
    first = await insertCustomer(t.db, mine.workspaceId)
    second = await insertCustomer(t.db, mine.workspaceId)
    const people = {
      marie: [first, 'Marie', 'Curie', 'Marie.Curie@Example.com'],
      pierre: [first, 'Pierre', 'Curie', 'pierre@example.com'],
      ada: [second, 'Ada', 'Lovelace', 'ada@analytical.org'],
      percent: [second, 'Fifty', '50% Off', 'sales@discount.org'],
      under: [second, 'Snake', 'snake_case', 'python@example.com'],
      slash: [second, 'Back', 'Back\\Slash', 'escape@example.com'],
    } as const
    for (const [key, [customer, first_name, last_name, email]] of Object.entries(people)) {
      contacts[key] = await buildContact(customer.id, { first_name, last_name, email }, mine.auth)
    }
    const address = await buildAddress(first.id, contacts.pierre!.id, mine.auth)
    contacts.pierre!.address_ids = [address.id]
    await buildContact(await insertCustomer(t.db, other.workspaceId).then((c) => c.id), {}, other.auth)
  })

  const list = async (query = '', headers?: Headers) =>
    call('GET', `/api/contacts${query}`, undefined, headers ?? mine.auth)
  const ids = async (query: string) => {
    const res = await list(query)
    assert.equal(res.statusCode, 200, res.body)
    return res.json().data.map((c: { id: string }) => c.id)
  }
  const idsOf = (...keys: string[]) => keys.map((k) => contacts[k]!.id)

  it("lists the workspace's contacts oldest first, with their address ids", async () => {
    const res = await list()
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data', 'has_more', 'next_cursor'])
    assert.equal(body.has_more, false)
    assert.equal(body.next_cursor, null)
    assert.deepEqual(
      body.data.map((c: { id: string }) => c.id),
      idsOf('marie', 'pierre', 'ada', 'percent', 'under', 'slash'),
    )
    assert.deepEqual(Object.keys(body.data[0]), KEYS)
    assert.deepEqual(body.data[1].address_ids, contacts.pierre!.address_ids)
    assert.deepEqual(body.data[0].address_ids, [])
  })

  it('filters by customer_id', async () => {
    assert.deepEqual(await ids(`?customer_id=${first.id}`), idsOf('marie', 'pierre'))
    assert.deepEqual(
      await ids(`?customer_id=${second.id.toUpperCase()}`),
      idsOf('ada', 'percent', 'under', 'slash'),
    )
  })

  it('filters by email, ignoring case', async () => {
    assert.deepEqual(await ids('?email=marie.curie@example.COM'), idsOf('marie'))
    assert.deepEqual(await ids('?email=marie@example.com'), [])
  })

  it('searches first name, last name and email with q, ignoring case', async () => {
    assert.deepEqual(await ids('?q=CURIE'), idsOf('marie', 'pierre'))
    assert.deepEqual(await ids('?q=ierr'), idsOf('pierre'))
    assert.deepEqual(await ids('?q=analytical'), idsOf('ada'))
    assert.deepEqual(await ids(`?q=curie&customer_id=${second.id}`), [])
  })

  it('takes %, _ and \\ in q literally', async () => {
    assert.deepEqual(await ids('?q=%25'), idsOf('percent'))
    assert.deepEqual(await ids('?q=_'), idsOf('under'))
    assert.deepEqual(await ids('?q=%5C'), idsOf('slash'))
    assert.deepEqual(await ids('?q=e_c'), idsOf('under'))
  })

  it('refuses an empty q and one longer than 200 characters', async () => {
    for (const q of ['', 'x'.repeat(201)]) {
      const res = await list(`?q=${q}`)
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().code, 'invalid_parameter')
      assert.match(res.json().error, /'q'/)
    }
  })

  it('finds nothing for a customer_id that is not a UUID: ids are opaque', async () => {
    const res = await list('?customer_id=acme')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().data, [])
  })

  it('walks every contact two at a time, with no duplicates', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(res.statusCode, 200)
      const body = res.json()
      assert.ok(body.data.length <= 2)
      seen.push(...body.data.map((c: { id: string }) => c.id))
      cursor = body.next_cursor
      assert.equal(body.has_more, cursor !== null)
      pages++
    } while (cursor)
    assert.equal(pages, 3)
    assert.deepEqual(seen, idsOf('marie', 'pierre', 'ada', 'percent', 'under', 'slash'))
  })

  it('answers 400 to a cursor it did not give', async () => {
    const res = await list('?cursor=bm90LWEtY3Vyc29y')
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'invalid_parameter')
    assert.match(res.json().error, /'cursor'/)
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

  it("shows nothing of another workspace's contacts", async () => {
    const theirs = (await list('', other.auth)).json().data
    assert.equal(theirs.length, 1)
    assert.equal(theirs[0].workspace_id, other.workspaceId)
    assert.deepEqual(await ids(`?customer_id=${theirs[0].customer_id}`), [])
    assert.deepEqual(await ids(`?email=${theirs[0].email}`), [])
  })
})

describe('PATCH /api/contacts/{id}', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  const full = {
    first_name: 'Marie',
    last_name: 'Curie',
    email: 'marie@example.com',
    phone: '+33 1 42 68 53 00',
    role: ['buyer', 'signer'],
    id_crm: 'crm_1',
    id_erp: 'erp_1',
    id_accounting: 'acc_1',
  }

  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId)
  })

  const patch = (id: string, body: object, headers?: Headers) =>
    call('PATCH', `/api/contacts/${id}`, body, headers)

  it('changes only the fields given and answers the full contact', async () => {
    const contact = await buildContact(customer.id, full)
    const address = await buildAddress(customer.id, contact.id)
    await ageRow('contacts', contact.id)
    const res = await patch(contact.id, { first_name: '  Irène ', email: 'irene@example.com' })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, updated_at: undefined },
      {
        ...contact,
        first_name: 'Irène',
        email: 'irene@example.com',
        address_ids: [address.id],
        updated_at: undefined,
      },
    )
    assert.notEqual(
      storedTime((await storedRow('contacts', contact.id)).updated_at),
      '2026-01-01T00:00:00.000Z',
    )
    assert.deepEqual((await call('GET', `/api/contacts/${contact.id}`)).json().data, data)
  })

  it('clears phone and the external ids with null', async () => {
    const contact = await buildContact(customer.id, full)
    const res = await patch(contact.id, { phone: null, id_crm: null, id_erp: null, id_accounting: null })
    assert.equal(res.statusCode, 200)
    const { data } = res.json()
    assert.deepEqual([data.phone, data.id_crm, data.id_erp, data.id_accounting], [null, null, null, null])
    assert.equal(data.first_name, 'Marie')
    assert.deepEqual(data.role, ['buyer', 'signer'])
  })

  it('replaces role as a whole, and [] empties it', async () => {
    const contact = await buildContact(customer.id, full)
    assert.deepEqual((await patch(contact.id, { role: ['admin'] })).json().data.role, ['admin'])
    assert.deepEqual((await patch(contact.id, { role: ['legal', 'buyer'] })).json().data.role, [
      'legal',
      'buyer',
    ])
    assert.deepEqual((await patch(contact.id, { role: [] })).json().data.role, [])
    assert.equal((await storedRow('contacts', contact.id)).role, '')
  })

  it('changes nothing, not even updated_at, for an empty body', async () => {
    const contact = await buildContact(customer.id, full)
    await ageRow('contacts', contact.id)
    const res = await patch(contact.id, {})
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.updated_at, '2026-01-01T00:00:00Z')
  })

  it('takes back the whole object a GET gave, with one field changed, and reads its phone', async () => {
    const contact = await buildContact(customer.id, full)
    const got = (await call('GET', `/api/contacts/${contact.id}`)).json().data
    const res = await patch(contact.id, { ...got, last_name: 'Byron', phone: '06 99 88 77 66' })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().data.last_name, 'Byron')
    assert.equal(res.json().data.phone, '+33 6 99 88 77 66')
    assert.deepEqual(res.json().data.role, got.role)
  })

  it('refuses a customer_id other than its own, naming it', async () => {
    const contact = await buildContact(customer.id)
    const elsewhere = await insertCustomer(t.db, tenant.workspaceId)
    const res = await patch(contact.id, { customer_id: elsewhere.id, first_name: 'Changed' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'Validation error',
      code: 'validation_failed',
      details: ["Field 'customer_id' is read-only: it cannot change, and differs from the stored value"],
    })
    const read = (await call('GET', `/api/contacts/${contact.id}`)).json().data
    assert.equal(read.customer_id, customer.id)
    assert.equal(read.first_name, 'Ada')
  })

  it('names every invalid field at once', async () => {
    const contact = await buildContact(customer.id)
    const res = await patch(contact.id, {
      first_name: null,
      last_name: '',
      email: 'nope',
      role: ['boss'],
      id_erp: 'x'.repeat(256),
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(
      new Set(res.json().details),
      new Set([
        "Field 'first_name' must be of type string",
        "Field 'last_name' must not be blank",
        "Field 'email' must be an email address",
        "Field 'role[0]' must be one of: buyer, signer, billing, shipping, legal, admin",
        "Field 'id_erp' must be at most 255 characters",
      ]),
    )
  })

  it('answers 404 to an unknown id', async () => {
    const res = await patch(uuidv7(), { first_name: 'X' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), NOT_FOUND)
  })
})

describe('DELETE /api/contacts/{id}', () => {
  let customer: Awaited<ReturnType<typeof insertCustomer>>
  before(async () => {
    customer = await insertCustomer(t.db, tenant.workspaceId)
  })

  const remove = (id: string, headers?: Headers) => call('DELETE', `/api/contacts/${id}`, undefined, headers)

  it('soft-deletes the contact: it answers the message, then reads and lists no longer show it', async () => {
    const contact = await buildContact(customer.id, { last_name: 'Doomed' })
    const res = await remove(contact.id)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { success: true, message: 'Contact deleted successfully' })
    assert.deepEqual((await call('GET', `/api/contacts/${contact.id}`)).json(), NOT_FOUND)
    const listed = (await call('GET', `/api/contacts?customer_id=${customer.id}`)).json().data
    assert.ok(!listed.some((c: { id: string }) => c.id === contact.id))
    const row = await storedRow('contacts', contact.id)
    assert.notEqual(row.deleted_at, null)
    assert.match(String(row.deletion_id), /^[0-9a-f]{8}-[0-9a-f]{4}-7/)
  })

  it("drops the contact from its customer's contact_ids and touches the customer", async () => {
    const owner = await insertCustomer(t.db, tenant.workspaceId)
    const kept = await buildContact(owner.id)
    const doomed = await buildContact(owner.id)
    await ageRow('customers', owner.id)
    await remove(doomed.id)
    const stored = await storedRow('customers', owner.id)
    assert.notEqual(storedTime(stored.updated_at), '2026-01-01T00:00:00.000Z')
    assert.deepEqual(
      (await listContactsOfCustomer(t.db.kysely, tenant.workspaceId, owner.id)).map((c) => c.id),
      [kept.id],
    )
    assert.deepEqual((await call('GET', `/api/customers/${owner.id}`)).json().data.contact_ids, [kept.id])
  })

  it('unlinks it from its live addresses, which move their updated_at, and leaves other addresses alone', async () => {
    const contact = await buildContact(customer.id)
    const sibling = await buildContact(customer.id)
    const linked = await buildAddress(customer.id, contact.id)
    const unrelated = await buildAddress(customer.id, sibling.id)
    await ageRow('addresses', linked.id)
    await ageRow('addresses', unrelated.id)
    await remove(contact.id)
    const after = (await call('GET', `/api/addresses/${linked.id}`)).json().data
    assert.equal(after.contact_id, null)
    assert.notEqual(after.updated_at, '2026-01-01T00:00:00Z')
    const untouched = (await call('GET', `/api/addresses/${unrelated.id}`)).json().data
    assert.equal(untouched.contact_id, sibling.id)
    assert.equal(untouched.updated_at, '2026-01-01T00:00:00Z')
  })

  it('answers 404 to a second delete, and to an update of the deleted contact', async () => {
    const contact = await buildContact(customer.id)
    await remove(contact.id)
    assert.deepEqual((await remove(contact.id)).json(), NOT_FOUND)
    assert.equal(
      (await call('PATCH', `/api/contacts/${contact.id}`, { first_name: 'Lazarus' })).statusCode,
      404,
    )
  })

  it('answers 404 to an id that is not a UUID', async () => {
    const res = await remove('42')
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), NOT_FOUND)
  })
})

describe('listContactsOfCustomer', () => {
  it("gives the customer's live contacts oldest first, with their address ids", async () => {
    const customer = await insertCustomer(t.db, tenant.workspaceId)
    const a = await buildContact(customer.id)
    const b = await buildContact(customer.id)
    const c = await buildContact(customer.id)
    const address = await buildAddress(customer.id, b.id)
    await call('DELETE', `/api/contacts/${c.id}`)
    const contacts = await listContactsOfCustomer(t.db.kysely, tenant.workspaceId, customer.id)
    assert.deepEqual(
      contacts.map((k) => [k.id, k.address_ids]),
      [
        [a.id, []],
        [b.id, [address.id]],
      ],
    )
    assert.deepEqual(await listContactsOfCustomer(t.db.kysely, other.workspaceId, customer.id), [])
  })
})

describe('the OpenAPI document', () => {
  it('describes every contacts route with its parameters, body and errors', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    const list = doc.paths['/api/contacts'].get
    assert.deepEqual(list.tags, ['Contacts'])
    assert.deepEqual(
      list.parameters.map((p: { name: string }) => p.name),
      ['customer_id', 'email', 'q', 'limit', 'cursor'],
    )
    const create = doc.paths['/api/contacts'].post
    assert.ok(create.requestBody.content['application/json'].schema.properties.role.description)
    for (const [path, method, codes] of [
      ['/api/contacts', 'get', ['200', '400', '401', '403']],
      ['/api/contacts', 'post', ['201', '400', '401', '403']],
      ['/api/contacts/{id}', 'get', ['200', '400', '401', '403', '404']],
      ['/api/contacts/{id}', 'patch', ['200', '400', '401', '403', '404']],
      ['/api/contacts/{id}', 'delete', ['200', '400', '401', '403', '404']],
    ] as const) {
      const op = doc.paths[path][method]
      assert.ok(op.summary && op.description, `${method} ${path}`)
      assert.deepEqual(op.security, [{ bearer: [] }])
      for (const code of codes) assert.ok(op.responses[code], `${method} ${path} ${code}`)
    }
  })
})
