import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { firstFree, isApiName, slugify } from './api-names.ts'

describe('api names', () => {
  it('slugs a name as Qwoty does', () => {
    assert.equal(slugify('Premium Widgets'), 'premium_widgets')
    assert.equal(slugify('Net 30 Days'), 'net_30_days')
    assert.equal(slugify('  Café — Crème brûlée!  '), 'cafe_creme_brulee')
    assert.equal(slugify('Straße'), 'strasse')
    assert.equal(slugify('—'), 'item')
    assert.equal(slugify('—', 'catalog'), 'catalog')
  })
  it('keeps every slug a valid api_name', () => {
    for (const name of ['A', 'a_b', 'x'.repeat(500), '__x__', 'Ünïcödé 123', '1 2 3']) {
      assert.ok(isApiName(slugify(name)), `${name} → ${slugify(name)}`)
    }
  })
  it('refuses what is not snake_case', () => {
    for (const bad of ['', 'Net30', 'net-30', 'net__30', '_net', 'net_', 'net 30', 'é']) {
      assert.equal(isApiName(bad), false, bad)
    }
  })
  it('numbers a taken slug from 2', () => {
    assert.equal(firstFree('premium', new Set()), 'premium')
    assert.equal(firstFree('premium', new Set(['premium'])), 'premium_2')
    assert.equal(firstFree('premium', new Set(['premium', 'premium_2', 'premium_3'])), 'premium_4')
  })
})
