import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import fc from 'fast-check'
import { api, buildTenant, useTestApp } from '../../../test/helpers.ts'
import { type LineInput, type PriceSpec, priceLine } from '../../domain/pricing.ts'

// The same inputs give the same cents on SQLite and on PostgreSQL: every price below goes through the
// database (PATCH, stored as text on SQLite and numeric on PostgreSQL, read back) and is quoted by the API;
// the answer must be, to the cent, what the engine computes from the numbers as sent. This file runs in
// both passes of `npm test`, so both databases are held to the same figures.

const SEED = Number(process.env.FUZZ_SEED ?? 20261202)
const RUNS = Number(process.env.FUZZ_RUNS ?? 40)

/** A decimal with at most `decimals` places, as a JSON number and as the string the engine takes. */
const decimal = (max: number, decimals: number) =>
  fc.integer({ min: 0, max: max * 10 ** decimals }).map((n) => (n / 10 ** decimals).toFixed(decimals))

const tiers = fc
  .uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 0, maxLength: 3 })
  .chain((bounds) => {
    const ups = [...bounds].sort((a, b) => a - b)
    return fc.tuple(
      ...[...ups, null].map((up_to) =>
        fc.record({ up_to: fc.constant(up_to), unit_amount: decimal(500, 2), flat_amount: decimal(50, 2) }),
      ),
    )
  })

const spec: fc.Arbitrary<PriceSpec> = fc.oneof(
  decimal(10_000, 2).map((amount) => ({ model: 'flat' as const, amount })),
  tiers.map((t) => ({ model: 'volume' as const, tiers: t })),
  tiers.map((t) => ({ model: 'graduated' as const, tiers: t })),
  fc
    .tuple(decimal(1000, 2), decimal(5, 3))
    .map(([cost, m]) => ({ model: 'cost_plus' as const, cost, cost_multiplier: m === '0.000' ? '1.5' : m })),
)

/** The PATCH body that stores `price`, every number a JSON number as a client sends it. */
function body(price: PriceSpec) {
  const tierBody = (list: readonly { up_to: unknown; unit_amount: unknown; flat_amount: unknown }[]) =>
    list.map((t) => ({
      up_to: t.up_to === null ? null : Number(t.up_to),
      unit_amount: Number(t.unit_amount),
      flat_amount: Number(t.flat_amount),
    }))
  switch (price.model) {
    case 'flat':
      return { pricing_model: 'flat', amount: Number(price.amount) }
    case 'volume':
      return { pricing_model: 'volume', volume_tiers: tierBody(price.tiers) }
    case 'graduated':
      return { pricing_model: 'graduated', graduated_tiers: tierBody(price.tiers) }
    case 'cost_plus':
      return {
        pricing_model: 'cost_plus',
        cost: Number(price.cost),
        cost_multiplier: Number(price.cost_multiplier),
      }
    default:
      throw new Error('not generated')
  }
}

describe('POST /api/prices/{id}/quote', () => {
  const t = useTestApp()
  let tenant: Awaited<ReturnType<typeof buildTenant>>
  const call = api(t, () => tenant.auth)
  let priceId: string
  let taxId: string

  before(async () => {
    tenant = await buildTenant(t.db)
    const product = await call.post('/api/products', {
      api_name: 'cents',
      recurrence_type: 'one_off',
      name: 'Cents',
    })
    assert.equal(product.statusCode, 201, product.body)
    priceId = product.json().data.prices[0].id
    taxId = (await call.get('/api/taxes')).json().data[0].id
  })

  it('answers to the cent what the engine computes from the numbers sent, whatever the database', async () => {
    await fc.assert(
      fc.asyncProperty(
        spec,
        decimal(200, 2),
        fc.option(
          fc.oneof(
            decimal(100, 2).map((v) => ({ type: 'percent' as const, value: v })),
            decimal(500, 2).map((v) => ({ type: 'amount' as const, value: v })),
          ),
          { nil: undefined },
        ),
        fc.boolean(),
        async (price, quantity, discount, taxed) => {
          const stored = await call.patch(`/api/prices/${priceId}`, body(price))
          assert.equal(stored.statusCode, 200, `PATCH ${JSON.stringify(body(price))}: ${stored.body}`)
          const request = {
            quantity: Number(quantity),
            ...(discount ? { discount: { type: discount.type, value: Number(discount.value) } } : {}),
            tax_id: taxed ? taxId : null,
          }
          const res = await call.post(`/api/prices/${priceId}/quote`, request)
          assert.equal(res.statusCode, 200, `quote ${JSON.stringify(request)}: ${res.body}`)
          const line: LineInput = {
            key: 'l',
            price,
            quantity,
            discount: discount ?? null,
            tax: taxed ? { method: 'percentage', rate: '20' } : null,
          }
          const expected = priceLine(line, { minorUnits: 2 })
          const got = res.json().data
          for (const key of [
            'list_amount',
            'discount_amount',
            'net_amount',
            'tax_amount',
            'total_amount',
          ] as const) {
            assert.equal(
              got[key].toFixed(2),
              expected[key],
              `${key} of ${JSON.stringify(price)} × ${quantity}, discount ${JSON.stringify(discount)}`,
            )
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
