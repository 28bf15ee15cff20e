import fc from 'fast-check'
import { codePoints, type Resolve, type Schema, typesOf, withType } from './schema.ts'

/**
 * Valid values of the formats the document uses, including the corners a parser may trip on: a leap
 * second, a space or lower-case separator, year 0000 and 9999 with an offset (all RFC 3339 date-times
 * that ajv-formats accepts), internationalised URLs, spaced phone numbers, lower-case countries.
 */
const FORMAT_EXAMPLES: Record<string, string[]> = {
  email: [
    'ada@example.com',
    'marie.dupont@acme.fr',
    "o'brien+tag@sub.example.co.uk",
    'UPPER@EXAMPLE.COM',
    'x@y.io',
  ],
  'date-time': [
    '2026-01-15T10:30:00Z',
    '2020-02-29T23:59:59Z',
    '1999-12-31T00:00:00.123Z',
    '2026-06-01T12:00:00+02:00',
    '2030-01-01T00:00:00-05:30',
    '2026-01-15T10:30:00.123456789+14:00',
    '2026-01-15 10:30:00Z',
    '2026-01-15t10:30:00z',
    '2016-12-31T23:59:60Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
  ],
  date: ['2026-01-15', '2020-02-29', '0001-01-01'],
  'http-url': [
    'https://example.com/logo.png',
    'http://localhost:3000/a?b=c#d',
    'https://user:pass@example.com:8443/p/a%20th',
    'http://127.0.0.1/x.svg',
    'https://例え.jp/ロゴ.png',
    'https://xn--r8jz45g.jp/',
  ],
  uri: ['https://example.com/', 'urn:isbn:0451450523', 'mailto:ada@example.com'],
  phone: ['+33 1 42 68 53 00', '+33612345678', '+1 (415) 555-2671', '+44 20 7946 0958', '+81 3-1234-5678'],
  country: ['FR', 'fr', 'De', 'US', 'JP', 'gb'],
}

/**
 * Strings that are valid wherever any text is, and break naive code: emoji and joiners, right-to-left
 * overrides, combining marks, NUL and other controls, byte-order marks, injections for SQL, LIKE, NoSQL,
 * templates and prototypes. Lone surrogates are left out: they are not valid JSON text.
 */
export const ODD_STRINGS: string[] = [
  '😀',
  '👩‍👩‍👧‍👦 family',
  '\u200f\u202eRTL override\u202c',
  'e\u0301\u0301\u0301',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '\u0000',
  'a\u0000b',
  'tab\tinside',
  'line\nbreak\r\n',
  '\u0007\u001b[31mred',
  '\ufeffBOM',
  '\u00a0nbsp\u00a0',
  '  padded  ',
  '\u2028\u2029',
  "' OR 1=1 --",
  '"; DROP TABLE customers; --',
  "Robert'); DROP TABLE contacts;--",
  '{"$gt": ""}',
  '%',
  '_',
  '\\',
  '%_%',
  '\\%',
  '*',
  '<script>alert(1)</script>',
  '\u0024{jndi:ldap://x}',
  '{{7*7}}',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-0',
  '1e309',
  '𝕳𝖊𝖑𝖑𝖔',
  'İstanbul ß ǅ',
  'ＦＵＬＬ',
  '\uFFFE\uFFFF',
  '\u{10FFFF}',
  '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}',
]

export interface GenOptions {
  resolve: Resolve
  /** 'some': optional keys at random; 'all': every optional key and no null (the base of mutations); 'required': only required keys. */
  keys: 'some' | 'all' | 'required'
  /** Strings of visible ASCII only (header values). */
  ascii?: boolean
  /** An arbitrary for a named property or parameter, when the suite knows better (ids of real records). */
  override?: (name: string, schema: Schema) => fc.Arbitrary<unknown> | undefined
}

const uuidArb = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
)

function stringArb(schema: Schema, options: GenOptions, name: string | undefined): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0
  const max = schema.maxLength
  const fits = (s: string) => {
    const n = codePoints(s)
    return n >= min && (max === undefined || n <= max)
  }
  const re = schema.pattern === undefined ? undefined : new RegExp(schema.pattern, 'u')
  const matches = (s: string) => fits(s) && (!re || re.test(s))
  if (schema.format === 'uuid') {
    const override = name === undefined ? undefined : options.override?.(name, schema)
    return (override as fc.Arbitrary<string> | undefined) ?? uuidArb
  }
  if (schema.format !== undefined) {
    const pool = (FORMAT_EXAMPLES[schema.format] ?? []).filter(matches)
    if (pool.length > 0) return fc.constantFrom(...pool)
  }
  if (re && schema.pattern!.startsWith('^')) return fc.stringMatching(re).filter(fits)
  const cap = (n: number) => Math.max(min, max === undefined ? n : Math.min(max, n))
  const choices: fc.WeightedArbitrary<string>[] = [
    { weight: 6, arbitrary: fc.string({ minLength: min, maxLength: cap(24) }) },
  ]
  if (!options.ascii) {
    choices.push({
      weight: 2,
      arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: cap(12) }),
    })
  }
  if (max !== undefined) {
    // Exactly as long as allowed, in ASCII and in characters outside the BMP, which count as one.
    choices.push({ weight: 1, arbitrary: fc.string({ minLength: max, maxLength: max }) })
    if (!options.ascii) choices.push({ weight: 1, arbitrary: fc.constant('𝄞'.repeat(max)) })
  }
  const examples = (schema.examples ?? []).filter((e): e is string => typeof e === 'string' && matches(e))
  if (examples.length) choices.push({ weight: 3, arbitrary: fc.constantFrom(...examples) })
  return fc.oneof(...choices).filter(matches)
}

function numberArb(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const lo = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : schema.minimum
  const hi = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : schema.maximum
  if (integer) {
    const min = lo ?? -1_000_000
    const max = hi ?? 1_000_000
    return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max))
  }
  return fc.double({
    min: lo ?? -1e9,
    max: hi ?? 1e9,
    noNaN: true,
    noDefaultInfinity: true,
  })
}

/** An arbitrary of values valid against `schema`, for the subset of JSON Schema the document uses. */
export function arbitraryFor(raw: Schema, options: GenOptions, name?: string): fc.Arbitrary<unknown> {
  const schema = options.resolve(raw)
  // UUIDs are overridden as strings only, so that a nullable id still gets its nulls.
  const override =
    name !== undefined && schema.format !== 'uuid' ? options.override?.(name, schema) : undefined
  if (override) return override
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  if (schema.allOf) {
    const merged: Schema = { properties: {}, required: [] }
    for (const part of schema.allOf.map(options.resolve)) {
      Object.assign(merged.properties!, part.properties)
      merged.required!.push(...(part.required ?? []))
      for (const [k, v] of Object.entries(part)) if (k !== 'properties' && k !== 'required') merged[k] = v
    }
    const { allOf: _, ...rest } = schema
    return arbitraryFor({ ...merged, ...rest }, options, name)
  }
  const branches = schema.anyOf ?? schema.oneOf
  if (branches) return fc.oneof(...branches.map((b) => arbitraryFor(b, options, name)))
  const types = typesOf(schema)
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 })
  if (types.length > 1) {
    const usable =
      options.keys === 'all' && types.some((t) => t !== 'null') ? types.filter((t) => t !== 'null') : types
    return fc.oneof(...usable.map((t) => arbitraryFor(withType(schema, t), options, name)))
  }
  switch (types[0]) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return numberArb(schema, true)
    case 'number':
      return numberArb(schema, false)
    case 'string':
      return stringArb(schema, options, name)
    case 'array': {
      const item = arbitraryFor(schema.items ?? {}, options, name)
      const maxLength = Math.min(schema.maxItems ?? 4, 4)
      const minLength = Math.min(
        maxLength,
        Math.max(schema.minItems ?? 0, options.keys === 'all' && maxLength > 0 ? 1 : 0),
      )
      return schema.uniqueItems
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { minLength, maxLength })
    }
    case 'object': {
      const properties = schema.properties ?? {}
      const model: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [key, sub] of Object.entries(properties)) model[key] = arbitraryFor(sub, options, key)
      const required = schema.required ?? []
      if (options.keys === 'required') {
        for (const key of Object.keys(model)) if (!required.includes(key)) delete model[key]
      }
      const requiredKeys = options.keys === 'all' ? Object.keys(model) : required.filter((k) => k in model)
      return fc.record(model, { requiredKeys, noNullPrototype: true })
    }
    default:
      throw new Error(`The fuzzer does not know JSON type ${types[0]}`)
  }
}
