import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Decimal } from 'decimal.js'
import fc from 'fast-check'
import {
  type Discount,
  type LineInput,
  type PriceSpec,
  priceDocument,
  priceLine,
  roundMoney,
  type TaxSpec,
  type Tier,
  validateTiers,
} from './pricing.ts'

const fuzz = {
  seed: Number(process.env.FUZZ_SEED ?? 20261128),
  numRuns: Number(process.env.FUZZ_RUNS ?? 200),
}

const EUR = { minorUnits: 2 }
const JPY = { minorUnits: 0 }
const TND = { minorUnits: 3 }

/** 1–10 at 10.00, 11–50 at 8.00, 51 and more at 6.00. */
const readmeTiers: Tier[] = [
  { up_to: 10, unit_amount: '10.00', flat_amount: null },
  { up_to: 50, unit_amount: '8.00', flat_amount: null },
  { up_to: null, unit_amount: '6.00', flat_amount: null },
]

function buildLine(overrides: Partial<LineInput> = {}): LineInput {
  return { key: 'l1', price: { model: 'flat', amount: '19.99' }, quantity: 1, ...overrides }
}

describe('roundMoney', () => {
  it('rounds ties away from zero, on both sides of zero', () => {
    assert.equal(roundMoney('0.125', 2).toFixed(2), '0.13')
    assert.equal(roundMoney('-0.125', 2).toFixed(2), '-0.13')
    assert.equal(roundMoney('2.5', 0).toFixed(0), '3')
    assert.equal(roundMoney('-2.5', 0).toFixed(0), '-3')
    assert.equal(roundMoney('1.0005', 3).toFixed(3), '1.001')
    assert.equal(roundMoney('0.124999', 2).toFixed(2), '0.12')
  })

  it('refuses minor units that are not a whole number', () => {
    assert.throws(() => roundMoney('1', 1.5), RangeError)
    assert.throws(() => roundMoney('1', -1), RangeError)
  })
})

describe('priceLine: the price models', () => {
  it('prices a flat price as amount × quantity, fractional quantities included', () => {
    const line = priceLine(buildLine({ quantity: 3 }), EUR)
    assert.equal(line.unit_price, '19.99')
    assert.equal(line.list_amount, '59.97')
    assert.equal(line.net_amount, '59.97')
    assert.equal(line.total_amount, '59.97')
    assert.deepEqual(line.tiers, [])
    assert.equal(
      priceLine(buildLine({ price: { model: 'flat', amount: '10.01' }, quantity: '2.5' }), EUR).list_amount,
      '25.03',
    )
  })

  it('prices the README example: graduated, 60 units make 100 + 320 + 60 = 480.00', () => {
    const line = priceLine(
      buildLine({ price: { model: 'graduated', tiers: readmeTiers }, quantity: 60 }),
      EUR,
    )
    assert.equal(line.list_amount, '480.00')
    assert.equal(line.unit_price, '8')
    assert.deepEqual(line.tiers, [
      { up_to: '10', quantity: '10', unit_amount: '10', flat_amount: '0', amount: '100' },
      { up_to: '50', quantity: '40', unit_amount: '8', flat_amount: '0', amount: '320' },
      { up_to: null, quantity: '10', unit_amount: '6', flat_amount: '0', amount: '60' },
    ])
  })

  it('prices the same tiers as volume: 60 units all at 6.00 make 360.00', () => {
    const line = priceLine(buildLine({ price: { model: 'volume', tiers: readmeTiers }, quantity: 60 }), EUR)
    assert.equal(line.list_amount, '360.00')
    assert.equal(line.unit_price, '6')
    assert.deepEqual(line.tiers, [
      { up_to: null, quantity: '60', unit_amount: '6', flat_amount: '0', amount: '360' },
    ])
  })

  it('counts up_to as inclusive: 10 units stay in the first tier, 10.5 reach the second', () => {
    const volume = (quantity: string) =>
      priceLine(buildLine({ price: { model: 'volume', tiers: readmeTiers }, quantity }), EUR).list_amount
    assert.equal(volume('10'), '100.00')
    assert.equal(volume('10.5'), '84.00')
    const graduated = priceLine(
      buildLine({ price: { model: 'graduated', tiers: readmeTiers }, quantity: '10.5' }),
      EUR,
    )
    assert.equal(graduated.list_amount, '104.00')
    assert.deepEqual(
      graduated.tiers.map((t) => t.quantity),
      ['10', '0.5'],
    )
  })

  it('adds flat amounts: once for the volume tier reached, once per graduated tier touched', () => {
    const tiers: Tier[] = [
      { up_to: 5, unit_amount: null, flat_amount: '50' },
      { up_to: null, unit_amount: '4', flat_amount: '10' },
    ]
    const volume = priceLine(buildLine({ price: { model: 'volume', tiers }, quantity: 3 }), EUR)
    assert.equal(volume.list_amount, '50.00')
    assert.equal(volume.unit_price, '16.666666666666666667')
    assert.equal(
      priceLine(buildLine({ price: { model: 'volume', tiers }, quantity: 6 }), EUR).list_amount,
      '34.00',
    )
    const graduated = priceLine(buildLine({ price: { model: 'graduated', tiers }, quantity: 6 }), EUR)
    assert.equal(graduated.list_amount, '64.00')
    assert.equal(
      priceLine(buildLine({ price: { model: 'graduated', tiers }, quantity: 5 }), EUR).list_amount,
      '50.00',
    )
  })

  it('prices no quantity at nothing, the unit price being the first tier’s', () => {
    for (const model of ['volume', 'graduated'] as const) {
      const tiers: Tier[] = [{ ...readmeTiers[0]!, flat_amount: '5' }, ...readmeTiers.slice(1)]
      const line = priceLine(buildLine({ price: { model, tiers }, quantity: 0 }), EUR)
      assert.equal(line.list_amount, '0.00', model)
      assert.equal(line.unit_price, '10', model)
      assert.deepEqual(line.tiers, [], model)
    }
    assert.equal(priceLine(buildLine({ quantity: 0 }), EUR).unit_price, '19.99')
  })

  it('prices cost plus as cost × multiplier per unit', () => {
    const line = priceLine(
      buildLine({ price: { model: 'cost_plus', cost: '40', cost_multiplier: '1.25' }, quantity: 2 }),
      EUR,
    )
    assert.equal(line.unit_price, '50')
    assert.equal(line.list_amount, '100.00')
  })

  it('prices a percentage on the base it is given, 0 by default', () => {
    const price: PriceSpec = { model: 'percentage', percent: '15' }
    assert.equal(priceLine(buildLine({ price }), { ...EUR, percentageBase: '1234.56' }).list_amount, '185.18')
    assert.equal(priceLine(buildLine({ price }), { ...EUR, percentageBase: '1234.56' }).unit_price, '185.184')
    assert.equal(priceLine(buildLine({ price }), EUR).list_amount, '0.00')
  })

  it('replaces the model with a unit price override, without a tier breakdown', () => {
    const line = priceLine(
      buildLine({ price: { model: 'graduated', tiers: readmeTiers }, quantity: 60, unit_price: '7.5' }),
      EUR,
    )
    assert.equal(line.unit_price, '7.5')
    assert.equal(line.list_amount, '450.00')
    assert.deepEqual(line.tiers, [])
  })

  it('rounds at the currency’s minor unit: none for JPY, three for TND', () => {
    const jpy = priceLine(
      buildLine({ price: { model: 'flat', amount: '333.5' }, tax: { method: 'percentage', rate: 10 } }),
      JPY,
    )
    assert.equal(jpy.list_amount, '334')
    assert.equal(jpy.tax_amount, '33')
    assert.equal(jpy.total_amount, '367')
    const tnd = priceLine(
      buildLine({ price: { model: 'flat', amount: '1.2345' }, tax: { method: 'percentage', rate: 19 } }),
      TND,
    )
    assert.equal(tnd.list_amount, '1.235')
    assert.equal(tnd.tax_amount, '0.235')
    assert.equal(tnd.total_amount, '1.470')
  })
})

describe('priceLine: discounts, taxes and the floor price', () => {
  it('takes a percent discount off the list amount, rounded', () => {
    const line = priceLine(buildLine({ quantity: 3, discount: { type: 'percent', value: '12.5' } }), EUR)
    assert.equal(line.discount_amount, '7.50')
    assert.equal(line.subtotal_amount, '52.47')
    assert.equal(line.net_amount, '52.47')
    assert.equal(line.document_discount_amount, '0.00')
  })

  it('caps an amount discount at the list amount', () => {
    const line = priceLine(buildLine({ discount: { type: 'amount', value: '25' } }), EUR)
    assert.equal(line.discount_amount, '19.99')
    assert.equal(line.net_amount, '0.00')
  })

  it('computes a percentage tax on the net and an amount tax per unit', () => {
    const vat = priceLine(
      buildLine({
        quantity: 3,
        discount: { type: 'amount', value: 10 },
        tax: { method: 'percentage', rate: 20 },
      }),
      EUR,
    )
    assert.equal(vat.net_amount, '49.97')
    assert.equal(vat.tax_amount, '9.99')
    assert.equal(vat.total_amount, '59.96')
    const eco = priceLine(buildLine({ quantity: 3, tax: { method: 'amount', amount: '0.15' } }), EUR)
    assert.equal(eco.tax_amount, '0.45')
    assert.equal(eco.total_amount, '60.42')
  })

  it('flags a unit price under the floor once the line discount is off, and not one equal to it', () => {
    const at = (discount: Discount | null, floor: string, quantity = 1) =>
      priceLine(
        buildLine({ price: { model: 'flat', amount: '100' }, quantity, discount, floor_price: floor }),
        EUR,
      ).below_floor
    assert.equal(at({ type: 'percent', value: 10 }, '95'), true)
    assert.equal(at({ type: 'percent', value: 10 }, '90'), false)
    assert.equal(at({ type: 'amount', value: 30 }, '90', 2), true)
    assert.equal(at({ type: 'amount', value: 20 }, '90', 2), false)
    assert.equal(at(null, '100', 0), false)
    // 0.334 × 3 rounds to 1.00, yet the unit price is the floor itself
    const rounded = priceLine(
      buildLine({ price: { model: 'flat', amount: '0.334' }, quantity: 3, floor_price: '0.334' }),
      EUR,
    )
    assert.equal(rounded.below_floor, false)
  })

  it('refuses a negative quantity and a discount out of range', () => {
    assert.throws(() => priceLine(buildLine({ quantity: -1 }), EUR), RangeError)
    assert.throws(() => priceLine(buildLine({ discount: { type: 'percent', value: 101 } }), EUR), RangeError)
    assert.throws(() => priceLine(buildLine({ discount: { type: 'amount', value: '-1' } }), EUR), RangeError)
    assert.throws(() => priceLine(buildLine({ quantity: 'ten' }), EUR), RangeError)
    assert.throws(() => priceLine(buildLine({ price: { model: 'volume', tiers: [] } }), EUR), RangeError)
  })
})

describe('validateTiers', () => {
  it('accepts ascending tiers that end with an open one', () => {
    assert.deepEqual(validateTiers(readmeTiers), [])
    assert.deepEqual(validateTiers([{ up_to: null, unit_amount: null, flat_amount: 0 }]), [])
  })

  it('names every problem', () => {
    assert.deepEqual(validateTiers([]), ['tiers must hold at least one tier'])
    assert.deepEqual(
      validateTiers([
        { up_to: 10, unit_amount: 1, flat_amount: null },
        { up_to: 10, unit_amount: -1, flat_amount: null },
        { up_to: null, unit_amount: null, flat_amount: null },
        { up_to: 0, unit_amount: 1, flat_amount: 'x' },
      ]),
      [
        'tiers[1].up_to must be greater than tiers[0].up_to (10)',
        'tiers[1].unit_amount must be greater than or equal to 0',
        'tiers[2].up_to may be null only in the last tier',
        'tiers[2] must have a unit_amount or a flat_amount',
        'tiers[3].up_to must be greater than 0',
        'tiers[3].up_to must be null: the last tier has no upper bound',
        'tiers[3].flat_amount must be a number',
      ],
    )
  })
})

describe('priceDocument', () => {
  const service = (percent: string, of?: string[]): LineInput => ({
    key: 'service',
    price: { model: 'percentage', percent, ...(of ? { of } : {}) },
    quantity: 1,
  })
  const hardware: LineInput[] = [
    {
      key: 'a',
      product_id: 'p-a',
      price: { model: 'flat', amount: '100' },
      quantity: 2,
      discount: { type: 'percent', value: 10 },
    },
    { key: 'b', product_id: 'p-b', price: { model: 'flat', amount: '50' }, quantity: 1 },
  ]

  it('bases a percentage line on the other lines’ amounts after their line discounts', () => {
    const doc = priceDocument([...hardware, service('10')], EUR)
    assert.equal(doc.lines[2]!.list_amount, '23.00')
    assert.equal(doc.subtotal, '253.00')
    assert.equal(doc.total_amount, '253.00')
  })

  it('bases a percentage line on the named products only, never on another percentage line', () => {
    const doc = priceDocument([service('10', ['p-b']), ...hardware, { ...service('50'), key: 'other' }], EUR)
    assert.equal(doc.lines[0]!.list_amount, '5.00')
    assert.equal(doc.lines[3]!.list_amount, '115.00')
  })

  it('splits the document discount by largest remainder so that the shares add up exactly', () => {
    const line = (key: string): LineInput => ({ key, price: { model: 'flat', amount: '10' }, quantity: 1 })
    const doc = priceDocument([line('a'), line('b'), line('c')], {
      ...EUR,
      discount: { type: 'amount', value: 10 },
    })
    assert.deepEqual(
      doc.lines.map((l) => l.document_discount_amount),
      ['3.34', '3.33', '3.33'],
    )
    assert.deepEqual(
      doc.lines.map((l) => l.net_amount),
      ['6.66', '6.67', '6.67'],
    )
    assert.equal(doc.discount_amount, '10.00')
    assert.equal(doc.net_amount, '20.00')
  })

  it('computes each tax on the line’s net after its share of the document discount', () => {
    const doc = priceDocument(
      [
        {
          key: 'a',
          price: { model: 'flat', amount: '300' },
          quantity: 1,
          tax: { method: 'percentage', rate: 20 },
        },
        {
          key: 'b',
          price: { model: 'flat', amount: '100' },
          quantity: 1,
          tax: { method: 'percentage', rate: '5.5' },
        },
      ],
      { ...EUR, discount: { type: 'percent', value: 10 } },
    )
    assert.equal(doc.discount_amount, '40.00')
    assert.deepEqual(
      doc.lines.map((l) => [l.net_amount, l.tax_amount, l.total_amount]),
      [
        ['270.00', '54.00', '324.00'],
        ['90.00', '4.95', '94.95'],
      ],
    )
    assert.deepEqual([doc.net_amount, doc.tax_amount, doc.total_amount], ['360.00', '58.95', '418.95'])
  })

  it('caps an amount discount at the subtotal', () => {
    const doc = priceDocument(hardware, { ...EUR, discount: { type: 'amount', value: 1000 } })
    assert.equal(doc.discount_amount, '230.00')
    assert.equal(doc.net_amount, '0.00')
  })
})

// Decimals drawn as integers over a power of ten, written as strings: exact inputs.
const decimalOf = (min: number, max: number, decimals = 2) =>
  fc.integer({ min, max }).map((n) => new Decimal(n).div(10 ** decimals).toFixed())

const tiersArb = fc
  .array(
    fc.record({
      width: decimalOf(1, 5000),
      unit: fc.option(decimalOf(0, 100_000), { nil: null }),
      flat: fc.option(decimalOf(0, 100_000), { nil: null }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((rows) => {
    let top = new Decimal(0)
    return rows.map((row, i): Tier => {
      top = top.plus(row.width)
      return {
        up_to: i === rows.length - 1 ? null : top.toFixed(),
        unit_amount: row.unit,
        flat_amount: row.unit === null && row.flat === null ? '0' : row.flat,
      }
    })
  })

const discountArb: fc.Arbitrary<Discount | null> = fc.option(
  fc.oneof(
    fc.record({ type: fc.constant('percent' as const), value: decimalOf(0, 10_000) }),
    fc.record({ type: fc.constant('amount' as const), value: decimalOf(0, 1_000_000, 3) }),
  ),
  { nil: null },
)

const taxArb: fc.Arbitrary<TaxSpec | null> = fc.option(
  fc.oneof(
    fc.record({ method: fc.constant('percentage' as const), rate: decimalOf(0, 3000) }),
    fc.record({ method: fc.constant('amount' as const), amount: decimalOf(0, 500, 3) }),
  ),
  { nil: null },
)

const productIds = ['p1', 'p2', 'p3']

const priceArb: fc.Arbitrary<PriceSpec> = fc.oneof(
  fc.record({ model: fc.constant('flat' as const), amount: decimalOf(0, 1_000_000, 3) }),
  fc.record({ model: fc.constant('volume' as const), tiers: tiersArb }),
  fc.record({ model: fc.constant('graduated' as const), tiers: tiersArb }),
  fc.record(
    {
      model: fc.constant('percentage' as const),
      percent: decimalOf(0, 5000),
      of: fc.subarray(productIds),
    },
    { requiredKeys: ['model', 'percent'] },
  ),
  fc.record({
    model: fc.constant('cost_plus' as const),
    cost: decimalOf(0, 100_000),
    cost_multiplier: decimalOf(100, 300),
  }),
)

const lineArb: fc.Arbitrary<LineInput> = fc.record(
  {
    key: fc.string(),
    product_id: fc.constantFrom(...productIds),
    price: priceArb,
    quantity: decimalOf(0, 20_000, 1),
    unit_price: fc.option(decimalOf(0, 100_000), { nil: null }),
    discount: discountArb,
    tax: taxArb,
    floor_price: fc.option(decimalOf(0, 100_000), { nil: null }),
  },
  { requiredKeys: ['key', 'price', 'quantity'] },
)

const documentArb = fc.record({
  lines: fc.array(lineArb, { maxLength: 8 }),
  minorUnits: fc.constantFrom(0, 2, 3),
  discount: discountArb,
})

const sumOf = (values: string[]) => values.reduce((a, b) => a.plus(b), new Decimal(0))

/** The same input with every decimal string turned into the JSON number of the same value. */
function asNumbers<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v) =>
    typeof v === 'string' && key !== 'key' && key !== 'product_id' && /^-?\d+(\.\d+)?$/.test(v)
      ? Number(v)
      : v,
  )
}

describe('pricing properties', () => {
  it('never lowers a graduated total as the quantity grows', () => {
    fc.assert(
      fc.property(
        tiersArb,
        decimalOf(0, 20_000, 1),
        decimalOf(0, 20_000, 1),
        fc.constantFrom(0, 2, 3),
        (tiers, q1, q2, minorUnits) => {
          const [low, high] = new Decimal(q1).lte(q2) ? [q1, q2] : [q2, q1]
          const at = (quantity: string) =>
            new Decimal(
              priceLine(buildLine({ price: { model: 'graduated', tiers }, quantity }), { minorUnits })
                .list_amount,
            )
          assert.ok(at(low).lte(at(high)), `${low} → ${at(low)}, ${high} → ${at(high)}`)
        },
      ),
      fuzz,
    )
  })

  it('prices a volume line as the reached tier’s unit_amount × quantity + flat_amount, rounded', () => {
    fc.assert(
      fc.property(
        tiersArb,
        decimalOf(1, 20_000, 1),
        fc.constantFrom(0, 2, 3),
        (tiers, quantity, minorUnits) => {
          const reached = tiers.find((t) => t.up_to === null || new Decimal(quantity).lte(String(t.up_to)))!
          const expected = new Decimal(quantity)
            .times(String(reached.unit_amount ?? 0))
            .plus(String(reached.flat_amount ?? 0))
            .toDecimalPlaces(minorUnits, Decimal.ROUND_HALF_UP)
            .toFixed(minorUnits)
          const line = priceLine(buildLine({ price: { model: 'volume', tiers }, quantity }), { minorUnits })
          assert.equal(line.list_amount, expected)
          assert.equal(line.tiers.length, 1)
        },
      ),
      fuzz,
    )
  })

  it('makes the rounded lines add up to the document, whatever the discounts and the minor units', () => {
    fc.assert(
      fc.property(documentArb, ({ lines, minorUnits, discount }) => {
        const doc = priceDocument(lines, { minorUnits, discount })
        const field = (name: 'total_amount' | 'net_amount' | 'tax_amount' | 'document_discount_amount') =>
          sumOf(doc.lines.map((l) => l[name])).toFixed(minorUnits)
        assert.equal(field('total_amount'), doc.total_amount)
        assert.equal(field('net_amount'), doc.net_amount)
        assert.equal(field('tax_amount'), doc.tax_amount)
        assert.equal(field('document_discount_amount'), doc.discount_amount)
        assert.equal(new Decimal(doc.subtotal).minus(doc.discount_amount).toFixed(minorUnits), doc.net_amount)
        assert.ok(new Decimal(doc.discount_amount).lte(doc.subtotal), JSON.stringify(doc))
        for (const l of doc.lines) {
          assert.ok(new Decimal(l.discount_amount).lte(l.list_amount), JSON.stringify(l))
          assert.ok(new Decimal(l.net_amount).gte(0), JSON.stringify(l))
          assert.equal(new Decimal(l.net_amount).plus(l.tax_amount).toFixed(minorUnits), l.total_amount)
        }
      }),
      fuzz,
    )
  })

  it('gives the same strings for the same input, as decimal strings or as JSON numbers', () => {
    fc.assert(
      fc.property(documentArb, ({ lines, minorUnits, discount }) => {
        const first = priceDocument(lines, { minorUnits, discount })
        assert.deepEqual(priceDocument(lines, { minorUnits, discount }), first)
        assert.deepEqual(
          priceDocument(asNumbers(lines), { minorUnits, discount: asNumbers(discount) }),
          first,
        )
      }),
      fuzz,
    )
  })
})
