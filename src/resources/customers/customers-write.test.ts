import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, buildToken, insertCustomer, useTestApp } from '../../../test/helpers.ts'
import { DEMO_CUSTOMER_ID, DEMO_WORKSPACE_ID, loadDemo } from '../../demo.ts'
import { updateWorkspace } from '../workspaces/store.ts'

const VALID = {
  name: 'Globex SAS',
  type: 'company',
  tax_ids: [
    { tax: 'VAT', tax_value: 'FR83404833048' },
    { tax: 'SIREN', tax_value: '404833048' },
    { tax: 'SIRET', tax_value: '40483304800014' },
  ],
  id_crm: 'crm-42',
}

let tenant: Awaited<ReturnType<typeof buildTenant>>
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
  },
})

const { call } = api(t, () => tenant.auth)

async function create(body: object = VALID, headers?: Record<string, string>) {
  const res = await call('POST', '/api/customers', body, headers)
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data
}

async function segment(workspaceId = tenant.workspaceId) {
  const id = uuidv7()
  const at = new Date().toISOString()
  await t.db.kysely
    .insertInto('segments')
    .values({
      id,
      workspace_id: workspaceId,
      name: 'SMB',
      reference: null,
      description: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

describe('POST /api/customers', () => {
  it('creates a customer and answers 201 with the full object', async () => {
    const segmentId = await segment()
    const res = await call('POST', '/api/customers', {
      ...VALID,
      segment_id: segmentId,
      logo: 'https://cdn.example.com/g.png',
    })
    assert.equal(res.statusCode, 201)
    const { data, warnings } = res.json()
    assert.equal(warnings, undefined)
    assert.deepEqual(Object.keys(data), [
      'id',
      'workspace_id',
      'name',
      'type',
      'segment_id',
      'logo',
      'tax_ids',
      'id_crm',
      'id_erp',
      'id_accounting',
      'contact_ids',
      'address_ids',
      'created_at',
      'updated_at',
      'custom_properties',
    ])
    assert.equal(data.workspace_id, tenant.workspaceId)
    assert.equal(data.segment_id, segmentId)
    assert.deepEqual(data.tax_ids, VALID.tax_ids)
    assert.deepEqual(data.contact_ids, [])
    assert.equal(data.id_erp, null)
    assert.deepEqual((await call('GET', `/api/customers/${data.id}`)).json().data, data)
  })

  it('stores tax values trimmed', async () => {
    const data = await create({
      name: 'Trim',
      type: 'company',
      tax_ids: [{ tax: ' SIREN ', tax_value: ' 404 833 048 ' }],
    })
    assert.deepEqual(data.tax_ids, [{ tax: 'SIREN', tax_value: '404 833 048' }])
  })

  it('names every invalid field at once', async () => {
    const res = await call('POST', '/api/customers', {
      name: '',
      type: 'company-ish',
      logo: 'javascript:alert(1)',
      id_crm: 'x'.repeat(256),
      tax_ids: [{ tax: 'VAT' }],
      color: 'blue',
    })
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.code, 'validation_failed')
    assert.equal(body.error, 'Validation error')
    for (const fragment of ["'name'", "'type'", "'logo'", "'id_crm'", "'tax_ids[0].tax_value'", "'color'"]) {
      assert.ok(
        body.details.some((d: string) => d.includes(fragment)),
        `${fragment} in ${JSON.stringify(body.details)}`,
      )
    }
  })

  it('requires name and type', async () => {
    const res = await call('POST', '/api/customers', {})
    assert.deepEqual(res.json().details, ["Field 'name' is required", "Field 'type' is required"])
  })

  it('refuses more than 20 tax ids', async () => {
    const tax_ids = Array.from({ length: 21 }, (_, i) => ({ tax: 'REF', tax_value: String(i) }))
    const res = await call('POST', '/api/customers', { name: 'Many', type: 'company', tax_ids })
    assert.equal(res.statusCode, 400)
    assert.match(res.json().details[0], /tax_ids.*at most 20/)
  })

  it('refuses a name longer than 255 characters and a blank one', async () => {
    for (const name of ['n'.repeat(256), '   ']) {
      const res = await call('POST', '/api/customers', { name, type: 'company' })
      assert.equal(res.statusCode, 400)
      assert.match(res.json().details[0], /'name'/)
    }
  })

  it('refuses invalid tax identifiers in strict mode, naming each with its rule', async () => {
    const strict = await buildTenant(t.db, ['*'], { tax_id_validation: 'strict' })
    const body = {
      name: 'Seed',
      type: 'company',
      tax_ids: [
        { tax: 'VAT', tax_value: 'FR12345678901' },
        { tax: 'SIREN', tax_value: '123456789' },
        { tax: 'Internal ref', tax_value: 'anything goes' },
      ],
    }
    const res = await call('POST', '/api/customers', body, strict.auth)
    assert.equal(res.statusCode, 400)
    const { details } = res.json()
    assert.ok(
      details.some((d: string) => d.startsWith('tax_ids[0]') && d.includes('FR12345678901')),
      details,
    )
    assert.ok(
      details.some((d: string) => d.startsWith('tax_ids[1]') && d.includes('123456789')),
      details,
    )
    assert.ok(!details.some((d: string) => d.startsWith('tax_ids[2]')), details)
  })

  it('stores invalid tax identifiers in lenient mode, the default, and answers them as warnings', async () => {
    const lenient = await buildTenant(t.db)
    const res = await call(
      'POST',
      '/api/customers',
      { name: 'Legacy', type: 'company', tax_ids: [{ tax: 'SIREN', tax_value: '123456789' }] },
      lenient.auth,
    )
    assert.equal(res.statusCode, 201)
    assert.deepEqual(res.json().data.tax_ids, [{ tax: 'SIREN', tax_value: '123456789' }])
    assert.equal(res.json().warnings.length, 1)
    assert.match(res.json().warnings[0], /tax_ids\[0\].*123456789/)
  })

  it("accepts Qwoty's documented example, whose identifiers fail their check digits, with a warning", async () => {
    const example = {
      name: 'Acme Corporation',
      type: 'company',
      tax_ids: [{ tax: 'VAT', tax_value: 'FR12345678901' }],
      id_crm: 'crm_001',
    }
    const res = await call('POST', '/api/customers', example)
    assert.equal(res.statusCode, 201, res.body)
    const { data, warnings } = res.json()
    assert.deepEqual(data.tax_ids, example.tax_ids)
    assert.equal(data.id_crm, 'crm_001')
    assert.equal(warnings.length, 1)
    assert.match(warnings[0], /^tax_ids\[0\] \(VAT FR12345678901\): /)
    // A strict workspace still refuses it: that is the choice it made.
    await updateWorkspace(t.db.kysely, tenant.workspaceId, { taxIdValidation: 'strict' })
    try {
      assert.equal((await call('POST', '/api/customers', example)).statusCode, 400)
    } finally {
      await updateWorkspace(t.db.kysely, tenant.workspaceId, { taxIdValidation: 'lenient' })
    }
  })

  it('accepts a tax identifier another customer holds, with a warning naming that customer', async () => {
    const dup = await buildTenant(t.db)
    const first = await create(
      { name: 'Globex Holding', type: 'company', tax_ids: [VALID.tax_ids[1]!] },
      dup.auth,
    )
    const res = await call(
      'POST',
      '/api/customers',
      {
        name: 'Globex again',
        type: 'company',
        tax_ids: [
          { tax: 'VAT', tax_value: 'FR83404833048' },
          { tax: 'SIREN', tax_value: '404 833 048' },
        ],
      },
      dup.auth,
    )
    assert.equal(res.statusCode, 201, res.body)
    assert.deepEqual(res.json().warnings, [
      `tax_ids[1] (SIREN 404 833 048): already held by customer "Globex Holding" (${first.id})`,
    ])
    // Its own identifiers are not duplicates of itself; another workspace's customers are never named.
    const again = await call('PATCH', `/api/customers/${first.id}`, { tax_ids: [VALID.tax_ids[1]] }, dup.auth)
    assert.match(again.json().warnings[0], /Globex again/)
    assert.equal(again.json().warnings.length, 1)
    const elsewhere = await create({ name: 'Other', type: 'company', tax_ids: [VALID.tax_ids[1]!] })
    assert.ok(!JSON.stringify(elsewhere).includes('Globex Holding'))
    const deleted = await call('DELETE', `/api/customers/${res.json().data.id}`, undefined, dup.auth)
    assert.equal(deleted.statusCode, 200)
    const alone = await call('PATCH', `/api/customers/${first.id}`, { tax_ids: [VALID.tax_ids[1]] }, dup.auth)
    assert.equal(alone.json().warnings, undefined, 'a deleted customer holds nothing')
  })

  it("refuses a segment of another workspace the same way as one that doesn't exist", async () => {
    const other = await buildTenant(t.db)
    const foreign = await segment(other.workspaceId)
    const a = await call('POST', '/api/customers', { ...VALID, segment_id: foreign })
    const b = await call('POST', '/api/customers', { ...VALID, segment_id: uuidv7() })
    const c = await call('POST', '/api/customers', { ...VALID, segment_id: 'seg_001' })
    assert.equal(a.statusCode, 400)
    assert.deepEqual(a.json(), b.json())
    assert.deepEqual(a.json(), c.json())
    assert.deepEqual(a.json().details, ["Field 'segment_id' does not name a segment of this workspace"])
  })
})

describe('PATCH /api/customers/{id}', () => {
  it('leaves omitted fields unchanged, clears with null, and replaces tax_ids whole', async () => {
    const c = await create({ ...VALID, logo: 'https://x.example/l.png', id_erp: 'erp-1' })
    const res = await call('PATCH', `/api/customers/${c.id}`, {
      name: 'Globex Europe',
      logo: null,
      tax_ids: [{ tax: 'SIREN', tax_value: '732829320' }],
    })
    assert.equal(res.statusCode, 200)
    const d = res.json().data
    assert.equal(d.name, 'Globex Europe')
    assert.equal(d.logo, null)
    assert.equal(d.id_erp, 'erp-1')
    assert.equal(d.id_crm, 'crm-42')
    assert.equal(d.type, 'company')
    assert.deepEqual(d.tax_ids, [{ tax: 'SIREN', tax_value: '732829320' }])
    assert.equal(d.workspace_id, tenant.workspaceId)
  })

  it('keeps tax_ids when the key is omitted and empties them with []', async () => {
    const c = await create()
    const kept = await call('PATCH', `/api/customers/${c.id}`, { id_crm: null })
    assert.deepEqual(kept.json().data.tax_ids, VALID.tax_ids)
    assert.equal(kept.json().data.id_crm, null)
    const emptied = await call('PATCH', `/api/customers/${c.id}`, { tax_ids: [] })
    assert.deepEqual(emptied.json().data.tax_ids, [])
  })

  it('moves updated_at forward and keeps created_at', async () => {
    const { id, createdAt } = await insertCustomer(t.db, tenant.workspaceId)
    const res = await call('PATCH', `/api/customers/${id}`, { name: 'Renamed' })
    const d = res.json().data
    assert.equal(d.created_at, `${createdAt.slice(0, 19)}Z`)
    assert.ok(d.updated_at > d.created_at)
  })

  it('refuses null for name and type, and unknown fields', async () => {
    const c = await create()
    const res = await call('PATCH', `/api/customers/${c.id}`, {
      name: null,
      type: null,
      colour: 'blue',
    })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().details.length, 3)
    assert.equal((await call('GET', `/api/customers/${c.id}`)).json().data.name, VALID.name)
  })

  it('takes back the whole object a GET gave, and names each read-only field that differs', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId, { contacts: 2, addresses: 1 })
    const got = (await call('GET', `/api/customers/${c.id}`)).json().data
    const res = await call('PATCH', `/api/customers/${c.id}`, {
      ...got,
      name: 'Edited',
      contact_ids: [...got.contact_ids].reverse(),
      created_at: got.created_at.replace('Z', '.000Z'),
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().data.name, 'Edited')
    const now = (await call('GET', `/api/customers/${c.id}`)).json().data
    const stale = await call('PATCH', `/api/customers/${c.id}`, {
      ...now,
      workspace_id: uuidv7(),
      address_ids: [],
      name: 'Not this',
    })
    assert.equal(stale.statusCode, 400)
    assert.deepEqual(stale.json().details, [
      "Field 'workspace_id' is read-only: it cannot change, and differs from the stored value",
      "Field 'address_ids' is read-only: it cannot change, and differs from the stored value",
    ])
    assert.equal((await call('GET', `/api/customers/${c.id}`)).json().data.name, 'Edited')
  })

  it('takes back the demo customer with its own tax ids, though they fail their check digits', async () => {
    await loadDemo(t.db.kysely)
    const demo = await buildToken(t.db, DEMO_WORKSPACE_ID)
    const got = (await call('GET', `/api/customers/${DEMO_CUSTOMER_ID}`, undefined, demo.auth)).json().data
    const res = await call(
      'PATCH',
      `/api/customers/${DEMO_CUSTOMER_ID}`,
      { name: 'Acme Corp (Renamed)', tax_ids: got.tax_ids },
      demo.auth,
    )
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().data.tax_ids, got.tax_ids)
    assert.equal(res.json().warnings.length, 2)
  })

  it('writes nothing when a tax identifier fails in strict mode', async () => {
    const strict = await buildTenant(t.db, ['*'], { tax_id_validation: 'strict' })
    const c = await create(VALID, strict.auth)
    const res = await call(
      'PATCH',
      `/api/customers/${c.id}`,
      { name: 'Should not stick', tax_ids: [{ tax: 'SIRET', tax_value: '11122233344455' }] },
      strict.auth,
    )
    assert.equal(res.statusCode, 400)
    const now = (await call('GET', `/api/customers/${c.id}`, undefined, strict.auth)).json().data
    assert.equal(now.name, VALID.name)
    assert.deepEqual(now.tax_ids, VALID.tax_ids)
  })

  it('answers 404 to an id that is not a UUID', async () => {
    const res = await call('PATCH', '/api/customers/nope', { name: 'x' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { success: false, error: 'Customer not found', code: 'not_found' })
  })
})

describe('DELETE /api/customers/{id} and POST /api/customers/{id}/restore', () => {
  it('hides the customer with its contacts and addresses, and restore brings back exactly those', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId, { contacts: 2, addresses: 2 })
    // One contact was deleted on its own before: the restore must not bring it back.
    const [alreadyGone, kept] = c.contactIds
    await t.db.kysely
      .updateTable('contacts')
      .set({ deleted_at: new Date().toISOString(), deletion_id: uuidv7() })
      .where('id', '=', alreadyGone!)
      .execute()

    const del = await call('DELETE', `/api/customers/${c.id}`)
    assert.equal(del.statusCode, 200)
    assert.deepEqual(del.json(), { success: true, message: 'Customer deleted successfully' })
    assert.equal((await call('GET', `/api/customers/${c.id}`)).statusCode, 404)
    assert.equal((await call('DELETE', `/api/customers/${c.id}`)).statusCode, 404)
    assert.equal((await call('PATCH', `/api/customers/${c.id}`, { name: 'x' })).statusCode, 404)
    const list = await call('GET', `/api/customers?limit=1000`)
    assert.ok(!list.json().data.some((x: { id: string }) => x.id === c.id))
    const live = await t.db.kysely
      .selectFrom('contacts')
      .select('id')
      .where('customer_id', '=', c.id)
      .where('deleted_at', 'is', null)
      .execute()
    assert.deepEqual(live, [])

    const res = await call('POST', `/api/customers/${c.id}/restore`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().data.contact_ids, [kept])
    assert.deepEqual(res.json().data.address_ids, c.addressIds)
    assert.equal((await call('GET', `/api/customers/${c.id}`)).statusCode, 200)
  })

  it('restoring a customer that is not deleted changes nothing', async () => {
    const c = await create()
    const res = await call('POST', `/api/customers/${c.id}/restore`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.id, c.id)
  })

  it('refuses to restore after 30 days', async () => {
    const c = await create()
    await call('DELETE', `/api/customers/${c.id}`)
    await t.db.kysely
      .updateTable('customers')
      .set({ deleted_at: new Date(Date.now() - 31 * 86_400_000).toISOString() })
      .where('id', '=', c.id)
      .execute()
    const res = await call('POST', `/api/customers/${c.id}/restore`)
    assert.equal(res.statusCode, 409)
    assert.match(res.json().error, /30 days/)
  })
})

describe('GET /api/customers/{id}?expand=contacts,addresses', () => {
  it('adds the full contacts and addresses beside the id arrays', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId, { contacts: 2, addresses: 1 })
    const res = await call('GET', `/api/customers/${c.id}?expand=contacts,addresses`)
    assert.equal(res.statusCode, 200)
    const d = res.json().data
    assert.deepEqual(d.contact_ids, c.contactIds)
    assert.deepEqual(
      d.contacts.map((x: { id: string }) => x.id),
      c.contactIds,
    )
    assert.deepEqual(
      d.addresses.map((x: { id: string }) => x.id),
      c.addressIds,
    )
    assert.equal(d.contacts[0].email, 'ada0@example.com')
    const plain = (await call('GET', `/api/customers/${c.id}?expand=contacts`)).json().data
    assert.equal(plain.addresses, undefined)
    assert.equal(plain.contacts.length, 2)
  })

  it('needs the read scope of what it expands', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId, { contacts: 1 })
    const token = await buildToken(t.db, tenant.workspaceId, ['customers:read', 'addresses:read'])
    assert.equal(
      (await call('GET', `/api/customers/${c.id}?expand=addresses`, undefined, token.auth)).statusCode,
      200,
    )
    const res = await call('GET', `/api/customers/${c.id}?expand=contacts`, undefined, token.auth)
    assert.equal(res.statusCode, 403)
    assert.match(res.json().error, /contacts:read/)
  })

  it('refuses what it cannot expand and unknown parameters', async () => {
    const c = await insertCustomer(t.db, tenant.workspaceId)
    const bad = await call('GET', `/api/customers/${c.id}?expand=segment`)
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error, /'expand' must be a comma-separated list of: contacts, addresses/)
    const unknown = await call('GET', `/api/customers/${c.id}?expnad=contacts`)
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().code, 'unknown_parameter')
    assert.match(unknown.json().error, /'expnad'/)
  })
})
