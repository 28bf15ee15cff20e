import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildTenant, buildTestApp, type TestContext } from './helpers.ts'

// q on every list that has one: case and accents ignored, LIKE's wildcards literal, and the index kept in
// step with every write. Texts of 3 characters or more go through the trigram index, shorter ones scan:
// both are asked here.

let t: TestContext

before(async () => {
  t = await buildTestApp()
})
after(() => t.close())

type Tenant = Awaited<ReturnType<typeof buildTenant>>

async function send(tenant: Tenant, method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) {
  const res = await t.app.inject({ method, url, headers: tenant.auth, ...(body ? { payload: body } : {}) })
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.statusCode === 204 ? undefined : (res.json().data as { id: string })
}

async function found(tenant: Tenant, list: string, q: string): Promise<string[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/${list}?q=${encodeURIComponent(q)}`,
    headers: tenant.auth,
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().data.map((r: { id: string }) => r.id)
}

describe('GET /api/customers?q=', () => {
  it('ignores case and accents, both ways', async () => {
    const tenant = await buildTenant(t.db)
    const societe = await send(tenant, 'POST', '/api/customers', {
      name: 'Société Générale',
      type: 'company',
    })
    const paquete = await send(tenant, 'POST', '/api/customers', { name: 'Paquete Express', type: 'company' })
    const crm = await send(tenant, 'POST', '/api/customers', {
      name: 'Other',
      type: 'company',
      id_crm: 'ÉLAN-7',
    })
    for (const q of ['societe', 'SOCIETE', 'Société', 'SOCIÉTÉ', 'socIÉtÉ géné', 'so']) {
      assert.deepEqual(await found(tenant, 'customers', q), [societe!.id], q)
    }
    assert.deepEqual(await found(tenant, 'customers', 'ÉTÉ'), [societe!.id, paquete!.id])
    assert.deepEqual(await found(tenant, 'customers', 'ete e'), [paquete!.id])
    assert.deepEqual(await found(tenant, 'customers', 'elan-7'), [crm!.id], 'external ids too')
    assert.deepEqual(await found(tenant, 'customers', 'nothing like it'), [])
  })

  it('takes %, _ and \\ literally, and never matches across two fields', async () => {
    const tenant = await buildTenant(t.db)
    const percent = await send(tenant, 'POST', '/api/customers', { name: '100% Bio', type: 'company' })
    const under = await send(tenant, 'POST', '/api/customers', { name: 'A_B Conseil', type: 'company' })
    await send(tenant, 'POST', '/api/customers', { name: 'AxB Conseil', type: 'company' })
    const slash = await send(tenant, 'POST', '/api/customers', { name: 'Back\\slash', type: 'company' })
    const fields = await send(tenant, 'POST', '/api/customers', {
      name: 'Alpha',
      type: 'company',
      id_crm: 'Beta',
    })
    assert.deepEqual(await found(tenant, 'customers', '%'), [percent!.id])
    assert.deepEqual(await found(tenant, 'customers', '0% b'), [percent!.id])
    assert.deepEqual(await found(tenant, 'customers', '_'), [under!.id])
    assert.deepEqual(await found(tenant, 'customers', 'a_b'), [under!.id])
    assert.deepEqual(await found(tenant, 'customers', '\\'), [slash!.id])
    assert.deepEqual(await found(tenant, 'customers', 'k\\s'), [slash!.id])
    assert.deepEqual(await found(tenant, 'customers', 'beta'), [fields!.id])
    for (const q of ['alphabeta', 'alpha beta', 'phabe', 'a b']) {
      assert.deepEqual(await found(tenant, 'customers', q), [], q)
    }
  })

  it('searches tax values as tax_value compares them, and only them', async () => {
    const tenant = await buildTenant(t.db)
    const acme = await send(tenant, 'POST', '/api/customers', {
      name: 'Acme',
      type: 'company',
      tax_ids: [{ tax: 'VAT', tax_value: 'FR 83 404 833 048' }],
    })
    const named = await send(tenant, 'POST', '/api/customers', { name: 'FR83 404', type: 'company' })
    assert.deepEqual(await found(tenant, 'customers', 'fr83404833048'), [acme!.id])
    assert.deepEqual(await found(tenant, 'customers', '404.833'), [acme!.id])
    assert.deepEqual(await found(tenant, 'customers', 'FR83 404'), [acme!.id, named!.id])
    assert.deepEqual(await found(tenant, 'customers', 'fr83404'), [acme!.id], 'a name is matched as written')
  })

  it('keeps up with PATCH: a new name, new external ids, tax ids replaced', async () => {
    const tenant = await buildTenant(t.db)
    const c = await send(tenant, 'POST', '/api/customers', {
      name: 'Boulangerie Dupré',
      type: 'company',
      id_crm: 'crm-bakery',
      tax_ids: [{ tax: 'SIREN', tax_value: '732 829 320' }],
    })
    const url = `/api/customers/${c!.id}`
    await send(tenant, 'PATCH', url, { name: 'Pâtisserie Dupré' })
    assert.deepEqual(await found(tenant, 'customers', 'boulangerie'), [])
    assert.deepEqual(await found(tenant, 'customers', 'patisserie'), [c!.id])
    assert.deepEqual(await found(tenant, 'customers', 'crm-bakery'), [c!.id], 'the fields not patched stay')
    assert.deepEqual(await found(tenant, 'customers', '732829320'), [c!.id])
    await send(tenant, 'PATCH', url, { id_crm: null, id_erp: 'ERP-Ωmega', type: 'individual' })
    assert.deepEqual(await found(tenant, 'customers', 'crm-bakery'), [])
    assert.deepEqual(await found(tenant, 'customers', 'erp-ωmega'), [c!.id])
    assert.deepEqual(await found(tenant, 'customers', 'patisserie'), [c!.id])
    await send(tenant, 'PATCH', url, { tax_ids: [{ tax: 'VAT', tax_value: 'BE 0403.170.701' }] })
    assert.deepEqual(await found(tenant, 'customers', '732829320'), [])
    assert.deepEqual(await found(tenant, 'customers', '0403170701'), [c!.id])
    assert.deepEqual(await found(tenant, 'customers', 'patisserie'), [c!.id])
    await send(tenant, 'PATCH', url, { tax_ids: [] })
    assert.deepEqual(await found(tenant, 'customers', '0403170701'), [])
  })

  it('does not find a deleted customer, and finds it again once restored', async () => {
    const tenant = await buildTenant(t.db)
    const c = await send(tenant, 'POST', '/api/customers', { name: 'Éphémère', type: 'company' })
    await send(tenant, 'DELETE', `/api/customers/${c!.id}`)
    assert.deepEqual(await found(tenant, 'customers', 'ephemere'), [])
    assert.deepEqual(await found(tenant, 'customers', 'ep'), [])
    await send(tenant, 'POST', `/api/customers/${c!.id}/restore`)
    assert.deepEqual(await found(tenant, 'customers', 'ephemere'), [c!.id])
  })

  it('never finds another workspace’s customers', async () => {
    const a = await buildTenant(t.db)
    const b = await buildTenant(t.db)
    await send(a, 'POST', '/api/customers', { name: 'Société Secrète', type: 'company' })
    assert.deepEqual(await found(b, 'customers', 'secrete'), [])
    assert.deepEqual(await found(b, 'customers', 'se'), [])
  })
})

describe('GET /api/contacts?q=', () => {
  it('ignores case and accents in first name, last name and email, and keeps up with PATCH and DELETE', async () => {
    const tenant = await buildTenant(t.db)
    const customer = await send(tenant, 'POST', '/api/customers', { name: 'Acme', type: 'company' })
    const contact = (first_name: string, last_name: string, email: string) =>
      send(tenant, 'POST', '/api/contacts', { customer_id: customer!.id, first_name, last_name, email })
    const helene = await contact('Hélène', 'Bérénice', 'helene@example.com')
    const zoe = await contact('Zoé', 'Noël_Fils', 'zoe%1@example.com')
    assert.deepEqual(await found(tenant, 'contacts', 'HELENE'), [helene!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'bérénice'), [helene!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'BERE'), [helene!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'ÉNÉ'), [helene!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'zoé'), [zoe!.id])
    assert.deepEqual(await found(tenant, 'contacts', '_'), [zoe!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'e%1'), [zoe!.id])
    assert.deepEqual(await found(tenant, 'contacts', '%'), [zoe!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'nicehelene'), [], 'not across fields')
    await send(tenant, 'PATCH', `/api/contacts/${helene!.id}`, { last_name: 'Müller' })
    assert.deepEqual(await found(tenant, 'contacts', 'berenice'), [])
    assert.deepEqual(await found(tenant, 'contacts', 'MULLER'), [helene!.id])
    assert.deepEqual(await found(tenant, 'contacts', 'helene@'), [helene!.id], 'the email not patched stays')
    await send(tenant, 'PATCH', `/api/contacts/${helene!.id}`, { email: 'h.muller@example.org' })
    assert.deepEqual(await found(tenant, 'contacts', 'helene@'), [])
    assert.deepEqual(await found(tenant, 'contacts', 'example.org'), [helene!.id])
    await send(tenant, 'DELETE', `/api/contacts/${zoe!.id}`)
    assert.deepEqual(await found(tenant, 'contacts', 'zoe'), [])
    assert.deepEqual(await found(tenant, 'contacts', '_'), [])
  })
})

describe('GET /api/segments?q=', () => {
  it('ignores case and accents in name and reference, and keeps up with PATCH', async () => {
    const tenant = await buildTenant(t.db)
    const grands = await send(tenant, 'POST', '/api/segments', {
      name: 'Grands comptes',
      reference: 'GC_Été',
    })
    const pme = await send(tenant, 'POST', '/api/segments', { name: 'PME Société', reference: null })
    assert.deepEqual(await found(tenant, 'segments', 'SOCIETE'), [pme!.id])
    assert.deepEqual(await found(tenant, 'segments', 'ÉTÉ'), [grands!.id, pme!.id])
    assert.deepEqual(await found(tenant, 'segments', 'gc_ete'), [grands!.id])
    assert.deepEqual(await found(tenant, 'segments', 'gcxete'), [])
    await send(tenant, 'PATCH', `/api/segments/${grands!.id}`, { reference: 'GC-Hiver' })
    assert.deepEqual(await found(tenant, 'segments', 'gc_ete'), [])
    assert.deepEqual(await found(tenant, 'segments', 'HIVER'), [grands!.id])
    assert.deepEqual(await found(tenant, 'segments', 'grands'), [grands!.id], 'the name not patched stays')
    await send(tenant, 'PATCH', `/api/segments/${pme!.id}`, { name: 'PME', reference: 'Société' })
    assert.deepEqual(await found(tenant, 'segments', 'societe'), [pme!.id])
    await send(tenant, 'DELETE', `/api/segments/${pme!.id}`)
    assert.deepEqual(await found(tenant, 'segments', 'societe'), [])
  })
})
