import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { api, buildTenant, buildToken, type Headers, useTestApp } from '../../../test/helpers.ts'
import { runWrite } from '../../kernel/write.ts'
import { allocateNumber } from './numbers.ts'

const PATH = '/api/workspace/settings'
const KEYS = [
  'id',
  'name',
  'quote_number_pattern',
  'quote_number_reset',
  'quote_number_reset_start',
  'quote_validity_days',
  'order_number_pattern',
  'tax_id_validation',
  'default_country',
  'next_quote_number',
]

type Tenant = Awaited<ReturnType<typeof buildTenant>>

/** What the default pattern gives the first quote of this year (read around the request, for New Year's Eve). */
const firstOfTheYear = (years: number[]) => years.map((y) => `Q-${y}-0001`)
const thisYear = () => new Date().getUTCFullYear()

describe('GET /api/workspace/settings', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)
  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it("answers the workspace's settings, defaults first, with an ETag", async () => {
    const before = thisYear()
    const res = await call.get(PATH)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, '"1"')
    const { data } = res.json()
    assert.deepEqual(Object.keys(data), KEYS)
    const { next_quote_number, ...rest } = data
    assert.deepEqual(rest, {
      id: tenant.workspaceId,
      name: 'Test workspace',
      quote_number_pattern: 'Q-{YYYY}-{0000}',
      quote_number_reset: 'never',
      quote_number_reset_start: 1,
      quote_validity_days: 30,
      order_number_pattern: 'ORD-{YYYY}-{0000}',
      tax_id_validation: 'lenient',
      default_country: 'FR',
    })
    assert.ok(firstOfTheYear([before, thisYear()]).includes(next_quote_number), next_quote_number)
  })

  it('shows the next quote number as quotes take theirs, without moving the ETag or answering 304', async () => {
    const before = thisYear()
    await runWrite(t.db.kysely, tenant.workspaceId, (w) => allocateNumber(w, 'quote', new Date()))
    const res = await call.get(PATH, { ...tenant.auth, 'if-none-match': '"1"' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.etag, '"1"')
    assert.ok([`Q-${before}-0002`, `Q-${thisYear()}-0002`].includes(res.json().data.next_quote_number))
  })

  it('answers 401 without a token, 403 to a token without settings:read, 200 to settings:read', async () => {
    assert.equal((await call.get(PATH, {})).statusCode, 401)
    const other = await buildToken(t.db, tenant.workspaceId, ['customers:write'])
    const refused = await call.get(PATH, other.auth)
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().error, "This token lacks the 'settings:read' permission")
    const reader = await buildToken(t.db, tenant.workspaceId, ['settings:read'])
    assert.equal((await call.get(PATH, reader.auth)).statusCode, 200)
  })

  it("shows another workspace's token its own settings, never these", async () => {
    await call.patch(PATH, { name: 'Owner-only Ltd' })
    const intruder = await buildTenant(t.db)
    const res = await call.get(PATH, intruder.auth)
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.id, intruder.workspaceId)
    assert.equal(res.json().data.name, 'Test workspace')
    assert.ok(!res.body.includes(tenant.workspaceId))
  })

  it('refuses query parameters', async () => {
    const res = await call.get(`${PATH}?limit=10`)
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'unknown_parameter')
  })
})

describe('PATCH /api/workspace/settings', () => {
  const t = useTestApp()
  let tenant: Tenant
  const call = api(t, () => tenant.auth)
  const events = async () =>
    (await call.get('/api/events?type=settings.updated&limit=1000')).json().data as {
      record_id: string
      data: Record<string, unknown>
    }[]

  before(async () => {
    tenant = await buildTenant(t.db)
  })

  it('changes every field given, moves the ETag and records settings.updated', async () => {
    const res = await call.patch(PATH, {
      name: '  Acme  ',
      quote_number_pattern: 'Q{YY}{MM}-{000+30}',
      quote_number_reset: 'month',
      quote_number_reset_start: 1,
      quote_validity_days: 45,
      order_number_pattern: 'O-{00000}',
      tax_id_validation: 'strict',
      default_country: 'be',
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers.etag, '"2"')
    const { data } = res.json()
    const now = new Date()
    const yymm = `${String(now.getUTCFullYear() % 100).padStart(2, '0')}${String(now.getUTCMonth() + 1).padStart(2, '0')}`
    assert.deepEqual(data, {
      id: tenant.workspaceId,
      name: 'Acme',
      quote_number_pattern: 'Q{YY}{MM}-{000+30}',
      quote_number_reset: 'month',
      quote_number_reset_start: 1,
      quote_validity_days: 45,
      order_number_pattern: 'O-{00000}',
      tax_id_validation: 'strict',
      default_country: 'BE',
      next_quote_number: `Q${yymm}-031`,
    })
    const read = await call.get(PATH)
    assert.deepEqual(read.json().data, data)
    assert.equal(read.headers.etag, '"2"')
    const recorded = await events()
    assert.equal(recorded.length, 1)
    assert.equal(recorded[0]!.record_id, tenant.workspaceId)
    assert.deepEqual(recorded[0]!.data, data)
  })

  it("changes what the workspace does: customers' tax ids are refused under strict, stored under lenient", async () => {
    const customer = await call.post('/api/customers', {
      name: 'Strict',
      type: 'company',
      tax_ids: [{ tax: 'SIREN', tax_value: '123' }],
    })
    assert.equal(customer.statusCode, 400, customer.body)
    await call.patch(PATH, { tax_id_validation: 'lenient' })
    const lenient = await call.post('/api/customers', {
      name: 'Lenient',
      type: 'company',
      tax_ids: [{ tax: 'SIREN', tax_value: '123' }],
    })
    assert.equal(lenient.statusCode, 201, lenient.body)
  })

  it('changes nothing, and records nothing, when the values are those stored or a GET is sent back', async () => {
    const read = await call.get(PATH)
    const before = (await events()).length
    for (const body of [
      {},
      { quote_validity_days: read.json().data.quote_validity_days },
      read.json().data,
    ]) {
      const res = await call.patch(PATH, body)
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.headers.etag, read.headers.etag)
      assert.deepEqual(res.json().data, read.json().data)
    }
    assert.equal((await events()).length, before)
  })

  it('accepts next_quote_number sent back whatever it holds, and ignores it', async () => {
    const res = await call.patch(PATH, { next_quote_number: 'Q-1999-9999', quote_validity_days: 60 })
    assert.equal(res.statusCode, 200, res.body)
    assert.notEqual(res.json().data.next_quote_number, 'Q-1999-9999')
  })

  it('refuses an id other than the workspace', async () => {
    const res = await call.patch(PATH, { id: '0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'id' is read-only: it cannot change, and differs from the stored value",
    ])
  })

  it('writes under a matching If-Match only (412 otherwise)', async () => {
    const etag = (await call.get(PATH)).headers.etag as string
    const stale = await call.patch(PATH, { quote_validity_days: 7 }, { ...tenant.auth, 'if-match': '"999"' })
    assert.equal(stale.statusCode, 412)
    assert.equal(stale.json().code, 'precondition_failed')
    assert.equal(stale.headers.etag, etag)
    const fresh = await call.patch(PATH, { quote_validity_days: 7 }, { ...tenant.auth, 'if-match': etag })
    assert.equal(fresh.statusCode, 200, fresh.body)
    assert.equal(fresh.json().data.quote_validity_days, 7)
    assert.notEqual(fresh.headers.etag, etag)
  })

  it('refuses patterns Qwoty would not number by, naming the field and what is wrong', async () => {
    const cases: [object, RegExp][] = [
      [{ quote_number_pattern: 'Q {0000}' }, /^Field 'quote_number_pattern' must not contain spaces$/],
      [
        { quote_number_pattern: 'Q-{YYY}-{0000}' },
        /^Field 'quote_number_pattern' has an unknown variable \{YYY\}/,
      ],
      [
        { quote_number_pattern: 'Q-{0000' },
        /^Field 'quote_number_pattern' has a '\{' at position 3 that no '\}' closes$/,
      ],
      [{ quote_number_pattern: 'Q-}{0000}' }, /^Field 'quote_number_pattern' has a '\}' at position 3/],
      [
        { quote_number_pattern: 'Q-{YYYY}' },
        /^Field 'quote_number_pattern' needs a counter such as \{0000\}/,
      ],
      [
        { quote_number_pattern: '{000}{0000}' },
        /^Field 'quote_number_pattern' must have exactly one counter, not 2$/,
      ],
      [
        { quote_number_pattern: `${'Q'.repeat(60)}{0000}` },
        /^Field 'quote_number_pattern' must be at most 64 characters$/,
      ],
      [{ quote_number_pattern: '' }, /^Field 'quote_number_pattern' must not be empty$/],
      [{ order_number_pattern: 'ORD-{YYYY}' }, /^Field 'order_number_pattern' needs a counter/],
      [{ order_number_pattern: 'ORD {0}' }, /^Field 'order_number_pattern' must not contain spaces$/],
    ]
    const before = await call.get(PATH)
    for (const [body, expected] of cases) {
      const res = await call.patch(PATH, body)
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`)
      assert.equal(res.json().code, 'validation_failed')
      assert.equal(res.json().details.length, 1, res.body)
      assert.match(res.json().details[0], expected)
    }
    assert.equal((await call.get(PATH)).headers.etag, before.headers.etag)
  })

  it('asks a pattern that resets to show its period, unless both change together', async () => {
    await call.patch(PATH, { quote_number_pattern: 'Q-{0000}', quote_number_reset: 'never' })
    const res = await call.patch(PATH, { quote_number_reset: 'year' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json().details, [
      "Field 'quote_number_reset' is year, so 'quote_number_pattern' must show the year with {YYYY} or {YY}: numbers restart each year and would repeat those of another",
    ])
    const month = await call.patch(PATH, {
      quote_number_pattern: 'Q-{YYYY}-{0000}',
      quote_number_reset: 'month',
    })
    assert.equal(month.statusCode, 400)
    assert.match(month.json().details[0], /must show the month with \{MM\}/)
    const both = await call.patch(PATH, {
      quote_number_pattern: 'Q-{YY}{MM}-{0000}',
      quote_number_reset: 'month',
    })
    assert.equal(both.statusCode, 200, both.body)
    const narrowed = await call.patch(PATH, { quote_number_pattern: 'Q-{YY}-{0000}' })
    assert.equal(narrowed.statusCode, 400)
  })

  it('refuses out-of-range and mistyped values, naming every field at once', async () => {
    const res = await call.patch(PATH, {
      name: ' ',
      quote_number_reset: 'weekly',
      quote_number_reset_start: -1,
      quote_validity_days: 0,
      tax_id_validation: 'loose',
      default_country: 'XX',
      colour: 'blue',
    })
    assert.equal(res.statusCode, 400)
    const details: string[] = res.json().details
    for (const field of [
      'name',
      'quote_number_reset',
      'quote_number_reset_start',
      'quote_validity_days',
      'tax_id_validation',
      'default_country',
      'colour',
    ]) {
      assert.ok(
        details.some((d) => d.includes(`'${field}'`)),
        `${field} is not named: ${details.join(' | ')}`,
      )
    }
    for (const body of [
      { quote_validity_days: 3651 },
      { quote_validity_days: 1.5 },
      { quote_number_reset_start: '1' },
    ]) {
      const bad = await call.patch(PATH, body)
      assert.equal(bad.statusCode, 400, JSON.stringify(body))
      assert.match(bad.json().details[0], new RegExp(`^Field '${Object.keys(body)[0]}'`))
    }
  })

  it('answers 401 without a token, 403 to settings:read, 200 to settings:write', async () => {
    assert.equal((await call.patch(PATH, { quote_validity_days: 10 }, {})).statusCode, 401)
    const reader = await buildToken(t.db, tenant.workspaceId, ['settings:read'])
    const refused = await call.patch(PATH, { quote_validity_days: 10 }, reader.auth)
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().error, "This token lacks the 'settings:write' permission")
    const writer = await buildToken(t.db, tenant.workspaceId, ['settings:write'])
    const res = await call.patch(PATH, { quote_validity_days: 10 }, writer.auth)
    assert.equal(res.statusCode, 200, res.body)
  })

  it("changes only the token's own workspace", async () => {
    const owner = (await call.get(PATH)).json()
    const intruder = await buildTenant(t.db)
    const res = await call.patch(
      PATH,
      { name: 'Intruder', quote_validity_days: 99 },
      intruder.auth as Headers,
    )
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().data.id, intruder.workspaceId)
    assert.deepEqual((await call.get(PATH)).json(), owner)
  })
})
