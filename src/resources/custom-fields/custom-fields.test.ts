import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, useTestApp } from '../../../test/helpers.ts'
import { insertQuoteRow } from '../../../test/quote-rows.ts'

const KEYS = [
  'id',
  'object',
  'name',
  'api_name',
  'type',
  'description',
  'is_required',
  'is_active',
  'created_at',
  'updated_at',
]

type Tenant = Awaited<ReturnType<typeof buildTenant>>
type Field = { id: string; name: string; api_name: string }

describe('POST /api/custom-fields', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('creates a field: api_name made from the name, keys in order, with its event', async () => {
    const res = await call.post('/api/custom-fields', {
      object: 'customer',
      name: ' Account manager région ',
      type: 'text',
      description: 'Where the account is managed from',
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, id: null, created_at: null, updated_at: null },
      {
        id: null,
        object: 'customer',
        name: 'Account manager région',
        api_name: 'account_manager_region',
        type: 'text',
        description: 'Where the account is managed from',
        is_required: false,
        is_active: true,
        created_at: null,
        updated_at: null,
      },
    )
    assert.equal(res.headers.etag, '"1"')
    assert.deepEqual((await call.get(`/api/custom-fields/${data.id}`)).json().data, data)
    const event = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('record_id', '=', data.id)
      .executeTakeFirstOrThrow()
    assert.equal(event.type, 'custom_field.created')
  })

  it('numbers a generated api_name while taken on the same object; the other object has its own', async () => {
    const make = async (object: string) =>
      (await call.post('/api/custom-fields', { object, name: 'Region', type: 'text' })).json().data.api_name
    assert.deepEqual(
      [await make('customer'), await make('customer'), await make('quote'), await make('customer')],
      ['region', 'region_2', 'region', 'region_3'],
    )
  })

  it('answers 409 naming the field that holds an explicit api_name on the same object', async () => {
    const holder = (
      await call.post('/api/custom-fields', { object: 'quote', name: 'Deal size', type: 'number' })
    ).json().data
    const res = await call.post('/api/custom-fields', {
      object: 'quote',
      name: 'Other',
      api_name: 'deal_size',
      type: 'text',
    })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: `api_name 'deal_size' is already used by custom field ${holder.id} (Deal size)`,
      code: 'conflict',
    })
    const elsewhere = await call.post('/api/custom-fields', {
      object: 'customer',
      name: 'Other',
      api_name: 'deal_size',
      type: 'text',
    })
    assert.equal(elsewhere.statusCode, 201, elsewhere.body)
  })

  it('answers 400 naming each field at fault', async () => {
    const ok = { object: 'customer', name: 'X', type: 'text' }
    const cases: [object, string][] = [
      [{ ...ok, object: 'product' }, "Field 'object' must be one of: customer, quote"],
      [{ ...ok, object: undefined }, "Field 'object' is required (customer | quote)"],
      [{ ...ok, type: 'boolean' }, "Field 'type' must be one of: text, number, date"],
      [{ ...ok, type: undefined }, "Field 'type' is required (text | number | date)"],
      [{ ...ok, name: ' ' }, "Field 'name' must not be blank"],
      [{ ...ok, api_name: 'Not Snake' }, "Field 'api_name' must be snake_case"],
      [{ ...ok, is_required: 'yes' }, "Field 'is_required' must be of type boolean"],
      [{ ...ok, color: 'red' }, "Field 'color' is not allowed"],
    ]
    for (const [body, message] of cases) {
      const res = await call.post('/api/custom-fields', body)
      assert.equal(res.statusCode, 400, JSON.stringify(body))
      assert.ok(
        res.json().details.some((d: string) => d.startsWith(message)),
        `${JSON.stringify(body)}: ${res.body}`,
      )
    }
  })

  it('answers 401 without a token, 403 without settings:write', async () => {
    const body = { object: 'customer', name: 'X', type: 'text' }
    assert.equal((await call.post('/api/custom-fields', body, {})).statusCode, 401)
    const reader = await buildToken(t.db, tenant.workspaceId, ['settings:read', 'customers:write'])
    const res = await call.post('/api/custom-fields', body, reader.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().error, "This token lacks the 'settings:write' permission")
  })
})

describe('GET /api/custom-fields', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("filters by object, type and is_active; never shows another workspace's", async () => {
    for (const body of [
      { object: 'customer', name: 'Region', type: 'text' },
      { object: 'quote', name: 'Deal size', type: 'number', is_active: false },
      { object: 'quote', name: 'Signed on', type: 'date' },
    ]) {
      assert.equal((await call.post('/api/custom-fields', body)).statusCode, 201)
    }
    await api(t, (await buildTenant(t.db)).auth).post('/api/custom-fields', {
      object: 'quote',
      name: 'Theirs',
      type: 'text',
    })
    const names = async (query: string) =>
      (await call.get(`/api/custom-fields${query}`)).json().data.map((f: Field) => f.name)
    assert.deepEqual(await names(''), ['Region', 'Deal size', 'Signed on'])
    assert.deepEqual(await names('?object=quote'), ['Deal size', 'Signed on'])
    assert.deepEqual(await names('?object=quote&is_active=true'), ['Signed on'])
    assert.deepEqual(await names('?type=number'), ['Deal size'])
    const page = (await call.get('/api/custom-fields?limit=2')).json()
    assert.equal(page.has_more, true)
    assert.deepEqual(
      (await call.get(`/api/custom-fields?limit=2&cursor=${page.next_cursor}`))
        .json()
        .data.map((f: Field) => f.name),
      ['Signed on'],
    )
  })

  it('answers 400 naming a bad filter, 403 without settings:read', async () => {
    const res = await call.get('/api/custom-fields?object=product')
    assert.equal(res.statusCode, 400)
    assert.match(res.json().error, /'object'/)
    const other = await buildToken(t.db, tenant.workspaceId, ['customers:read'])
    assert.equal((await call.get('/api/custom-fields', other.auth)).statusCode, 403)
  })
})

describe('GET, PATCH and DELETE /api/custom-fields/{id}', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("answers 404 to an unknown id, a non-UUID, another workspace's", async () => {
    const theirs = (
      await api(t, (await buildTenant(t.db)).auth).post('/api/custom-fields', {
        object: 'quote',
        name: 'Theirs',
        type: 'text',
      })
    ).json().data
    for (const id of [uuidv7(), 'nope', theirs.id]) {
      const res = await call.get(`/api/custom-fields/${id}`)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), { success: false, error: 'Custom field not found', code: 'not_found' })
      assert.equal((await call.patch(`/api/custom-fields/${id}`, { name: 'Mine' })).statusCode, 404)
      assert.equal((await call.del(`/api/custom-fields/${id}`)).statusCode, 404)
    }
  })

  it('changes name, description, is_required and is_active; keeps the api_name', async () => {
    const field = (
      await call.post('/api/custom-fields', { object: 'customer', name: 'Tier', type: 'text' })
    ).json().data
    const res = await call.patch(`/api/custom-fields/${field.id}`, {
      name: 'Customer tier',
      description: 'Gold, silver…',
      is_required: true,
      is_active: false,
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(
      [data.name, data.api_name, data.description, data.is_required, data.is_active],
      ['Customer tier', 'tier', 'Gold, silver…', true, false],
    )
    assert.equal(res.headers.etag, '"2"')
    // The GET sent back, object, type and api_name included, changes nothing.
    const same = await call.patch(`/api/custom-fields/${field.id}`, data)
    assert.equal(same.statusCode, 200, same.body)
    assert.equal(same.headers.etag, '"2"')
  })

  it('answers 400 to a change of object, type or api_name, naming each and saying why', async () => {
    const field = (
      await call.post('/api/custom-fields', { object: 'customer', name: 'Size', type: 'number' })
    ).json().data
    const res = await call.patch(`/api/custom-fields/${field.id}`, {
      object: 'quote',
      type: 'text',
      api_name: 'other',
    })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'object' cannot change once the custom field is created: the records it belongs to are what its values are stored on: create a field on the other object instead",
      "Field 'type' cannot change once the custom field is created: values already stored were checked as its type: create another field of the new type instead",
      "Field 'api_name' cannot change once the custom field is created: values are stored under it: create another field instead",
    ])
    assert.equal((await call.get(`/api/custom-fields/${field.id}`)).json().data.type, 'number')
  })

  it('deletes an unused field; 409 while customers or quotes hold a value of it', async () => {
    const unused = (
      await call.post('/api/custom-fields', { object: 'customer', name: 'Unused', type: 'text' })
    ).json().data
    const gone = await call.del(`/api/custom-fields/${unused.id}`)
    assert.equal(gone.statusCode, 200)
    assert.deepEqual(gone.json(), { success: true, message: 'Custom field deleted successfully' })
    assert.equal((await call.get(`/api/custom-fields/${unused.id}`)).statusCode, 404)

    const region = (
      await call.post('/api/custom-fields', { object: 'customer', name: 'Region', type: 'text' })
    ).json().data
    const customer = (
      await call.post('/api/customers', {
        name: 'Acme',
        type: 'company',
        custom_properties: { region: 'EU' },
      })
    ).json().data
    const refused = await call.del(`/api/custom-fields/${region.id}`)
    assert.equal(refused.statusCode, 409)
    assert.equal(
      refused.json().error,
      'Custom field is used by 1 customer: remove its value first (custom_properties {"region": null}), ' +
        'or deactivate the field instead (PATCH {"is_active": false})',
    )
    await call.patch(`/api/customers/${customer.id}`, { custom_properties: { region: null } })
    assert.equal((await call.del(`/api/custom-fields/${region.id}`)).statusCode, 200)

    const deal = (
      await call.post('/api/custom-fields', { object: 'quote', name: 'Deal', type: 'text' })
    ).json().data
    const quoteId = await insertQuoteRow(t.db, tenant.workspaceId)
    await t.db.kysely
      .updateTable('quotes')
      .set({ custom_properties: JSON.stringify({ deal: 'big' }) })
      .where('id', '=', quoteId)
      .execute()
    await insertQuoteRow(t.db, tenant.workspaceId)
    assert.match(
      (await call.del(`/api/custom-fields/${deal.id}`)).json().error,
      /^Custom field is used by 1 quote:/,
    )
  })
})
