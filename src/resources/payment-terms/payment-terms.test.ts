import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { api, buildTenant, documentedBody, useTestApp } from '../../../test/helpers.ts'
import type { Reference } from '../../kernel/references.ts'
import { paymentTerms } from './resource.ts'

const KEYS = [
  'id',
  'name',
  'api_name',
  'reference',
  'is_active',
  'id_crm',
  'id_erp',
  'id_accounting',
  'installments',
  'created_at',
  'updated_at',
]
const INSTALLMENT_KEYS = ['id', 'name', 'percentage', 'term', 'custom_text', 'order_number']
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const NOT_FOUND = { success: false, error: 'Payment term not found', code: 'not_found' }

// The documented examples, as written.
const POST_EXAMPLE = documentedBody('POST', '/api/payment-terms')
const PUT_EXAMPLE = documentedBody('PUT', '/api/payment-terms/{id}')

type Tenant = Awaited<ReturnType<typeof buildTenant>>
interface Installment {
  id: string
  name: string | null
  percentage: number
  term: string
  custom_text: string | null
  order_number: number
}

let tenant: Tenant
let other: Tenant
const t = useTestApp({
  setUp: async ({ db }) => {
    tenant = await buildTenant(db)
    other = await buildTenant(db)
  },
})
const { get, post, put, del } = api(t, () => tenant.auth)

let serial = 0
/** A payment term created through the API, with a fresh api_name unless `input` gives one. */
async function buildTerm(input: Record<string, unknown> = {}) {
  serial += 1
  const res = await post('/api/payment-terms', {
    name: `Term ${serial}`,
    api_name: `term_${serial}`,
    ...input,
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json().data as { id: string; name: string; installments: Installment[]; api_name: string }
}

const eventsOf = async (id: string) =>
  (
    await t.db.kysely
      .selectFrom('events')
      .select(['type', 'id'])
      .where('record_id', '=', id)
      .orderBy('id')
      .execute()
  ).map((e) => e.type)

const split = (...percentages: number[]) => percentages.map((percentage) => ({ percentage, term: 'net30' }))

async function invalid(res: { statusCode: number; json(): { code: string; details: string[] } }) {
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'validation_failed')
  return res.json().details
}

describe('GET /api/payment-terms', () => {
  it("lists the workspace's default Net 30 first: one installment of 100 at net30, keys as documented", async () => {
    const fresh = await buildTenant(t.db)
    const res = await get('/api/payment-terms', fresh.auth)
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.success, true)
    assert.equal(body.data.length, 1)
    const [term] = body.data
    assert.deepEqual(Object.keys(term), KEYS)
    assert.deepEqual(
      {
        ...term,
        id: 'x',
        created_at: 'x',
        updated_at: 'x',
        installments: [{ ...term.installments[0], id: 'x' }],
      },
      {
        id: 'x',
        name: 'Net 30',
        api_name: 'net_30_days',
        reference: null,
        is_active: true,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        installments: [
          {
            id: 'x',
            name: 'Full Payment',
            percentage: 100,
            term: 'net30',
            custom_text: null,
            order_number: 1,
          },
        ],
        created_at: 'x',
        updated_at: 'x',
      },
    )
    assert.deepEqual(Object.keys(term.installments[0]), INSTALLMENT_KEYS)
    assert.match(term.installments[0].id, UUID)
    assert.match(term.created_at, WIRE_TIME)
  })

  it('holds every term, oldest first, each with its installments; another workspace sees none of them', async () => {
    const fresh = await buildTenant(t.db)
    const mine = []
    for (let i = 0; i < 3; i++) {
      const res = await post(
        '/api/payment-terms',
        { name: `Split ${i}`, api_name: `split_${i}`, installments: split(40, 60) },
        fresh.auth,
      )
      mine.push(res.json().data.id)
    }
    const body = (await get('/api/payment-terms', fresh.auth)).json()
    assert.deepEqual(
      body.data.slice(1).map((term: { id: string }) => term.id),
      mine,
    )
    assert.deepEqual(
      body.data[1].installments.map((i: Installment) => i.percentage),
      [40, 60],
    )
    const theirs = (await get('/api/payment-terms', other.auth)).json().data.map((x: { id: string }) => x.id)
    for (const id of mine) assert.ok(!theirs.includes(id))
  })

  it('pages with limit and cursor', async () => {
    const fresh = await buildTenant(t.db)
    for (let i = 0; i < 2; i++) {
      await post('/api/payment-terms', { name: `P ${i}`, api_name: `p_${i}` }, fresh.auth)
    }
    const first = (await get('/api/payment-terms?limit=2', fresh.auth)).json()
    assert.equal(first.data.length, 2)
    assert.equal(first.has_more, true)
    const second = (await get(`/api/payment-terms?limit=2&cursor=${first.next_cursor}`, fresh.auth)).json()
    assert.equal(second.data.length, 1)
    assert.equal(second.has_more, false)
    assert.equal(second.data[0].api_name, 'p_1')
  })

  it('filters by is_active', async () => {
    const fresh = await buildTenant(t.db)
    const off = (
      await post('/api/payment-terms', { name: 'Off', api_name: 'off', is_active: false }, fresh.auth)
    ).json().data
    const active = (await get('/api/payment-terms?is_active=true', fresh.auth)).json().data
    assert.deepEqual(
      active.map((x: { api_name: string }) => x.api_name),
      ['net_30_days'],
    )
    const inactive = (await get('/api/payment-terms?is_active=false', fresh.auth)).json().data
    assert.deepEqual(
      inactive.map((x: { id: string }) => x.id),
      [off.id],
    )
  })

  it('answers 400 naming a bad is_active or an unknown parameter', async () => {
    const bad = await get('/api/payment-terms?is_active=maybe')
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error, /'is_active'/)
    const unknown = await get('/api/payment-terms?q=net')
    assert.equal(unknown.statusCode, 400)
    assert.equal(unknown.json().error, "Unknown query parameter 'q'")
  })
})

describe('GET /api/payment-terms/{id}', () => {
  it('returns the term with every documented key in the documented order', async () => {
    const term = await buildTerm({
      reference: 'PT001',
      id_crm: 'crm_123',
      id_erp: 'erp_456',
      id_accounting: 'acc_789',
      installments: [{ name: 'Full Payment', percentage: 100, term: 'net30', order_number: 1 }],
    })
    const res = await get(`/api/payment-terms/${term.id}`)
    assert.equal(res.statusCode, 200)
    assert.ok(res.headers.etag)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data'])
    assert.deepEqual(Object.keys(body.data), KEYS)
    assert.deepEqual(body.data, term)
    assert.equal(body.data.reference, 'PT001')
    assert.equal(body.data.id_accounting, 'acc_789')
    assert.deepEqual(Object.keys(body.data.installments[0]), INSTALLMENT_KEYS)
    assert.match(res.body, /"percentage":100,/)
  })

  it('answers 404 "Payment term not found" to an unknown id, a non-UUID, and another workspace\'s term', async () => {
    const term = await buildTerm()
    for (const [id, auth] of [
      [uuidv7(), tenant.auth],
      ['not-a-uuid', tenant.auth],
      [term.id, other.auth],
    ] as const) {
      const res = await get(`/api/payment-terms/${id}`, auth)
      assert.equal(res.statusCode, 404)
      assert.deepEqual(res.json(), NOT_FOUND)
    }
  })
})

describe('POST /api/payment-terms', () => {
  it('accepts the documented example as written and answers 201 with every documented key', async () => {
    // Every workspace starts with Net 30 under net_30_days, the example's api_name: it goes first.
    const fresh = await buildTenant(t.db)
    const [net30] = (await get('/api/payment-terms', fresh.auth)).json().data
    const taken = await post('/api/payment-terms', POST_EXAMPLE, fresh.auth)
    assert.equal(taken.statusCode, 409)
    assert.deepEqual(taken.json(), {
      success: false,
      error: `api_name 'net_30_days' is already used by payment term ${net30.id} (Net 30)`,
      code: 'conflict',
    })
    assert.equal((await del(`/api/payment-terms/${net30.id}`, fresh.auth)).statusCode, 200)
    const res = await post('/api/payment-terms', POST_EXAMPLE, fresh.auth)
    assert.equal(res.statusCode, 201, res.body)
    const { success, data } = res.json()
    assert.equal(success, true)
    assert.deepEqual(Object.keys(data), KEYS)
    assert.match(data.id, UUID)
    assert.match(data.created_at, WIRE_TIME)
    assert.equal(data.updated_at, data.created_at)
    assert.deepEqual(
      { ...data, id: 'x', created_at: 'x', updated_at: 'x' },
      {
        id: 'x',
        name: 'Net 30 Days',
        api_name: 'net_30_days',
        reference: 'PT001',
        is_active: true,
        id_crm: null,
        id_erp: null,
        id_accounting: null,
        installments: [
          {
            id: data.installments[0].id,
            name: 'Full Payment',
            percentage: 100,
            term: 'net30',
            custom_text: null,
            order_number: 1,
          },
        ],
        created_at: 'x',
        updated_at: 'x',
      },
    )
    assert.deepEqual((await get(`/api/payment-terms/${data.id}`, fresh.auth)).json().data, data)
  })

  it('accepts every field of the documented template, a custom term with its text included', async () => {
    const term = await buildTerm({
      reference: 'PT-9',
      is_active: false,
      id_crm: 'crm_1',
      id_erp: 'erp_1',
      id_accounting: 'acc_1',
      installments: [
        {
          name: 'Deposit',
          percentage: 30,
          term: 'custom',
          custom_text: 'At signature of the order',
          order_number: 1,
        },
        { name: 'Balance', percentage: 70, term: 'eom45', custom_text: null, order_number: 2 },
      ],
    })
    assert.deepEqual(
      term.installments.map(({ id: _, ...rest }) => rest),
      [
        {
          name: 'Deposit',
          percentage: 30,
          term: 'custom',
          custom_text: 'At signature of the order',
          order_number: 1,
        },
        { name: 'Balance', percentage: 70, term: 'eom45', custom_text: null, order_number: 2 },
      ],
    )
  })

  it('gives a term created without installments one of 100 at due_on_receipt', async () => {
    const term = await buildTerm()
    assert.deepEqual(
      term.installments.map(({ id: _, ...rest }) => rest),
      [{ name: 'Full Payment', percentage: 100, term: 'due_on_receipt', custom_text: null, order_number: 1 }],
    )
  })

  it('adds percentages in decimal: 33.33 + 33.33 + 33.34, 0.1 + 0.2 + 99.7 and 15.6 + 79.74 + 4.66 are 100', async () => {
    for (const parts of [
      [33.33, 33.33, 33.34],
      [0.1, 0.2, 99.7],
      [15.6, 79.74, 4.66],
      [33.3333, 33.3333, 33.3334],
      [50.005, 49.995],
    ]) {
      const term = await buildTerm({ installments: split(...parts) })
      assert.deepEqual(
        term.installments.map((i) => i.percentage),
        parts,
      )
      const read = await get(`/api/payment-terms/${term.id}`)
      assert.deepEqual(
        read.json().data.installments.map((i: Installment) => i.percentage),
        parts,
      )
    }
  })

  it('refuses percentages that do not add up to exactly 100, saying the sum found', async () => {
    const cases: [number[], string][] = [
      [[33.33, 33.33, 33.33], '99.99'],
      [[50, 50.01], '100.01'],
      [[99.9999], '99.9999'],
      [[60, 60], '120'],
    ]
    for (const [parts, sum] of cases) {
      const res = await post('/api/payment-terms', {
        name: 'Bad',
        api_name: 'bad',
        installments: split(...parts),
      })
      assert.deepEqual(await invalid(res), [
        `Field 'installments' percentages must add up to 100 (they add up to ${sum})`,
      ])
    }
    const empty = await post('/api/payment-terms', { name: 'Bad', api_name: 'bad', installments: [] })
    assert.deepEqual(await invalid(empty), [
      "Field 'installments' must hold at least one installment: their percentages add up to 100",
    ])
    assert.equal(
      (await get('/api/payment-terms')).json().data.filter((x: { api_name: string }) => x.api_name === 'bad')
        .length,
      0,
    )
  })

  it('refuses a percentage of more than 4 decimals, 0 or less, over 100, or not a number', async () => {
    const details = async (percentage: unknown) =>
      invalid(
        await post('/api/payment-terms', {
          name: 'Bad',
          api_name: 'bad',
          installments: [{ percentage, term: 'net30' }],
        }),
      )
    assert.deepEqual(await details(99.99999), [
      "Field 'installments[0].percentage' must have at most 4 decimals",
      "Field 'installments' percentages must add up to 100 (they add up to 99.99999)",
    ])
    assert.deepEqual(await details(0), ["Field 'installments[0].percentage' must be > 0"])
    assert.deepEqual(await details(-100), ["Field 'installments[0].percentage' must be > 0"])
    assert.deepEqual(await details(100.01), ["Field 'installments[0].percentage' must be <= 100"])
    assert.deepEqual(await details('100'), ["Field 'installments[0].percentage' must be of type number"])
  })

  it('names a bad term, a missing term and a missing percentage', async () => {
    const res = await post('/api/payment-terms', {
      name: 'Bad',
      api_name: 'bad',
      installments: [{ percentage: 50, term: 'net31' }, { percentage: 50 }, { term: 'net30' }],
    })
    assert.deepEqual((await invalid(res)).sort(), [
      "Field 'installments[0].term' must be one of: due_now, due_on_receipt, net15, net30, net45, net60, net90, net120, eom30, eom45, eom60, po_received, custom",
      "Field 'installments[1].term' is required",
      "Field 'installments[2].percentage' is required",
    ])
  })

  it('requires custom_text with term custom, and refuses it with any other', async () => {
    const res = await post('/api/payment-terms', {
      name: 'Bad',
      api_name: 'bad',
      installments: [
        { percentage: 25, term: 'custom' },
        { percentage: 25, term: 'custom', custom_text: '   ' },
        { percentage: 50, term: 'net60', custom_text: 'Sixty days' },
      ],
    })
    assert.deepEqual(await invalid(res), [
      "Field 'installments[0].custom_text' is required when term is custom",
      "Field 'installments[1].custom_text' is required when term is custom",
      "Field 'installments[2].custom_text' is only allowed when term is custom (term is net60)",
    ])
  })

  it('lists installments by order_number, numbered by position when omitted, and refuses one given twice', async () => {
    const term = await buildTerm({
      installments: [
        { name: 'Last', percentage: 20, term: 'net60', order_number: 3 },
        { name: 'First', percentage: 30, term: 'due_now', order_number: 1 },
        { name: 'Middle', percentage: 50, term: 'net30', order_number: 2 },
      ],
    })
    assert.deepEqual(
      term.installments.map((i) => [i.name, i.order_number]),
      [
        ['First', 1],
        ['Middle', 2],
        ['Last', 3],
      ],
    )
    const defaulted = await buildTerm({ installments: split(10, 20, 70) })
    assert.deepEqual(
      defaulted.installments.map((i) => [i.percentage, i.order_number]),
      [
        [10, 1],
        [20, 2],
        [70, 3],
      ],
    )
    const twice = await post('/api/payment-terms', {
      name: 'Bad',
      api_name: 'bad',
      installments: [
        { percentage: 50, term: 'net30', order_number: 2 },
        { percentage: 50, term: 'net60' },
      ],
    })
    assert.deepEqual(await invalid(twice), [
      "Field 'installments[1].order_number' repeats 2, the order_number of installments[0]",
    ])
    const zero = await post('/api/payment-terms', {
      name: 'Bad',
      api_name: 'bad',
      installments: [{ percentage: 100, term: 'net30', order_number: 0 }],
    })
    assert.deepEqual(await invalid(zero), ["Field 'installments[0].order_number' must be >= 1"])
  })

  it('requires name (at most 50 characters) and a snake_case api_name; reference is at most 50', async () => {
    assert.deepEqual((await invalid(await post('/api/payment-terms', {}))).sort(), [
      "Field 'api_name' is required",
      "Field 'name' is required",
    ])
    const res = await post('/api/payment-terms', {
      name: 'n'.repeat(51),
      api_name: 'Net 30',
      reference: 'r'.repeat(51),
      is_active: 'yes',
      colour: 'blue',
    })
    assert.deepEqual((await invalid(res)).sort(), [
      "Field 'api_name' must be snake_case: lower-case letters and digits in words joined by single underscores, such as net_30_days",
      "Field 'colour' is not allowed",
      "Field 'is_active' must be of type boolean",
      "Field 'name' must be at most 50 characters",
      "Field 'reference' must be at most 50 characters",
    ])
    const blank = await post('/api/payment-terms', { name: '  ', api_name: 'blank' })
    assert.deepEqual(await invalid(blank), ["Field 'name' must not be blank"])
    const fifty = await buildTerm({ name: 'n'.repeat(50), reference: 'r'.repeat(50) })
    assert.equal(fifty.installments.length, 1)
  })

  it('refuses an api_name already used in the workspace with 409 naming its holder; another workspace may use it', async () => {
    const holder = await buildTerm({ api_name: 'net_60_days' })
    const res = await post('/api/payment-terms', { name: 'Again', api_name: 'net_60_days' })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), {
      success: false,
      error: `api_name 'net_60_days' is already used by payment term ${holder.id} (${holder.name})`,
      code: 'conflict',
    })
    const elsewhere = await post('/api/payment-terms', { name: 'Again', api_name: 'net_60_days' }, other.auth)
    assert.equal(elsewhere.statusCode, 201)
  })
})

describe('PUT /api/payment-terms/{id}', () => {
  it('accepts the documented example: only the name changes', async () => {
    const term = await buildTerm({ reference: 'PT001', id_crm: 'crm_123', installments: split(100) })
    const res = await put(`/api/payment-terms/${term.id}`, PUT_EXAMPLE)
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    assert.deepEqual(
      { ...data, updated_at: 'x' },
      { ...term, name: 'Net 30 Days (Updated)', updated_at: 'x' },
    )
    assert.deepEqual((await get(`/api/payment-terms/${term.id}`)).json().data, data)
  })

  it('replaces every installment when installments are sent, and moves the ETag', async () => {
    const term = await buildTerm({ installments: split(50, 50) })
    const before = await get(`/api/payment-terms/${term.id}`)
    const res = await put(`/api/payment-terms/${term.id}`, {
      installments: [
        { name: 'Deposit', percentage: 33.33, term: 'due_now' },
        { percentage: 33.33, term: 'net30' },
        { percentage: 33.34, term: 'custom', custom_text: 'On delivery' },
      ],
    })
    assert.equal(res.statusCode, 200, res.body)
    const { data } = res.json()
    assert.equal(data.name, term.name)
    assert.deepEqual(
      data.installments.map(({ id: _, ...rest }: Installment) => rest),
      [
        { name: 'Deposit', percentage: 33.33, term: 'due_now', custom_text: null, order_number: 1 },
        { name: null, percentage: 33.33, term: 'net30', custom_text: null, order_number: 2 },
        { name: null, percentage: 33.34, term: 'custom', custom_text: 'On delivery', order_number: 3 },
      ],
    )
    const old = new Set(term.installments.map((i) => i.id))
    for (const i of data.installments) assert.ok(!old.has(i.id))
    assert.notEqual(res.headers.etag, before.headers.etag)
    const after = await get(`/api/payment-terms/${term.id}`)
    assert.equal(after.headers.etag, res.headers.etag)
    assert.deepEqual(after.json().data, data)
    const stored = await t.db.kysely
      .selectFrom('payment_term_installments')
      .select('id')
      .where('payment_term_id', '=', term.id)
      .execute()
    assert.equal(stored.length, 3)
  })

  it('keeps the ids of installments sent back with them; an id not of this term is a 400', async () => {
    const term = await buildTerm({ installments: split(50, 50) })
    const [a, b] = term.installments
    const res = await put(`/api/payment-terms/${term.id}`, {
      installments: [
        { id: b!.id, percentage: 60, term: 'net30', order_number: 1 },
        { id: a!.id.toUpperCase(), percentage: 40, term: 'net30', order_number: 2 },
      ],
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(
      res.json().data.installments.map((i: Installment) => [i.id, i.percentage]),
      [
        [b!.id, 60],
        [a!.id, 40],
      ],
    )
    const foreign = (await buildTerm()).installments[0]!.id
    const bad = await put(`/api/payment-terms/${term.id}`, {
      installments: [
        { id: foreign, percentage: 50, term: 'net30' },
        { id: b!.id, percentage: 25, term: 'net30' },
        { id: b!.id, percentage: 25, term: 'net30' },
      ],
    })
    assert.deepEqual(await invalid(bad), [
      "Field 'installments[0].id' does not name an installment of this payment term",
      "Field 'installments[2].id' repeats the id of installments[1]",
    ])
  })

  it('answers a GET sent back whole with the term unchanged: same ETag', async () => {
    const term = await buildTerm({ installments: split(25, 75) })
    const read = await get(`/api/payment-terms/${term.id}`)
    const res = await put(`/api/payment-terms/${term.id}`, read.json().data)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, read.headers.etag)
    assert.deepEqual(res.json().data, read.json().data)
    assert.deepEqual(await eventsOf(term.id), ['payment_term.created'])
    await put(`/api/payment-terms/${term.id}`, { installments: split(75, 25) })
    assert.deepEqual(await eventsOf(term.id), ['payment_term.created', 'payment_term.updated'])
  })

  it('refuses installments that do not add up to 100 and leaves the term as it was', async () => {
    const term = await buildTerm({ installments: split(50, 50) })
    const res = await put(`/api/payment-terms/${term.id}`, {
      name: 'Changed',
      installments: split(50, 49.99),
    })
    assert.deepEqual(await invalid(res), [
      "Field 'installments' percentages must add up to 100 (they add up to 99.99)",
    ])
    assert.deepEqual((await get(`/api/payment-terms/${term.id}`)).json().data, term)
  })

  it('clears reference and external ids with null, deactivates, and refuses a null name or api_name', async () => {
    const term = await buildTerm({ reference: 'R', id_erp: 'erp' })
    const res = await put(`/api/payment-terms/${term.id}`, {
      reference: null,
      id_erp: null,
      is_active: false,
    })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.reference, null)
    assert.equal(res.json().data.id_erp, null)
    assert.equal(res.json().data.is_active, false)
    const bad = await put(`/api/payment-terms/${term.id}`, { name: null, api_name: null })
    assert.deepEqual((await invalid(bad)).sort(), [
      "Field 'api_name' must be of type string",
      "Field 'name' must be of type string",
    ])
  })

  it("changes api_name; one another term holds is a 409 naming it, the term's own is fine", async () => {
    const holder = await buildTerm({ api_name: 'held_here' })
    const term = await buildTerm()
    assert.equal((await put(`/api/payment-terms/${term.id}`, { api_name: term.api_name })).statusCode, 200)
    const res = await put(`/api/payment-terms/${term.id}`, { api_name: 'held_here' })
    assert.equal(res.statusCode, 409)
    assert.equal(
      res.json().error,
      `api_name 'held_here' is already used by payment term ${holder.id} (${holder.name})`,
    )
    const renamed = await put(`/api/payment-terms/${term.id}`, { api_name: 'free_one' })
    assert.equal(renamed.json().data.api_name, 'free_one')
  })

  it('refuses a read-only field that differs, and answers 404 to an unknown id or another workspace', async () => {
    const term = await buildTerm()
    const res = await put(`/api/payment-terms/${term.id}`, { id: uuidv7() })
    assert.deepEqual(await invalid(res), [
      "Field 'id' is read-only: it cannot change, and differs from the stored value",
    ])
    for (const [id, auth] of [
      [uuidv7(), tenant.auth],
      [term.id, other.auth],
    ] as const) {
      const missing = await put(`/api/payment-terms/${id}`, PUT_EXAMPLE, auth)
      assert.equal(missing.statusCode, 404)
      assert.deepEqual(missing.json(), NOT_FOUND)
    }
  })

  it('does not answer PATCH: Qwoty documents PUT', async () => {
    const term = await buildTerm()
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/payment-terms/${term.id}`,
      headers: tenant.auth,
      payload: PUT_EXAMPLE,
    })
    assert.equal(res.statusCode, 405)
  })
})

describe('DELETE /api/payment-terms/{id}', () => {
  it('deletes the term and its installments, answering as documented', async () => {
    const term = await buildTerm({ installments: split(50, 50) })
    const res = await del(`/api/payment-terms/${term.id}`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, JSON.stringify({ success: true, message: 'Payment term deleted successfully' }))
    assert.deepEqual((await get(`/api/payment-terms/${term.id}`)).json(), NOT_FOUND)
    const left = await t.db.kysely
      .selectFrom('payment_term_installments')
      .select('id')
      .where('payment_term_id', '=', term.id)
      .execute()
    assert.deepEqual(left, [])
    const again = await del(`/api/payment-terms/${term.id}`)
    assert.equal(again.statusCode, 404)
    assert.deepEqual(again.json(), NOT_FOUND)
  })

  it("answers 404 to another workspace's term and leaves it", async () => {
    const term = await buildTerm()
    const res = await del(`/api/payment-terms/${term.id}`, other.auth)
    assert.deepEqual(res.json(), NOT_FOUND)
    assert.equal((await get(`/api/payment-terms/${term.id}`)).statusCode, 200)
  })

  it("is refused with 409 while records named in the descriptor's usedBy use the term", async () => {
    // No table names a payment term yet (quotes will): the installments' own column stands in for one,
    // to show that the delete consults the descriptor's usedBy, as quotes will join it.
    const term = await buildTerm({ installments: split(50, 50) })
    const saved = paymentTerms.usedBy
    const standIn: Reference = {
      table: 'payment_term_installments',
      column: 'payment_term_id',
      noun: ['installment', 'installments'],
    }
    paymentTerms.usedBy = [standIn]
    try {
      const res = await del(`/api/payment-terms/${term.id}`)
      assert.equal(res.statusCode, 409)
      assert.deepEqual(res.json(), {
        success: false,
        error:
          'Payment term is used by 2 installments: deactivate it instead (PUT /api/payment-terms/{id} with ' +
          '{"is_active": false}): an inactive term is hidden from new uses and stays on the records that use it',
        code: 'conflict',
      })
    } finally {
      paymentTerms.usedBy = saved
    }
    assert.deepEqual((await get(`/api/payment-terms/${term.id}`)).json().data, term)
    assert.equal((await del(`/api/payment-terms/${term.id}`)).statusCode, 200)
  })
})
