import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import type { Db } from '../src/db/connect.ts'
import { api, buildTenant, buildToken } from './helpers.ts'
import { buildPricedProduct, buildQuoteCustomer, defaultVat } from './quote-fixtures.ts'

// A workspace to move quotes through their life: an owner token, users of each role with tokens acting as
// them, a customer, and a product priced 100 (floor 50, cost 60, VAT 20%). Shared by the lifecycle suites.

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read back in assertions
export type Json = Record<string, any>

export type QuoteWorld = Awaited<ReturnType<typeof buildQuoteWorld>>

let serial = 0

/** Everything a lifecycle test needs, made through the API of `t`'s app, in a workspace of its own. */
export async function buildQuoteWorld(t: { readonly app: FastifyInstance; readonly db: Db }) {
  const tenant = await buildTenant(t.db)
  const a = api(t, tenant.auth)
  const customer = await buildQuoteCustomer(a, { name: 'Customer Inc.' })
  const widget = await buildPricedProduct(a, 'Widget', {
    pricing_model: 'flat',
    amount: 100,
    floor_price: 50,
    cost: 60,
    default_tax_id: await defaultVat(a),
  })
  /** A user of `role` and an all-scopes token acting as them. */
  const actingAs = async (role: 'admin' | 'manager' | 'sales_rep' | 'viewer') => {
    serial += 1
    const res = await a.post('/api/users', {
      first_name: 'Ada',
      last_name: `${role} ${serial}`,
      email: `${role}${serial}@quoin.test`,
      role,
    })
    assert.equal(res.statusCode, 201, res.body)
    const user = res.json().data.id as string
    const token = await buildToken(t.db, tenant.workspaceId, ['*'], null, user)
    return { user, token: token.id, auth: token.auth }
  }
  const manager = await actingAs('manager')
  const admin = await actingAs('admin')
  const rep = await actingAs('sales_rep')

  /** A draft quote of one widget line; `line` overrides quantity, unit_price, discount. */
  const buildQuote = async (line: Json = {}, header: Json = {}) => {
    const res = await a.post('/api/quotes', {
      customer_id: customer.id,
      title: 'Lifecycle',
      pricing_table: {
        sections: [
          {
            name: 'Main',
            phases: [{ name: 'Phase 1', line_items: [{ product_id: widget.id, quantity: 1, ...line }] }],
          },
        ],
      },
      ...header,
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().data as Json
  }

  /** POST /api/quotes/{id}/<action>, as the owner unless `auth` says otherwise. */
  const act = (id: string, action: string, body: Json = {}, auth?: Record<string, string>) =>
    a.post(`/api/quotes/${id}/${action}`, body, auth)

  /** Asserts the action succeeded and returns the quote it answers. */
  const done = async (id: string, action: string, body: Json = {}, auth?: Record<string, string>) => {
    const res = await act(id, action, body, auth)
    assert.equal(res.statusCode, 200, `${action}: ${res.body}`)
    return res.json().data as Json
  }

  const history = async (id: string) => (await a.get(`/api/quotes/${id}/history`)).json().data as Json[]
  const approvals = async (id: string) => (await a.get(`/api/quotes/${id}/approvals`)).json().data as Json[]
  const events = async (id: string) =>
    ((await a.get(`/api/events?record_id=${id}`)).json().data as Json[]).map((e) => e.type as string)

  /** Sets a quote's expiration date in the past, by SQL: no API writes a date before the issue date. */
  const backdate = async (id: string, at = '2020-01-01T00:00:00.000Z') => {
    await t.db.kysely.updateTable('quotes').set({ expiration_date: at }).where('id', '=', id).execute()
  }

  return {
    tenant,
    a,
    customer,
    widget,
    manager,
    admin,
    rep,
    actingAs,
    buildQuote,
    act,
    done,
    history,
    approvals,
    events,
    backdate,
  }
}
