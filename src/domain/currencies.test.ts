import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { currencyInfo, minorUnitsOf } from './currencies.ts'

describe('currencyInfo', () => {
  it('knows the minor units of ISO 4217 from the list, not from a table of ours', () => {
    assert.deepEqual(currencyInfo('EUR'), { code: 'EUR', name: 'Euro', minorUnits: 2 })
    assert.equal(minorUnitsOf('JPY'), 0)
    assert.equal(minorUnitsOf('TND'), 3)
    assert.equal(minorUnitsOf('USD'), 2)
  })

  it('refuses unknown codes, lower case and codes that are not money', () => {
    assert.equal(currencyInfo('ZZZ'), undefined)
    assert.equal(currencyInfo('eur'), undefined)
    assert.equal(currencyInfo('XXX'), undefined)
    assert.equal(currencyInfo('XTS'), undefined)
  })
})
