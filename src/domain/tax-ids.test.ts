import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { checkTaxIds, TAX_ID_SCHEMES } from './tax-id-rules.ts'
import { checkTaxIds as checkLazily, cleanTaxValue, normalizeTaxValue, type TaxIdInput } from './tax-ids.ts'

const fuzz = {
  seed: Number(process.env.FUZZ_SEED ?? 20261128),
  numRuns: Number(process.env.FUZZ_RUNS ?? 200),
}

function messages(...taxIds: [string, string][]): string[] {
  return checkTaxIds(taxIds.map(([tax, tax_value]) => ({ tax, tax_value }))).map((p) => p.message)
}

function problemsFor(tax: string, tax_value: string): string[] {
  return messages([tax, tax_value])
}

/** The Luhn digit that completes `payload`, computed here so that the tests do not trust stdnum for it. */
function luhnDigit(payload: string): string {
  let sum = 0
  for (const [i, c] of [...payload].reverse().entries()) {
    const d = Number(c) * (i % 2 === 0 ? 2 : 1)
    sum += d > 9 ? d - 9 : d
  }
  return String((10 - (sum % 10)) % 10)
}

/** The numeric key of a French VAT number, (12 + 3 × (SIREN mod 97)) mod 97, computed independently. */
function frenchVat(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97
  return `FR${String(key).padStart(2, '0')}${siren}`
}

const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n })
const sirenArb = digits(8).map((d) => d + luhnDigit(d))
const siretArb = fc
  .tuple(
    sirenArb.filter((s) => s !== '356000000'),
    digits(4),
  )
  .map(([siren, nic]) => siren + nic + luhnDigit(siren + nic))
const laPosteArb = digits(4).map((nic) => {
  const sum = [...`356000000${nic}`].reduce((a, c) => a + Number(c), 0)
  return `356000000${nic}${(5 - (sum % 5)) % 5}`
})

/** `value` with the digit at one of the positions in `positions` replaced by a different digit. */
function mutatedDigit(value: string, positions: number[]) {
  return fc
    .tuple(fc.constantFrom(...positions), fc.integer({ min: 1, max: 9 }))
    .map(([at, delta]) => value.slice(0, at) + ((Number(value[at]) + delta) % 10) + value.slice(at + 1))
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

describe('checkTaxIds', () => {
  it('accepts the known valid SIRENs, with or without spaces and dots', () => {
    for (const siren of ['404833048', '732829320', '552100554', '542065479', '443061841', '356000000']) {
      assert.deepEqual(problemsFor('SIREN', siren), [], siren)
    }
    assert.deepEqual(problemsFor('SIREN', '404 833 048'), [])
    assert.deepEqual(problemsFor('SIREN', '404.833.048'), [])
    assert.deepEqual(problemsFor('siren', ' 404833048 '), [])
  })

  it('rejects a SIREN that fails its Luhn digit, has the wrong length or holds letters', () => {
    const table: [string, RegExp][] = [
      ['123456789', /^tax_ids\[0\] \(SIREN 123456789\): fails the Luhn check digit$/],
      ['111222333', /\(SIREN 111222333\): fails the Luhn check digit/],
      ['345678901', /fails the Luhn check digit/],
      ['40483304', /must have 9 digits/],
      ['4048330480', /must have 9 digits/],
      ['40483304A', /must contain only digits/],
    ]
    for (const [siren, message] of table) {
      const found = problemsFor('SIREN', siren)
      assert.equal(found.length, 1, siren)
      assert.match(found[0]!, message)
    }
  })

  it('accepts the known valid SIRETs, including La Poste and its head office', () => {
    for (const siret of ['73282932000074', '35600000009075', '35600000000048', '356 000 000 09075']) {
      assert.deepEqual(problemsFor('SIRET', siret), [], siret)
    }
  })

  it('rejects a SIRET whose 14 digits pass Luhn but whose SIREN does not', () => {
    assert.deepEqual(problemsFor('SIRET', '11122233344455'), [
      'tax_ids[0] (SIRET 11122233344455): its SIREN 111222333 fails the Luhn check digit',
    ])
  })

  it('rejects a SIRET that fails Luhn, or the La Poste digit sum under SIREN 356000000', () => {
    assert.match(
      problemsFor('SIRET', '73282932000075')[0]!,
      /\(SIRET 73282932000075\): fails the Luhn check digit/,
    )
    assert.match(problemsFor('SIRET', '35600000009076')[0]!, /fails the La Poste check .*multiple of 5/)
    assert.match(problemsFor('SIRET', '7328293200007')[0]!, /must have 14 digits/)
    assert.match(problemsFor('SIRET', '7328293200007A')[0]!, /must contain only digits/)
  })

  it('accepts French VAT numbers with numeric keys, letter keys and Monaco numbers', () => {
    for (const vat of [
      'FR83404833048',
      'FR 83 404 833 048',
      'fr83404833048',
      'FR40303265045',
      'FR53000004605',
    ]) {
      assert.deepEqual(problemsFor('VAT', vat), [], vat)
    }
    // Letter keys, from python-stdnum's documentation.
    assert.deepEqual(problemsFor('VAT', 'FRK7399859412'), [])
    assert.deepEqual(problemsFor('VAT', 'FR4Z123456782'), [])
  })

  it('says whether a French VAT number has a bad SIREN or a bad key, and which key was expected', () => {
    assert.deepEqual(problemsFor('VAT', 'FR84404833048'), [
      'tax_ids[0] (VAT FR84404833048): the key 84 does not match its SIREN 404833048 (expected 83)',
    ])
    assert.match(problemsFor('VAT', 'FR12345678901')[0]!, /its SIREN 345678901 fails the Luhn check digit/)
    assert.match(
      problemsFor('VAT', 'FR54000004605')[0]!,
      /the key 54 does not match its Monaco number 000004605 \(expected 53\)/,
    )
    assert.match(
      problemsFor('VAT', 'FRK8399859412')[0]!,
      /the key K8 does not match its SIREN 399859412 \(the numeric key would be \d\d\)/,
    )
    assert.match(
      problemsFor('VAT', 'FR8340483304')[0]!,
      /must be FR followed by a 2-character key and a 9-digit SIREN/,
    )
    assert.match(problemsFor('VAT', 'FRIO404833048')[0]!, /letters other than I and O/)
  })

  it('reports both seed identifiers, which fail their checksums', () => {
    const problems = checkTaxIds([
      { tax: 'VAT', tax_value: 'FR12345678901' },
      { tax: 'SIREN', tax_value: '123456789' },
    ])
    assert.deepEqual(
      problems.map((p) => p.index),
      [0, 1],
    )
    assert.match(
      problems[0]!.message,
      /^tax_ids\[0\] \(VAT FR12345678901\): its SIREN 345678901 fails the Luhn/,
    )
    assert.match(problems[1]!.message, /^tax_ids\[1\] \(SIREN 123456789\): fails the Luhn check digit$/)
  })

  it('accepts VAT numbers of other EU states, EL for Greece and XI for Northern Ireland', () => {
    const valid = [
      'DE136695976',
      'BE0403170701',
      'BE 0417497106',
      'BE1001734143', // a constructed number with the new leading 1
      'NL004495445B01',
      'EL094259216',
      'XI980780684',
      'IT00743110157',
      'ATU13585627',
      'ESB58378431',
      'PL8567346215',
      'SE556188840401',
      'IE6433435F',
      'HR33392005961',
    ]
    for (const vat of valid) assert.deepEqual(problemsFor('VAT', vat), [], vat)
    assert.deepEqual(problemsFor('TVA', 'BE0403170701'), [])
  })

  it('rejects EU VAT numbers that fail their country rule, naming the country scheme', () => {
    assert.match(
      problemsFor('VAT', 'DE136695978')[0]!,
      /\(VAT DE136695978\): fails the checksum of the German VAT Number/,
    )
    assert.match(problemsFor('VAT', 'IT00743110158')[0]!, /fails the checksum of the Italian VAT Number/)
    assert.match(problemsFor('VAT', 'BE04031707011')[0]!, /invalid length for the Belgian VAT Number/)
    // stdnum reads 9 Belgian digits as the old form with the leading 0 left out.
    assert.deepEqual(problemsFor('VAT', 'BE403170701'), [])
    assert.match(problemsFor('VAT', 'NL')[0]!, /has no number after the prefix NL/)
    assert.equal(problemsFor('VAT', 'NL-').length, 1)
  })

  it('rejects a VAT number without a known EU prefix and explains the prefix rules', () => {
    assert.match(problemsFor('VAT', '136695976')[0]!, /must start with a 2-letter country prefix/)
    assert.match(problemsFor('VAT', 'GR094259216')[0]!, /GR is not a VAT prefix: Greece uses EL/)
    assert.match(
      problemsFor('VAT', 'US123456789')[0]!,
      /US is not an EU VAT prefix \(.*XI for Northern Ireland\)$/,
    )
    assert.match(problemsFor('VAT', 'GB980780684')[0]!, /GB is not an EU VAT prefix .*label it "GB VAT"/)
  })

  it('checks <CC> <ABBR> and <CC>:<ABBR> labels with the stdnum validator of that country', () => {
    const valid: [string, string][] = [
      ['DE VAT', '136695976'],
      ['DE VAT', 'DE136695976'],
      ['de:vat', 'DE 136 695 976'],
      ['DE USt-IdNr', 'DE136695976'],
      ['BE VAT', '0403170701'],
      ['EL VAT', '094259216'],
      ['XI VAT', '980780684'],
      ['GB VAT', 'GB980780684'],
      ['FR VAT', '83404833048'],
      ['FR:SIREN', '404833048'],
      ['ES NIF', 'B58378431'],
      ['US EIN', '04-2103594'],
      ['AU ABN', '83 914 571 673'],
      ['CH UID', 'CHE-100.155.212'],
      ['NO VAT', 'NO 995 525 828 MVA'],
    ]
    for (const [tax, value] of valid) assert.deepEqual(problemsFor(tax, value), [], `${tax} ${value}`)
    assert.match(
      problemsFor('US EIN', '00-3456789')[0]!,
      /^tax_ids\[0\] \(US EIN 00-3456789\): contains a part the U\.S\. Employer Identification Number does not allow/,
    )
    assert.match(
      problemsFor('AU ABN', '99 999 999 999')[0]!,
      /fails the checksum of the Australian Business Number/,
    )
    assert.match(
      problemsFor('CH UID', 'CHE-100.155.211')[0]!,
      /fails the checksum of the Swiss Business Identifier/,
    )
  })

  it('checks a bare abbreviation that names a single stdnum entity validator', () => {
    assert.deepEqual(problemsFor('EIN', '04-2103594'), [])
    assert.deepEqual(problemsFor('ABN', '83 914 571 673'), [])
    assert.deepEqual(problemsFor('USt-IdNr', 'DE136695976'), [])
    assert.match(problemsFor('EIN', '00-3456789')[0]!, /U\.S\. Employer Identification Number/)
    assert.match(problemsFor('ABN', '99 999 999 999')[0]!, /Australian Business Number/)
  })

  it('treats unknown, ambiguous and generic labels as free text that never fails', () => {
    const free = [
      'NAF',
      'EORI',
      'RCS',
      'Stripe',
      'NIF',
      'TIN',
      'GST',
      'CN',
      'Bank',
      'Passport',
      'VAT No',
      'ZZ VAT',
    ]
    for (const tax of free) assert.deepEqual(problemsFor(tax, '!!! not a number'), [], tax)
  })

  it('reports an empty label or value', () => {
    assert.deepEqual(messages(['  ', '404833048'], ['SIREN', ' '], ['', '']), [
      'tax_ids[0]: tax must not be empty',
      'tax_ids[1]: tax_value must not be empty',
      'tax_ids[2]: tax must not be empty',
      'tax_ids[2]: tax_value must not be empty',
    ])
  })

  it('reports an identifier given twice, comparing labels by scheme and values once normalized', () => {
    assert.deepEqual(messages(['SIREN', '404833048'], ['siren', '404 833 048']), [
      'tax_ids[1] (siren 404 833 048): duplicates tax_ids[0]',
    ])
    assert.deepEqual(messages(['SIREN', '404833048'], ['FR SIREN', '404.833.048']), [
      'tax_ids[1] (FR SIREN 404.833.048): duplicates tax_ids[0]',
    ])
    assert.deepEqual(messages(['VAT', 'FR83404833048'], ['TVA', 'fr 83 404 833 048']), [
      'tax_ids[1] (TVA fr 83 404 833 048): duplicates tax_ids[0]',
    ])
    assert.deepEqual(messages(['EORI', 'FR404833048'], ['eori', 'FR-404-833-048']), [
      'tax_ids[1] (eori FR-404-833-048): duplicates tax_ids[0]',
    ])
    assert.deepEqual(messages(['NAF', '6201Z'], ['APE', '6201Z']), [])
  })

  it('accepts French identifiers of one company given together', () => {
    assert.deepEqual(
      messages(
        ['VAT', 'FR83404833048'],
        ['SIREN', '404833048'],
        ['SIRET', '40483304800022'],
        ['SIRET', '404 833 048 00022 '],
      ),
      ['tax_ids[3] (SIRET 404 833 048 00022): duplicates tax_ids[2]'],
    )
    assert.deepEqual(
      messages(['SIRET', '73282932000074'], ['SIREN', '732829320'], ['VAT', frenchVat('732829320')]),
      [],
    )
  })

  it('reports a SIRET, SIREN or VAT number that belongs to another SIREN on the later identifier', () => {
    assert.deepEqual(
      messages(['VAT', 'FR83404833048'], ['SIREN', '404833048'], ['SIRET', '73282932000074']),
      ['tax_ids[2] (SIRET 73282932000074): does not belong to SIREN 404833048 given in tax_ids[1]'],
    )
    assert.deepEqual(messages(['VAT', 'FR83404833048'], ['SIRET', '73282932000074']), [
      'tax_ids[1] (SIRET 73282932000074): does not belong to SIREN 404833048 of VAT FR83404833048 in tax_ids[0]',
    ])
    assert.deepEqual(messages(['SIREN', '404833048'], ['VAT', frenchVat('732829320')]), [
      `tax_ids[1] (VAT ${frenchVat('732829320')}): its SIREN 732829320 does not match SIREN 404833048 given in tax_ids[0]`,
    ])
    assert.deepEqual(messages(['SIRET', '73282932000074'], ['SIREN', '404833048']), [
      'tax_ids[1] (SIREN 404833048): does not match SIREN 732829320 of SIRET 73282932000074 in tax_ids[0]',
    ])
    assert.deepEqual(messages(['SIREN', '404833048'], ['SIREN', '732829320']), [
      'tax_ids[1] (SIREN 732829320): does not match SIREN 404833048 given in tax_ids[0]',
    ])
  })

  it('does not cross-check Monaco VAT numbers, non-French VAT numbers or invalid identifiers', () => {
    assert.deepEqual(messages(['VAT', 'FR53000004605'], ['SIREN', '404833048']), [])
    assert.deepEqual(messages(['VAT', 'DE136695976'], ['SIREN', '404833048']), [])
    assert.deepEqual(messages(['SIREN', '123456789'], ['SIRET', '73282932000074']), [
      'tax_ids[0] (SIREN 123456789): fails the Luhn check digit',
    ])
  })

  it('cross-checks French identifiers whatever label names their scheme', () => {
    assert.deepEqual(messages(['FR TVA', 'FR83404833048'], ['FR:SIRET', '73282932000074']), [
      'tax_ids[1] (FR:SIRET 73282932000074): does not belong to SIREN 404833048 of FR TVA FR83404833048 in tax_ids[0]',
    ])
  })

  it('accepts any valid SIREN, SIRET and French VAT number, alone and together', () => {
    fc.assert(
      fc.property(sirenArb, digits(4), (siren, nic) => {
        const siret = siren === '356000000' ? '35600000000048' : siren + nic + luhnDigit(siren + nic)
        const taxIds: TaxIdInput[] = [
          { tax: 'VAT', tax_value: frenchVat(siren) },
          { tax: 'SIREN', tax_value: siren },
          { tax: 'SIRET', tax_value: siret },
        ]
        assert.deepEqual(checkTaxIds(taxIds), [])
      }),
      fuzz,
    )
  })

  it('accepts any valid SIRET and any La Poste SIRET whose digits add up to a multiple of 5', () => {
    fc.assert(
      fc.property(fc.oneof(siretArb, laPosteArb), (siret) =>
        assert.deepEqual(problemsFor('SIRET', siret), []),
      ),
      fuzz,
    )
  })

  it('rejects a valid SIREN with any one digit changed', () => {
    fc.assert(
      fc.property(
        sirenArb.chain((s) => mutatedDigit(s, range(0, 9))),
        (siren) => assert.equal(problemsFor('SIREN', siren).length, 1),
      ),
      fuzz,
    )
  })

  it('rejects a valid SIRET outside La Poste with any one digit changed', () => {
    fc.assert(
      fc.property(
        siretArb.chain((s) => mutatedDigit(s, range(0, 14))),
        (siret) => assert.equal(problemsFor('SIRET', siret).length, 1),
      ),
      fuzz,
    )
  })

  it('rejects a valid French VAT number with any one digit of its key or SIREN changed', () => {
    fc.assert(
      fc.property(
        sirenArb.chain((s) => mutatedDigit(frenchVat(s), range(2, 13))),
        (vat) => assert.equal(problemsFor('VAT', vat).length, 1),
      ),
      fuzz,
    )
  })

  it('reports a SIRET of another company after a SIREN, whatever the two numbers', () => {
    fc.assert(
      fc.property(sirenArb, siretArb, (siren, siret) => {
        fc.pre(!siret.startsWith(siren))
        const problems = checkTaxIds([
          { tax: 'SIREN', tax_value: siren },
          { tax: 'SIRET', tax_value: siret },
        ])
        assert.deepEqual(problems, [
          {
            index: 1,
            message: `tax_ids[1] (SIRET ${siret}): does not belong to SIREN ${siren} given in tax_ids[0]`,
          },
        ])
      }),
      fuzz,
    )
  })

  it('lets a La Poste SIRET through when a digit moves by 5, as the digit-sum rule allows', () => {
    assert.deepEqual(problemsFor('SIRET', '35600000009075'), [])
    assert.deepEqual(problemsFor('SIRET', '35600000009570'), [])
  })

  it('never throws, whatever the labels and values', () => {
    const labels = fc.constantFrom(...Object.keys(TAX_ID_SCHEMES), 'VAT', 'free text', '')
    fc.assert(
      fc.property(
        fc.array(fc.record({ tax: labels, tax_value: fc.string({ maxLength: 20 }) }), { maxLength: 4 }),
        (ids) => {
          for (const p of checkTaxIds(ids)) assert.match(p.message, /^tax_ids\[\d+\]/)
        },
      ),
      fuzz,
    )
  })
})

describe('cleanTaxValue', () => {
  it('trims the value and keeps its inner spaces', () => {
    assert.equal(cleanTaxValue('  404 833 048 \t\n'), '404 833 048')
    assert.equal(cleanTaxValue('FR83404833048'), 'FR83404833048')
    assert.equal(cleanTaxValue('   '), '')
  })
})

describe('normalizeTaxValue', () => {
  it('upper-cases the value and drops spaces, dots, dashes and slashes', () => {
    assert.equal(normalizeTaxValue(' fr 83.404-833/048 '), 'FR83404833048')
    assert.equal(normalizeTaxValue('CHE-100.155.212 MWST'), 'CHE100155212MWST')
    assert.equal(normalizeTaxValue('nl004495445b01'), 'NL004495445B01')
  })

  it('is idempotent and leaves no separator behind', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const once = normalizeTaxValue(value)
        assert.equal(normalizeTaxValue(once), once)
        assert.doesNotMatch(once, /[\s./-]/)
      }),
      fuzz,
    )
  })
})

describe('checkTaxIds of tax-ids.ts, which loads the rules on its first call', () => {
  it('answers what the rules answer, on valid, invalid and conflicting identifiers alike', async () => {
    const lists: TaxIdInput[][] = [
      [],
      [{ tax: 'SIREN', tax_value: '404833048' }],
      [{ tax: 'SIREN', tax_value: '404833047' }],
      [
        { tax: 'SIREN', tax_value: '404833048' },
        { tax: 'VAT', tax_value: 'FR44732829320' },
        { tax: 'free text', tax_value: 'anything' },
      ],
    ]
    for (const taxIds of lists) assert.deepEqual(await checkLazily(taxIds), checkTaxIds(taxIds))
    assert.equal((await checkLazily(lists[2]!)).length, 1)
    assert.equal((await checkLazily(lists[3]!)).length, 1)
  })
})

describe('TAX_ID_SCHEMES', () => {
  it('documents the French labels, the VAT labels, country labels and unique bare abbreviations', () => {
    for (const label of [
      'SIREN',
      'SIRET',
      'VAT',
      'TVA',
      'FR VAT',
      'EL VAT',
      'XI VAT',
      'DE VAT',
      'US EIN',
      'AU ABN',
      'EIN',
    ]) {
      assert.equal(typeof TAX_ID_SCHEMES[label], 'string', label)
    }
    assert.equal(TAX_ID_SCHEMES.GR, undefined)
    assert.equal(TAX_ID_SCHEMES.NIF, undefined)
  })

  it('lists only labels that are checked', () => {
    for (const label of Object.keys(TAX_ID_SCHEMES)) {
      assert.equal(problemsFor(label, '@').length, 1, label)
    }
  })
})
