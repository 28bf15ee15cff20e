import assert from 'node:assert/strict'
import { v7 as uuidv7 } from 'uuid'
import type { api, TestApp } from './helpers.ts'

// What quote tests build through the API: customers with contacts and addresses, products with their price
// in a pricebook filled in, taxes and payment terms. Shared by the quote suites (header, lines, lifecycle,
// golden totals).

type Api = ReturnType<typeof api>
type Json = Record<string, unknown>

async function created(res: Promise<{ statusCode: number; body: string; json(): unknown }>): Promise<Json> {
  const r = await res
  assert.equal(r.statusCode, 201, r.body)
  return (r.json() as { data: Json }).data
}

/** A customer with `contacts` contacts and the addresses asked for, in that order; ids as made. */
export async function buildQuoteCustomer(
  a: Api,
  input: {
    name?: string
    segment_id?: string
    contacts?: number
    addresses?: ('billing' | 'shipping')[]
  } = {},
) {
  const customer = await created(
    a.post('/api/customers', {
      name: input.name ?? 'Customer Inc.',
      type: 'company',
      id_crm: 'CRM-1',
      ...(input.segment_id ? { segment_id: input.segment_id } : {}),
    }),
  )
  const id = customer.id as string
  const contactIds: string[] = []
  for (let i = 0; i < (input.contacts ?? 0); i++) {
    const c = await created(
      a.post('/api/contacts', {
        customer_id: id,
        first_name: `John${i}`,
        last_name: 'Doe',
        email: `john${i}.${uuidv7().slice(-6)}@customer.com`,
        role: ['signer', 'buyer'],
      }),
    )
    contactIds.push(c.id as string)
  }
  const addressIds: string[] = []
  for (const [i, type] of (input.addresses ?? []).entries()) {
    const ad = await created(
      a.post('/api/addresses', {
        customer_id: id,
        type,
        address_line1: `${i + 1} rue de la Paix`,
        city: 'Lyon',
        postal_code: '69001',
        country: 'FR',
      }),
    )
    addressIds.push(ad.id as string)
  }
  return { id, contactIds, addressIds }
}

/** A price's pricing as PATCH /api/prices/{id} takes it. */
export type Pricing = Json

/**
 * A product (variant) with its price in the workspace's Standard pricebook filled in: one price for a one-off
 * product; for a recurring one, `pricing` by billing frequency name (Monthly, Quarterly, Yearly), the others
 * left empty. Returns the variant id and the price ids by frequency name ('' for one-off).
 */
export async function buildPricedProduct(
  a: Api,
  name: string,
  pricing: Pricing | Record<string, Pricing>,
  options: { recurring?: boolean; unit?: string } = {},
) {
  const product = await created(
    a.post('/api/products', {
      api_name: `${name.toLowerCase().replace(/\W+/g, '_')}_${uuidv7().slice(-8)}`,
      recurrence_type: options.recurring ? 'recurring' : 'one_off',
      name,
      ...(options.unit ? { settings: { unit_of_measure: options.unit } } : {}),
    }),
  )
  const prices = (product.prices as Json[]).filter((p) => p.pricebook_api_name === 'standard')
  const priceIds: Record<string, string> = {}
  const frequencies = await a.get('/api/billing-frequencies')
  const nameOf = new Map<string, string>(
    (frequencies.json().data as Json[]).map((f) => [f.id as string, f.name as string]),
  )
  for (const listed of prices) {
    const price = (await a.get(`/api/prices/${listed.id}`)).json().data as Json
    const frequency =
      price.billing_frequency_id === null ? '' : nameOf.get(price.billing_frequency_id as string)!
    priceIds[frequency] = price.id as string
    const body = options.recurring ? (pricing as Record<string, Pricing>)[frequency] : pricing
    if (!body) continue
    const res = await a.patch(`/api/prices/${price.id}`, body)
    assert.equal(res.statusCode, 200, res.body)
  }
  return { id: product.id as string, priceIds }
}

/** A tax made through the API. */
export async function buildTax(a: Api, name: string, rate: number): Promise<string> {
  return (
    await created(a.post('/api/taxes', { name, type: 'custom', country: 'FR', method: 'percentage', rate }))
  ).id as string
}

/** A payment term made through the API. */
export async function buildPaymentTerm(
  a: Api,
  installments: { percentage: number; term: string; name?: string; custom_text?: string }[],
): Promise<string> {
  return (
    await created(
      a.post('/api/payment-terms', {
        name: `Term ${uuidv7().slice(-6)}`,
        api_name: `term_${uuidv7().slice(-8).replace(/-/g, '')}`,
        installments,
      }),
    )
  ).id as string
}

/** The workspace's billing frequencies by name. */
export async function billingFrequencies(a: Api): Promise<Record<string, string>> {
  const res = await a.get('/api/billing-frequencies')
  return Object.fromEntries((res.json().data as Json[]).map((f) => [f.name as string, f.id as string]))
}

/** The id of the "VAT 20%" every workspace starts with. */
export async function defaultVat(a: Api): Promise<string> {
  const res = await a.get('/api/taxes?limit=1000')
  return ((res.json().data as Json[]).find((x) => x.api_name === 'vat_20') as Json).id as string
}

/** A user of the workspace, made directly (users are another resource's). */
export async function insertUser(t: TestApp, workspaceId: string, status: 'active' | 'inactive' = 'active') {
  const id = uuidv7()
  const at = new Date().toISOString()
  await t.db.kysely
    .insertInto('users')
    .values({
      id,
      workspace_id: workspaceId,
      first_name: 'Paul',
      last_name: 'Martin',
      email: `paul.${id}@acme.com`,
      role: 'sales_rep',
      status,
      id_crm: 'CRM-1',
      id_erp: null,
      id_accounting: null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

/** A custom field of the workspace, made directly. */
export async function insertCustomField(
  t: TestApp,
  workspaceId: string,
  field: {
    object: 'customer' | 'quote'
    api_name: string
    type: 'text' | 'number' | 'date'
    is_required?: boolean
  },
) {
  const id = uuidv7()
  const at = new Date().toISOString()
  await t.db.kysely
    .insertInto('custom_fields')
    .values({
      id,
      workspace_id: workspaceId,
      object: field.object,
      name: field.api_name,
      api_name: field.api_name,
      type: field.type,
      description: null,
      is_required: field.is_required ? 1 : 0,
      is_active: 1,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}
