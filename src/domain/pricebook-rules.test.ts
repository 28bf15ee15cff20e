import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { applyRule, ruleProblems } from './pricebook-rules.ts'

const at = (
  amount: string,
  adjustmentPercent: number,
  rounding: 'minor_unit' | 'step' | 'ending',
  value?: number,
  minor = 2,
) => applyRule(amount, { adjustmentPercent, rounding, roundingValue: value }, minor).toFixed(minor)

describe('applyRule', () => {
  it('moves a price by the percentage and rounds half away from zero at the minor unit', () => {
    assert.equal(at('100', -10, 'minor_unit'), '90.00')
    assert.equal(at('99.99', -10, 'minor_unit'), '89.99') // 89.991
    assert.equal(at('0.25', -50, 'minor_unit'), '0.13') // 0.125
    assert.equal(at('1234', 5, 'minor_unit', undefined, 0), '1296') // JPY: 1295.7
    assert.equal(at('10.005', 0, 'minor_unit', undefined, 3), '10.005') // TND
  })

  it('rounds to a step', () => {
    assert.equal(at('100', -12, 'step', 5), '90.00') // 88 → 90
    assert.equal(at('10.02', 0, 'step', 0.05), '10.00')
    assert.equal(at('10.025', 0, 'step', 0.05), '10.05') // a tie goes away from zero
  })

  it('rounds to the nearest ending', () => {
    assert.equal(at('100', -10, 'ending', 0.99), '89.99')
    assert.equal(at('12.50', 0, 'ending', 0.99), '12.99')
    assert.equal(at('12.40', 0, 'ending', 0.99), '11.99')
    assert.equal(at('0.30', 0, 'ending', 0.99), '0.99') // never below zero
    assert.equal(at('19.20', 0, 'ending', 0.5), '19.50')
  })

  it('lands on the ending it is asked for, within a unit of the moved price', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: -99, max: 100 }),
        (cents, pct) => {
          const amount = (cents / 100).toFixed(2)
          const result = applyRule(
            amount,
            { adjustmentPercent: pct, rounding: 'ending', roundingValue: 0.99 },
            2,
          )
          assert.equal(result.toFixed(2).slice(-3), '.99')
          const moved = (cents * (100 + pct)) / 10000
          assert.ok(Math.abs(result.toNumber() - moved) <= 1.0000001)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('ruleProblems', () => {
  it('names each field that is wrong', () => {
    assert.deepEqual(ruleProblems({ adjustment_percent: -10 }), [])
    assert.match(ruleProblems({})[0] ?? '', /adjustment_percent/)
    assert.match(ruleProblems({ adjustment_percent: -100 })[0] ?? '', /above -100/)
    assert.match(ruleProblems({ adjustment_percent: 1.23456 })[0] ?? '', /4 decimals/)
    assert.match(ruleProblems({ adjustment_percent: 1, rounding: 'step' })[0] ?? '', /rounding_value/)
    assert.match(
      ruleProblems({ adjustment_percent: 1, rounding: 'ending', rounding_value: 1 })[0] ?? '',
      /rounding_value/,
    )
    assert.match(ruleProblems({ adjustment_percent: 1, rounding_value: 0.99 })[0] ?? '', /only for/)
  })
})
