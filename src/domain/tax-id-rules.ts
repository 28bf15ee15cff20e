// The tax-identifier rules, on stdnum. Loading stdnum and indexing its validators costs more than the rest
// of a command-line start, so only tax-ids.ts imports this module, and only when a tax id is checked.
import { entityValidators, stdnum, type Validator } from 'stdnum'
import { cleanTaxValue, normalizeTaxValue, type TaxIdInput, type TaxIdProblem } from './tax-ids.ts'

type FrenchKind = 'SIREN' | 'SIRET' | 'VAT'

interface FrenchSiren {
  kind: FrenchKind
  siren: string
}

/** A rule the value breaks, or, for a valid French identifier, the SIREN it carries. */
interface Verdict {
  rule?: string
  french?: FrenchSiren
}

interface Scheme {
  /** Two labels naming the same scheme share an id, so that `SIREN` and `FR SIREN` count as duplicates. */
  id: string
  check(value: string): Verdict
}

const FR = stdnum.FR!

/** Some stdnum validators throw on degenerate input (NL btw on ''), so a throw counts as a bad format. */
function validate(validator: Validator, value: string): { compact?: string; error?: string } {
  try {
    const result = validator.validate(value)
    return result.isValid ? { compact: result.compact } : { error: result.error?.name ?? 'ValidationError' }
  } catch {
    return { error: 'InvalidFormat' }
  }
}

function genericRule(validator: Validator, error: string): string {
  const name = validator.name
  switch (error) {
    case 'InvalidLength':
      return `has an invalid length for the ${name}`
    case 'InvalidFormat':
      return `has an invalid format for the ${name}`
    case 'InvalidChecksum':
      return `fails the checksum of the ${name}`
    case 'InvalidComponent':
      return `contains a part the ${name} does not allow (such as an unassigned prefix or an impossible date)`
    default:
      return `is not a valid ${name}`
  }
}

function genericScheme(id: string, validator: Validator): Scheme {
  return {
    id,
    check(value) {
      const { error } = validate(validator, value)
      return error ? { rule: genericRule(validator, error) } : {}
    },
  }
}

function checkSiren(value: string): Verdict {
  const { compact, error } = validate(FR.siren!, value)
  if (compact) return { french: { kind: 'SIREN', siren: compact } }
  if (error === 'InvalidLength') return { rule: 'must have 9 digits' }
  if (error === 'InvalidChecksum') return { rule: 'fails the Luhn check digit' }
  return { rule: 'must contain only digits' }
}

/** La Poste ran out of Luhn-valid NICs, so its SIRETs follow a digit-sum rule that stdnum implements. */
const LA_POSTE = '356000000'

function checkSiret(value: string): Verdict {
  const { compact, error } = validate(FR.siret!, value)
  if (error === 'InvalidLength') return { rule: 'must have 14 digits' }
  if (error === 'InvalidChecksum') {
    return FR.siret!.compact(value).startsWith(LA_POSTE)
      ? { rule: 'fails the La Poste check (under SIREN 356000000 the digits must add up to a multiple of 5)' }
      : { rule: 'fails the Luhn check digit' }
  }
  if (!compact) return { rule: 'must contain only digits' }
  // stdnum checks the 14-digit key only; 11122233344455 passes it with an invalid SIREN.
  const siren = compact.slice(0, 9)
  if (validate(FR.siren!, siren).error) return { rule: `its SIREN ${siren} fails the Luhn check digit` }
  return { french: { kind: 'SIRET', siren } }
}

/** stdnum only reports a wrong key, so ask it which numeric key it accepts rather than re-deriving the formula. */
function expectedFrenchKey(number: string): string | undefined {
  for (let key = 0; key < 97; key++) {
    const candidate = String(key).padStart(2, '0')
    if (!validate(FR.tva!, candidate + number).error) return candidate
  }
  return undefined
}

function checkFrenchVat(value: string): Verdict {
  const { compact, error } = validate(FR.tva!, value)
  if (compact) {
    const number = compact.slice(2)
    // Monaco numbers use FR with a 000 "SIREN" that is no SIREN at all.
    return number.startsWith('000') ? {} : { french: { kind: 'VAT', siren: number } }
  }
  if (error === 'InvalidLength') {
    return { rule: 'must be FR followed by a 2-character key and a 9-digit SIREN' }
  }
  if (error !== 'InvalidChecksum') {
    return { rule: 'the key must be 2 digits or letters other than I and O, followed by a 9-digit SIREN' }
  }
  const cleaned = FR.tva!.compact(value)
  const key = cleaned.slice(0, 2)
  const number = cleaned.slice(2)
  const monaco = number.startsWith('000')
  if (!monaco && validate(FR.siren!, number).error) {
    return { rule: `its SIREN ${number} fails the Luhn check digit` }
  }
  const expected = expectedFrenchKey(number)
  const what = monaco ? `its Monaco number ${number}` : `its SIREN ${number}`
  if (!expected) return { rule: `the key ${key} does not match ${what}` }
  const hint = /^\d\d$/.test(key) ? `expected ${expected}` : `the numeric key would be ${expected}`
  return { rule: `the key ${key} does not match ${what} (${hint})` }
}

/** VAT prefixes: the EU member states, with EL for Greece, and XI for Northern Ireland (UK numbers in VIES). */
const EU_VAT: Readonly<Record<string, Validator>> = {
  AT: stdnum.AT!.uid!,
  BE: stdnum.BE!.vat!,
  BG: stdnum.BG!.vat!,
  CY: stdnum.CY!.vat!,
  CZ: stdnum.CZ!.dic!,
  DE: stdnum.DE!.vat!,
  DK: stdnum.DK!.cvr!,
  EE: stdnum.EE!.kmkr!,
  EL: stdnum.GR!.vat!,
  ES: stdnum.ES!.nif!,
  FI: stdnum.FI!.alv!,
  FR: FR.tva!,
  HR: stdnum.HR!.oib!,
  HU: stdnum.HU!.anum!,
  IE: stdnum.IE!.vat!,
  IT: stdnum.IT!.iva!,
  LT: stdnum.LT!.pvm!,
  LU: stdnum.LU!.tva!,
  LV: stdnum.LV!.pvn!,
  MT: stdnum.MT!.vat!,
  NL: stdnum.NL!.btw!,
  PL: stdnum.PL!.nip!,
  PT: stdnum.PT!.nif!,
  RO: stdnum.RO!.cif!,
  SE: stdnum.SE!.vat!,
  SI: stdnum.SI!.ddv!,
  SK: stdnum.SK!.dph!,
  XI: stdnum.GB!.vat!,
}

function checkVatBody(prefix: string, body: string): Verdict {
  if (!normalizeTaxValue(body)) return { rule: `has no number after the prefix ${prefix}` }
  if (prefix === 'FR') return checkFrenchVat(body)
  const validator = EU_VAT[prefix]!
  const { error } = validate(validator, body)
  return error ? { rule: genericRule(validator, error) } : {}
}

const VAT_PREFIXES = 'an EU member state, EL for Greece or XI for Northern Ireland'

/** A VAT number whose 2-letter prefix picks the country. */
function checkVat(value: string): Verdict {
  const match = /^([A-Za-z]{2})(.*)$/s.exec(value)
  if (!match) return { rule: `must start with a 2-letter country prefix (${VAT_PREFIXES})` }
  const prefix = match[1]!.toUpperCase()
  if (EU_VAT[prefix]) return checkVatBody(prefix, match[2]!)
  if (prefix === 'GR') return { rule: 'GR is not a VAT prefix: Greece uses EL' }
  const other = resolveScheme(`${prefix} VAT`)
  return {
    rule: other
      ? `${prefix} is not an EU VAT prefix (${VAT_PREFIXES}); label it "${prefix} VAT" to check it as a ${prefix} number`
      : `${prefix} is not an EU VAT prefix (${VAT_PREFIXES})`,
  }
}

/** `<CC> VAT` for a VAT prefix: the prefix is optional in the value. */
function countryVatScheme(prefix: string): Scheme {
  return {
    id: `${prefix} VAT`,
    check(value) {
      const match = /^([A-Za-z]{2})(.*)$/s.exec(value)
      return checkVatBody(prefix, match?.[1]?.toUpperCase() === prefix ? match[2]! : value)
    },
  }
}

const VAT_SCHEME: Scheme = { id: 'VAT', check: checkVat }
const SIREN_SCHEME: Scheme = { id: 'FR SIREN', check: checkSiren }
const SIRET_SCHEME: Scheme = { id: 'FR SIRET', check: checkSiret }
const FR_VAT_SCHEME: Scheme = { id: 'FR VAT', check: checkFrenchVat }

const SPECIAL: Readonly<Record<string, Scheme>> = {
  SIREN: SIREN_SCHEME,
  SIRET: SIRET_SCHEME,
  VAT: VAT_SCHEME,
  // The French name: "numéro de TVA intracommunautaire"; Belgium and Luxembourg use it too.
  TVA: VAT_SCHEME,
}

/** Upper case, accents dropped, only letters and digits: "USt-IdNr" and "USt ID Nr." both give USTIDNR. */
function abbreviationKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
}

/** The names a validator answers to: its stdnum key (`ein`) and each part of its abbreviation ("BTW, NWSt"). */
function namesOf(key: string, validator: Validator): string[] {
  const parts = (validator.abbreviation ?? '').replace(/^\s*n°/i, '').split(/[,/()]/)
  return [...new Set([key, ...parts].map(abbreviationKey).filter(Boolean))]
}

function schemeFor(country: string, key: string, validator: Validator): Scheme {
  if (validator === FR.siren) return SIREN_SCHEME
  if (validator === FR.siret) return SIRET_SCHEME
  if (validator === FR.tva) return FR_VAT_SCHEME
  return genericScheme(`${country} ${key.toUpperCase()}`, validator)
}

function findInCountry(country: string, abbreviation: string): Scheme | undefined {
  const validators = stdnum[country]
  if (!validators) return undefined
  const entries = Object.entries(validators)
  const byKey = entries.find(([key]) => abbreviationKey(key) === abbreviation)
  if (byKey) return schemeFor(country, ...byKey)
  const byName = entries.filter(([key, v]) => namesOf(key, v).includes(abbreviation))
  if (byName.length === 1) return schemeFor(country, ...byName[0]!)
  if (abbreviation !== 'VAT') return undefined
  // Countries without a `vat` validator still have one stdnum calls "… VAT Number" (NO mva, AR cuit).
  const byVatName = entries.filter(([, v]) => /\bVAT\b/.test(v.name))
  return byVatName.length === 1 ? schemeFor(country, ...byVatName[0]!) : undefined
}

// Bare labels are matched against stdnum's entity (business and tax) validators only, so that "Bank" or
// "Passport" stay free text. Two-letter abbreviations are skipped: they read as country codes (CN, CR).
// The excluded ones name one validator in stdnum but numbers of several countries: GST, BRN and NRIC are
// used in Asia and Oceania too, MWST and DPH are the German and Czech/Slovak words for VAT, and a label with
// VAT in it (stdnum's "VAT Reg No" for GB, "Vat No." for MT) is generic.
const BARE_MIN_LENGTH = 3
const BARE_EXCLUDED = new Set(['GST', 'BRN', 'NRIC', 'MWST', 'DPH'])

/** Bare abbreviation → the only validator across all countries that answers to it. */
const BARE: ReadonlyMap<string, { country: string; key: string }> = (() => {
  const entities = new Set(Object.values(entityValidators).flat())
  const found = new Map<string, { country: string; key: string; validator: Validator }[]>()
  for (const [country, validators] of Object.entries(stdnum)) {
    for (const [key, validator] of Object.entries(validators)) {
      for (const name of namesOf(key, validator)) {
        const list = found.get(name) ?? []
        if (!list.some((e) => e.validator === validator)) list.push({ country, key, validator })
        found.set(name, list)
      }
    }
  }
  const unique = new Map<string, { country: string; key: string }>()
  for (const [name, [only, ...others]] of found) {
    if (!only || others.length || !entities.has(only.validator) || SPECIAL[name]) continue
    if (name.length < BARE_MIN_LENGTH || BARE_EXCLUDED.has(name) || name.includes('VAT')) continue
    unique.set(name, { country: only.country, key: only.key })
  }
  return unique
})()

/**
 * A label, trimmed and case-insensitive, names a scheme as:
 * - `SIREN`, `SIRET`, `VAT` (EU prefix in the value, EL for Greece, XI for Northern Ireland), `TVA` = `VAT`;
 * - `<CC> <ABBR>` or `<CC>:<ABBR>`: the stdnum validator of country CC (EL = GR) whose key or abbreviation
 *   is ABBR, ignoring case, accents and punctuation (`DE USt-IdNr`, `US EIN`); `<CC> VAT` is the VAT check
 *   with that prefix (optional in the value) for EU prefixes and XI, else the one validator stdnum calls a
 *   VAT number in that country;
 * - a bare abbreviation of 3 characters or more that exactly one stdnum validator answers to, when stdnum
 *   lists that validator as an entity (business or tax) number (`EIN`, `ABN`, `USt-IdNr`).
 * Anything else is free text.
 */
function resolveScheme(label: string): Scheme | undefined {
  const upper = label.trim().toUpperCase()
  const special = SPECIAL[upper]
  if (special) return special
  const match = /^([A-Z]{2})(?:\s*:\s*|\s+)(\S.*)$/s.exec(upper)
  if (match) {
    const country = match[1]!
    const abbreviation = abbreviationKey(match[2]!)
    if (abbreviation === 'VAT' && EU_VAT[country]) return countryVatScheme(country)
    return findInCountry(country === 'EL' ? 'GR' : country, abbreviation)
  }
  const bare = BARE.get(abbreviationKey(upper))
  return bare && schemeFor(bare.country, bare.key, stdnum[bare.country]![bare.key]!)
}

/** The schemes recognised, for documentation: label → description. */
export const TAX_ID_SCHEMES: Readonly<Record<string, string>> = (() => {
  const schemes: Record<string, string> = {
    SIREN: 'French company number: 9 digits, Luhn check digit',
    SIRET:
      'French establishment number: 14 digits, Luhn check digit (La Poste, SIREN 356000000: digit sum a multiple of 5), starting with a valid SIREN',
    VAT: `VAT number with its country prefix: ${VAT_PREFIXES}`,
    TVA: 'Same as VAT (the French name)',
  }
  for (const [prefix, validator] of Object.entries(EU_VAT)) {
    schemes[`${prefix} VAT`] = `${validator.name}, with or without the ${prefix} prefix`
  }
  for (const [country, validators] of Object.entries(stdnum)) {
    for (const [key, validator] of Object.entries(validators)) {
      schemes[`${country} ${key.toUpperCase()}`] ??= `${validator.name} (${validator.localName})`
    }
    const vat = findInCountry(country, 'VAT')
    if (vat) schemes[`${country} VAT`] ??= `Same as ${vat.id}`
  }
  for (const [name, { country, key }] of [...BARE].sort(([a], [b]) => a.localeCompare(b))) {
    schemes[name] ??= `Same as ${country} ${key.toUpperCase()}`
  }
  return schemes
})()

interface Checked {
  index: number
  display: string
  french: FrenchSiren
}

function frenchConflict(later: Checked, earlier: Checked): string {
  const source =
    earlier.french.kind === 'SIREN'
      ? `given in tax_ids[${earlier.index}]`
      : `of ${earlier.display} in tax_ids[${earlier.index}]`
  const siren = earlier.french.siren
  if (later.french.kind === 'SIRET') return `does not belong to SIREN ${siren} ${source}`
  if (later.french.kind === 'SIREN') return `does not match SIREN ${siren} ${source}`
  return `its SIREN ${later.french.siren} does not match SIREN ${siren} ${source}`
}

/** Every problem in the list: each identifier whose label names a known scheme is checked against it, and the French identifiers are checked against each other. Unknown labels are free text and never fail. */
export function checkTaxIds(taxIds: readonly TaxIdInput[]): TaxIdProblem[] {
  const problems: TaxIdProblem[] = []
  const seen = new Map<string, number>()
  const french: Checked[] = []
  for (const [index, taxId] of taxIds.entries()) {
    const label = taxId.tax.trim()
    const value = cleanTaxValue(taxId.tax_value)
    if (!label) problems.push({ index, message: `tax_ids[${index}]: tax must not be empty` })
    if (!value) problems.push({ index, message: `tax_ids[${index}]: tax_value must not be empty` })
    if (!label || !value) continue

    const display = `${label} ${value}`
    const fail = (rule: string) =>
      problems.push({ index, message: `tax_ids[${index}] (${display}): ${rule}` })
    const scheme = resolveScheme(label)
    const identity = `${scheme?.id ?? label.toUpperCase().replace(/\s+/g, ' ')}\u0000${normalizeTaxValue(value)}`
    const first = seen.get(identity)
    if (first !== undefined) {
      fail(`duplicates tax_ids[${first}]`)
      continue
    }
    seen.set(identity, index)

    const verdict = scheme?.check(value)
    if (verdict?.rule) {
      fail(verdict.rule)
      continue
    }
    if (!verdict?.french) continue
    const checked: Checked = { index, display, french: verdict.french }
    const conflicts = french.filter((e) => e.french.siren !== checked.french.siren)
    // An explicit SIREN entry is the customer's own statement, so it is the reference when there is one.
    const reference = conflicts.find((e) => e.french.kind === 'SIREN') ?? conflicts[0]
    if (reference) fail(frenchConflict(checked, reference))
    french.push(checked)
  }
  return problems
}
