import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type Condition,
  canDecide,
  conditionProblems,
  type FactLine,
  type FactQuote,
  quoteFacts,
  ruleMatches,
} from './approval-rules.ts'

const QUOTE: FactQuote = { customer_id: 'c1', segment_id: 's1', currency: 'EUR', total_amount: '1200.00' }

/** A line of 10 units at 100, no discount, no cost. */
function line(overrides: Partial<FactLine> = {}): FactLine {
  return {
    quantity: '10',
    list_price: '100',
    unit_price_override: null,
    list_amount: '1000.00',
    discount_amount: '0.00',
    subtotal_amount: '1000.00',
    document_discount_amount: '0.00',
    net_amount: '1000.00',
    cost: null,
    below_floor: false,
    ...overrides,
  }
}

const rule = (operator: 'and' | 'or', ...conditions: Condition[]) => ({ operator, conditions })

describe('quoteFacts', () => {
  it('takes the largest line discount in percent of its list amount', () => {
    const facts = quoteFacts(QUOTE, [
      line({ discount_amount: '150.00', subtotal_amount: '850.00' }),
      line({ list_amount: '300.00', discount_amount: '75.00', subtotal_amount: '225.00' }),
    ])
    assert.equal(facts.discount_percent.toString(), '25')
  })

  it('counts a unit price override under list as a discount', () => {
    const facts = quoteFacts(QUOTE, [
      line({ unit_price_override: '60', list_amount: '600.00', subtotal_amount: '600.00' }),
    ])
    assert.equal(facts.discount_percent.toString(), '40')
  })

  it('takes the quote discount in percent of the subtotal when larger', () => {
    const facts = quoteFacts(QUOTE, [
      line({ discount_amount: '100.00', subtotal_amount: '900.00', document_discount_amount: '270.00' }),
      line({ list_amount: '100.00', subtotal_amount: '100.00', document_discount_amount: '30.00' }),
    ])
    // 300 off a subtotal of 1000: 30 %, over the 10 % of the first line.
    assert.equal(facts.discount_percent.toString(), '30')
  })

  it('computes the margin over the lines that have a cost, exactly', () => {
    const facts = quoteFacts(QUOTE, [
      line({ cost: '70', net_amount: '1000.00' }),
      line({ cost: '20', quantity: '3', net_amount: '90.00' }),
      line({ cost: null, net_amount: '5000.00' }),
    ])
    // (1090 − 760) / 1090 × 100
    assert.equal(facts.margin_percent?.toFixed(6), '30.275229')
    assert.equal(quoteFacts(QUOTE, [line()]).margin_percent, null)
    assert.equal(quoteFacts(QUOTE, [line({ cost: '1', net_amount: '0.00' })]).margin_percent, null)
  })

  it('says whether any line is under its floor, and copies total, currency, customer and segment', () => {
    const facts = quoteFacts(QUOTE, [line(), line({ below_floor: true })])
    assert.equal(facts.below_floor, true)
    assert.equal(quoteFacts(QUOTE, [line()]).below_floor, false)
    assert.equal(facts.total_amount.toString(), '1200')
    assert.deepEqual([facts.currency, facts.customer_id, facts.segment_id], ['EUR', 'c1', 's1'])
  })

  it('gives zeros and no margin for a quote without lines', () => {
    const facts = quoteFacts({ ...QUOTE, total_amount: '0' }, [])
    assert.equal(facts.discount_percent.toString(), '0')
    assert.equal(facts.margin_percent, null)
    assert.equal(facts.below_floor, false)
  })
})

describe('ruleMatches', () => {
  const facts = quoteFacts(QUOTE, [
    line({ discount_amount: '200.00', subtotal_amount: '800.00', cost: '50', net_amount: '800.00' }),
  ])
  // discount 20 %, margin (800 − 500) / 800 = 37.5 %, total 1200 EUR, customer c1, segment s1.

  it('compares numbers with each operator, exactly at the bounds', () => {
    const at = (operator: Condition['operator'], value: number) =>
      ruleMatches(rule('and', { field: 'discount_percent', operator, value }), facts)
    assert.deepEqual(
      [at('gt', 20), at('gte', 20), at('lt', 20), at('lte', 20), at('eq', 20), at('gt', 19.99)],
      [false, true, false, true, true, true],
    )
    const margin = (operator: Condition['operator'], value: number) =>
      ruleMatches(rule('and', { field: 'margin_percent', operator, value }), facts)
    assert.deepEqual([margin('lt', 37.5), margin('lte', 37.5), margin('lt', 40)], [false, true, true])
  })

  it('compares the total in the condition currency only when it names one', () => {
    const total = (currency?: string) =>
      ruleMatches(
        rule('and', {
          field: 'total_amount',
          operator: 'gte',
          value: 1000,
          ...(currency ? { currency } : {}),
        }),
        facts,
      )
    assert.equal(total(), true)
    assert.equal(total('EUR'), true)
    assert.equal(total('eur'), true)
    assert.equal(total('USD'), false)
  })

  it('matches a customer or a segment by eq or in, in any case', () => {
    const by = (field: 'customer_id' | 'segment_id', operator: 'eq' | 'in', value: string | string[]) =>
      ruleMatches(rule('and', { field, operator, value }), facts)
    assert.equal(by('customer_id', 'eq', 'C1'), true)
    assert.equal(by('customer_id', 'in', ['c2', 'c1']), true)
    assert.equal(by('customer_id', 'in', ['c2']), false)
    assert.equal(by('segment_id', 'eq', 's1'), true)
    const noSegment = quoteFacts({ ...QUOTE, segment_id: null }, [line()])
    assert.equal(
      ruleMatches(rule('and', { field: 'segment_id', operator: 'in', value: ['s1'] }), noSegment),
      false,
    )
  })

  it('never matches a margin condition on a quote without costs', () => {
    const plain = quoteFacts(QUOTE, [line()])
    assert.equal(
      ruleMatches(rule('and', { field: 'margin_percent', operator: 'lt', value: 1000 }), plain),
      false,
    )
  })

  it('combines with and / or; no condition matches every quote', () => {
    const yes: Condition = { field: 'discount_percent', operator: 'gte', value: 20 }
    const no: Condition = { field: 'below_floor', operator: 'eq', value: true }
    assert.equal(ruleMatches(rule('and', yes, no), facts), false)
    assert.equal(ruleMatches(rule('or', yes, no), facts), true)
    assert.equal(ruleMatches(rule('or', no), facts), false)
    assert.equal(ruleMatches(rule('and', yes), facts), true)
    assert.equal(ruleMatches(rule('and'), facts), true)
    assert.equal(ruleMatches(rule('or'), facts), true)
    assert.equal(
      ruleMatches(rule('and', { field: 'below_floor', operator: 'eq', value: false }), facts),
      true,
    )
  })
})

describe('conditionProblems', () => {
  it('accepts every field with each of its operators and values', () => {
    const ok: Condition[] = [
      { field: 'discount_percent', operator: 'gt', value: 15 },
      { field: 'below_floor', operator: 'eq', value: true },
      { field: 'total_amount', operator: 'gte', value: 10000, currency: 'EUR' },
      { field: 'margin_percent', operator: 'lt', value: -5 },
      { field: 'customer_id', operator: 'in', value: ['a', 'b'] },
      { field: 'segment_id', operator: 'eq', value: 's' },
    ]
    assert.deepEqual(conditionProblems(ok), [])
  })

  it('names each condition at fault and what it should be', () => {
    assert.deepEqual(
      conditionProblems([
        { field: 'discount_percent', operator: 'in', value: 15 },
        { field: 'below_floor', operator: 'eq', value: 1 },
        { field: 'customer_id', operator: 'in', value: [] },
        { field: 'margin_percent', operator: 'gt', value: 'ten' },
        { field: 'segment_id', operator: 'eq', value: ['s'] },
        { field: 'discount_percent', operator: 'gt', value: 5, currency: 'EUR' },
      ]),
      [
        "Field 'conditions[0].operator' must be one of gt, gte, lt, lte, eq for field discount_percent (got in)",
        "Field 'conditions[1].value' must be true or false for below_floor eq",
        "Field 'conditions[2].value' must be a customer id (eq) or a list of them (in) (1 to 100 ids) for customer_id in",
        "Field 'conditions[3].value' must be a number of percent for margin_percent gt",
        "Field 'conditions[4].value' must be a segment id (eq) or a list of them (in) for segment_id eq",
        "Field 'conditions[5].currency' is only allowed with field total_amount",
      ],
    )
  })
})

describe('canDecide', () => {
  it('lets managers decide manager steps, and admins every step', () => {
    assert.deepEqual(
      ['admin', 'manager', 'sales_rep', 'viewer'].map((role) => [
        canDecide(role, 'manager'),
        canDecide(role, 'admin'),
      ]),
      [
        [true, true],
        [true, false],
        [false, false],
        [false, false],
      ],
    )
  })
})
