import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  formatNumber,
  NUMBER_RESETS,
  OFFSET_MAX,
  PATTERN_MAX,
  parsePattern,
  patternProblems,
  periodKey,
  resetProblems,
} from './quote-numbers.ts'

const fuzz = {
  seed: Number(process.env.FUZZ_SEED ?? 20260315),
  numRuns: Number(process.env.FUZZ_RUNS ?? 300),
}

const MARCH_15 = new Date('2026-03-15T10:30:00Z')

/** Valid patterns: static text without spaces or braces, date variables, and one counter somewhere. */
const patterns = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom('{YYYY}', '{YY}', '{MM}', '{DD}'),
        fc.stringMatching(/^[A-Za-z0-9_./#-]{1,5}$/),
        fc.constantFrom('É', '№', '-', '/'),
      ),
      { maxLength: 5 },
    ),
    fc.integer({ min: 1, max: 8 }),
    fc.option(fc.integer({ min: 0, max: 100_000 })),
    fc.nat(),
  )
  .map(([pieces, zeros, offset, at]) => {
    const counter = `{${'0'.repeat(zeros)}${offset === null ? '' : `+${offset}`}}`
    const i = at % (pieces.length + 1)
    return [...pieces.slice(0, i), counter, ...pieces.slice(i)].join('')
  })
  .filter((p) => p.length <= PATTERN_MAX)

const dates = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T23:59:59Z'),
  noInvalidDate: true,
})

describe('formatNumber', () => {
  it("gives Qwoty's documented examples exactly", () => {
    assert.equal(formatNumber('QUO-{YYYY}-{0000}', 1, MARCH_15), 'QUO-2026-0001')
    assert.equal(formatNumber('Q{YY}{MM}-{000+30}', 1, MARCH_15), 'Q2603-031')
    assert.equal(formatNumber('Q{YY}{MM}-{000}', 1, MARCH_15), 'Q2603-001')
    assert.equal(formatNumber('{YYYY}{MM}{DD}-{00000}', 1, MARCH_15), '20260315-00001')
    assert.equal(formatNumber('{0000+30}', 2, MARCH_15), '0032')
    assert.equal(formatNumber('{0000+1000}', 1, MARCH_15), '1001')
  })

  it('lets a counter wider than its padding grow, and pads the date parts', () => {
    assert.equal(formatNumber('Q-{00}', 12345, MARCH_15), 'Q-12345')
    assert.equal(formatNumber('{0}', 7, MARCH_15), '7')
    assert.equal(formatNumber('{YY}{MM}{DD}-{0}', 1, new Date('2005-01-02T00:00:00Z')), '050102-1')
  })

  it('reads the date in UTC', () => {
    // 23:30 on March 31st in UTC is April 1st in Paris: UTC decides.
    assert.equal(formatNumber('{YYYY}{MM}{DD}-{0}', 1, new Date('2026-03-31T23:30:00Z')), '20260331-1')
    assert.equal(formatNumber('{YYYY}{MM}{DD}-{0}', 1, new Date('2026-04-01T00:30:00+02:00')), '20260331-1')
  })

  it('never gives two counters of one period the same number', () => {
    fc.assert(
      fc.property(
        patterns,
        dates,
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 2 }),
        (p, d, counters) => {
          const numbers = counters.map((c) => formatNumber(p, c, d))
          assert.equal(new Set(numbers).size, counters.length, `${p}: ${numbers.join(' ')}`)
        },
      ),
      fuzz,
    )
  })

  it('shows the counter plus the offset, at least as wide as the padding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: OFFSET_MAX }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (zeros, offset, counter) => {
          const got = formatNumber(`N{${'0'.repeat(zeros)}+${offset}}`, counter, MARCH_15)
          assert.match(got, /^N\d+$/)
          assert.equal(Number(got.slice(1)), counter + offset)
          assert.ok(got.length - 1 >= zeros)
        },
      ),
      fuzz,
    )
  })

  it('refuses to format a pattern that is not valid', () => {
    assert.throws(() => formatNumber('Q {0000}', 1, MARCH_15), /spaces/)
  })
})

describe('patternProblems', () => {
  it('takes every pattern made of text, date variables and one counter', () => {
    fc.assert(
      fc.property(patterns, (p) => assert.deepEqual(patternProblems('quote_number_pattern', p), [], p)),
      fuzz,
    )
  })

  it('refuses spaces and other whitespace, naming the field', () => {
    for (const p of ['Q {0000}', 'Q\t{0000}', 'Q{0000}\n', 'Q\u00a0{0000}', 'Q{00 00}']) {
      assert.deepEqual(patternProblems('quote_number_pattern', p), [
        "Field 'quote_number_pattern' must not contain spaces",
      ])
    }
    assert.deepEqual(patternProblems('p', 'Q\u200b{0000}'), [
      "Field 'p' must not contain control or invisible characters",
    ])
  })

  it('needs exactly one counter', () => {
    assert.match(
      patternProblems('order_number_pattern', 'ORD-{YYYY}')[0]!,
      /^Field 'order_number_pattern' needs a counter such as \{0000\}/,
    )
    assert.deepEqual(patternProblems('p', '{000}-{0000}'), ["Field 'p' must have exactly one counter, not 2"])
  })

  it('refuses unknown variables and unbalanced braces, saying which', () => {
    assert.match(patternProblems('p', 'Q-{YYY}-{0000}')[0]!, /^Field 'p' has an unknown variable \{YYY\}/)
    assert.match(patternProblems('p', 'Q-{yyyy}-{0000}')[0]!, /unknown variable \{yyyy\}/)
    assert.match(patternProblems('p', '{}{0000}')[0]!, /unknown variable \{\}/)
    assert.match(patternProblems('p', '{0000-3}')[0]!, /unknown variable \{0000-3\}/)
    assert.match(patternProblems('p', '{+3}')[0]!, /unknown variable \{\+3\}/)
    assert.deepEqual(patternProblems('p', 'Q-{0000'), [
      "Field 'p' has a '{' at position 3 that no '}' closes",
    ])
    assert.deepEqual(patternProblems('p', 'Q}-{0000}'), [
      "Field 'p' has a '}' at position 2 that no '{' opens",
    ])
    assert.deepEqual(patternProblems('p', '{YY{0000}'), [
      "Field 'p' has a '{' at position 1 that no '}' closes",
    ])
    assert.match(patternProblems('p', `{0+${OFFSET_MAX + 1}}`)[0]!, /offset .* above 999999999/)
  })

  it('refuses an empty pattern and one longer than the cap', () => {
    assert.deepEqual(patternProblems('p', ''), ["Field 'p' must not be empty"])
    assert.deepEqual(patternProblems('p', `${'Q'.repeat(PATTERN_MAX - 6)}{0000}`), [])
    assert.deepEqual(patternProblems('p', `${'Q'.repeat(PATTERN_MAX - 5)}{0000}`), [
      `Field 'p' must be at most ${PATTERN_MAX} characters`,
    ])
  })

  it('parses into text, date and counter parts', () => {
    assert.deepEqual(parsePattern('p', 'Q{YY}-{000+30}x').parts, [
      { kind: 'text', text: 'Q' },
      { kind: 'date', variable: 'YY' },
      { kind: 'text', text: '-' },
      { kind: 'counter', width: 3, offset: 30 },
      { kind: 'text', text: 'x' },
    ])
  })
})

describe('resetProblems', () => {
  it('asks a resetting pattern to show its period', () => {
    assert.deepEqual(resetProblems('r', 'never', 'p', 'Q-{0000}'), [])
    assert.deepEqual(resetProblems('r', 'year', 'p', 'Q-{YY}-{0000}'), [])
    assert.deepEqual(resetProblems('r', 'month', 'p', 'Q-{YYYY}{MM}-{0000}'), [])
    assert.deepEqual(resetProblems('r', 'day', 'p', '{YYYY}{MM}{DD}-{00000}'), [])
    assert.deepEqual(resetProblems('r', 'year', 'p', 'Q-{0000}'), [
      "Field 'r' is year, so 'p' must show the year with {YYYY} or {YY}: numbers restart each year and would repeat those of another",
    ])
    assert.match(resetProblems('r', 'month', 'p', 'Q-{YYYY}-{0000}')[0]!, /must show the month with \{MM\}:/)
    assert.match(resetProblems('r', 'day', 'p', 'Q-{MM}-{0000}')[0]!, /with \{YYYY\} or \{YY\} and \{DD\}:/)
  })

  it('makes the numbers of distinct periods distinct when it finds nothing wrong', () => {
    fc.assert(
      fc.property(
        patterns,
        fc.constantFrom(...NUMBER_RESETS),
        dates,
        dates,
        fc.integer({ min: 1, max: 50 }),
        (p, reset, a, b, n) => {
          fc.pre(resetProblems('r', reset, 'p', p).length === 0)
          fc.pre(periodKey(reset, a) !== periodKey(reset, b))
          assert.notEqual(formatNumber(p, n, a), formatNumber(p, n, b))
        },
      ),
      fuzz,
    )
  })
})

describe('periodKey', () => {
  it('names the period a counter counts in, in UTC', () => {
    assert.equal(periodKey('never', MARCH_15), '')
    assert.equal(periodKey('year', MARCH_15), '2026')
    assert.equal(periodKey('month', MARCH_15), '2026-03')
    assert.equal(periodKey('day', MARCH_15), '2026-03-15')
    assert.equal(periodKey('day', new Date('2026-04-01T00:30:00+02:00')), '2026-03-31')
  })
})
