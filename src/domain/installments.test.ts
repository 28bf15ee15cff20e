import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type InstallmentInput,
  installmentProblems,
  percentageSum,
  storedPercentage,
  sumProblem,
} from './installments.ts'

const fuzz = {
  seed: Number(process.env.FUZZ_SEED ?? 20261128),
  numRuns: Number(process.env.FUZZ_RUNS ?? 300),
}

/**
 * 100 split into `min`–`max` positive parts of `decimals` decimals: cut points drawn among the units
 * (0.01 for two decimals) of 0–100, each part the distance between two, as a JSON number would hold it.
 */
function splitOf100(decimals: number, min = 1, max = 12) {
  const units = 100 * 10 ** decimals
  return fc
    .uniqueArray(fc.integer({ min: 1, max: units - 1 }), { minLength: min - 1, maxLength: max - 1 })
    .map((cuts) => {
      const bounds = [0, ...cuts.sort((a, b) => a - b), units]
      return bounds.slice(1).map((b, i) => (b - bounds[i]!) / 10 ** decimals)
    })
}

const net30 = (percentages: number[]): InstallmentInput[] =>
  percentages.map((percentage) => ({ percentage, term: 'net30' }))

describe('installmentProblems: the sum rule', () => {
  it('accepts any split of 100 into 1 to 12 parts with two decimals', () => {
    fc.assert(
      fc.property(splitOf100(2), (parts) => {
        assert.deepEqual(installmentProblems(net30(parts)), [], JSON.stringify(parts))
      }),
      fuzz,
    )
  })

  it('accepts any split of 100 into 1 to 12 parts with four decimals', () => {
    fc.assert(
      fc.property(splitOf100(4), (parts) => {
        assert.deepEqual(installmentProblems(net30(parts)), [], JSON.stringify(parts))
      }),
      fuzz,
    )
  })

  it('refuses any other sum, saying the exact sum it found', () => {
    const perturbed = fc
      .tuple(
        splitOf100(2),
        fc.nat(),
        fc.integer({ min: -2000, max: 2000 }).filter((d) => d !== 0),
      )
      .map(([parts, which, cents]) => {
        const i = which % parts.length
        const changed = [...parts]
        // Kept above 0 and at most 100, as the schema asks of each percentage.
        const value = Math.min(10000, Math.max(1, Math.round(parts[i]! * 100) + cents))
        changed[i] = value / 100
        return { parts: changed, delta: value - Math.round(parts[i]! * 100) }
      })
      .filter(({ delta }) => delta !== 0)
    fc.assert(
      fc.property(perturbed, ({ parts, delta }) => {
        const expected = ((10000 + delta) / 100).toFixed(2).replace(/\.?0+$/, '')
        assert.deepEqual(installmentProblems(net30(parts)), [
          `Field 'installments' percentages must add up to 100 (they add up to ${expected})`,
        ])
      }),
      fuzz,
    )
  })

  it('refuses a sum off by one ten-thousandth', () => {
    fc.assert(
      fc.property(splitOf100(4, 2), fc.boolean(), (parts, up) => {
        const changed = [...parts]
        const last = changed.length - 1
        const units = Math.round(changed[last]! * 10000) + (up ? 1 : -1)
        fc.pre(units > 0)
        changed[last] = units / 10000
        assert.equal(installmentProblems(net30(changed)).length, 1)
        assert.equal(percentageSum(changed).toFixed(), up ? '100.0001' : '99.9999')
      }),
      fuzz,
    )
  })

  it('decides in decimal where binary floating point errs', () => {
    for (const parts of [
      [15.6, 79.74, 4.66],
      [42.04, 6.1, 3.37, 5.33, 25.65, 8.18, 9.33],
      [10.12, 31, 36.43, 2.4, 16.51, 3.54],
    ]) {
      assert.notEqual(
        parts.reduce((a, b) => a + b, 0),
        100,
      )
      assert.equal(sumProblem(parts), undefined)
    }
    assert.equal(sumProblem([33.33, 33.33, 33.34]), undefined)
    assert.equal(sumProblem([0.1, 0.2, 99.7]), undefined)
    assert.equal(
      sumProblem([33.33, 33.33, 33.33]),
      "Field 'installments' percentages must add up to 100 (they add up to 99.99)",
    )
    assert.equal(
      sumProblem([50, 50.0001]),
      "Field 'installments' percentages must add up to 100 (they add up to 100.0001)",
    )
  })

  it('refuses an empty list', () => {
    assert.deepEqual(installmentProblems([]), [
      "Field 'installments' must hold at least one installment: their percentages add up to 100",
    ])
  })
})

describe('installmentProblems: each installment', () => {
  it('allows at most four decimals, read from the number as written', () => {
    assert.deepEqual(installmentProblems(net30([33.3333, 33.3333, 33.3334])), [])
    assert.deepEqual(installmentProblems(net30([50.005, 49.995])), [])
    assert.deepEqual(installmentProblems(net30([50.00001, 49.99999])), [
      "Field 'installments[0].percentage' must have at most 4 decimals",
      "Field 'installments[1].percentage' must have at most 4 decimals",
    ])
    assert.deepEqual(installmentProblems(net30([1e-7, 100])), [
      "Field 'installments[0].percentage' must have at most 4 decimals",
      "Field 'installments' percentages must add up to 100 (they add up to 100.0000001)",
    ])
  })

  it('requires custom_text with the custom term, and refuses it with any other', () => {
    assert.deepEqual(
      installmentProblems([
        { percentage: 50, term: 'custom', custom_text: 'At delivery' },
        { percentage: 50, term: 'net30', custom_text: null },
      ]),
      [],
    )
    assert.deepEqual(
      installmentProblems([
        { percentage: 30, term: 'custom' },
        { percentage: 30, term: 'custom', custom_text: null },
        { percentage: 40, term: 'net45', custom_text: 'Soon' },
      ]),
      [
        "Field 'installments[0].custom_text' is required when term is custom",
        "Field 'installments[1].custom_text' is required when term is custom",
        "Field 'installments[2].custom_text' is only allowed when term is custom (term is net45)",
      ],
    )
  })

  it('numbers installments from 1 by position when order_number is omitted, and refuses one given twice', () => {
    assert.deepEqual(installmentProblems(net30([50, 50])), [])
    assert.deepEqual(
      installmentProblems([
        { percentage: 25, term: 'net30', order_number: 3 },
        { percentage: 25, term: 'net30' },
        { percentage: 50, term: 'net30', order_number: 3 },
      ]),
      ["Field 'installments[2].order_number' repeats 3, the order_number of installments[0]"],
    )
    assert.deepEqual(
      installmentProblems([
        { percentage: 50, term: 'net30', order_number: 2 },
        { percentage: 50, term: 'net30' },
      ]),
      ["Field 'installments[1].order_number' repeats 2, the order_number of installments[0]"],
    )
  })
})

describe('storedPercentage', () => {
  it('stores the decimal as written, without trailing zeros or exponent', () => {
    assert.equal(storedPercentage(33.33), '33.33')
    assert.equal(storedPercentage(100), '100')
    assert.equal(storedPercentage(0.0001), '0.0001')
    assert.equal(storedPercentage(12.5), '12.5')
  })
})
