import {
  allowsType,
  codePoints,
  DELETE,
  getAt,
  type Path,
  type Resolve,
  type Schema,
  setAt,
  typesOf,
  withType,
} from './schema.ts'

/** One way to break a request part: `apply` takes the valid value and a number to vary the breakage. */
export interface Mutation {
  kind: MutationKind
  /** Where the value is broken; its first key is the top-level property the base must carry in full. */
  path: Path
  label: string
  apply(root: unknown, n: number): unknown
}

export type MutationKind =
  | 'missing required field'
  | 'wrong type'
  | 'oversize string'
  | 'undersize string'
  | 'pattern violated'
  | 'bad format'
  | 'value outside the enum'
  | 'number out of range'
  | 'too many items'
  | 'duplicate items'
  | 'unknown key'

/** Values a field may be given by mistake; those the schema allows are left out. */
const WRONG_VALUES: unknown[] = [42, -1, 1.5, 'text', '', true, false, null, [], ['x'], {}, { a: 1 }]
const WRONG_TEXT = ['abc', '1.5', 'true', 'null', '[]', '{}', '1e400', ' 1', 'NaN', '0x10', 'Infinity']

const BAD_FORMAT: Record<string, string[]> = {
  uuid: [
    'not-a-uuid',
    '00000000-0000-0000-0000-00000000000g',
    '0190a0b0c0d07e8f9a0b1c2d3e4f5a6b',
    '{0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b}',
    'urn:uuid:0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b',
    '0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b ',
    "' OR 1=1 --",
  ],
  email: ['not-an-email', 'a@', '@example.com', 'a b@example.com', 'a@b@example.com', 'ada@example.com\n'],
  'date-time': [
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-01-15',
    '2026-01-15T10:30:00',
    '2026-01-15T24:00:00Z',
    '1768473000',
  ],
  date: ['2026-02-30', '15/01/2026', 'today'],
  'http-url': [
    'not a url',
    'ftp://example.com/logo.png',
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'file:///etc/passwd',
    '/relative/logo.png',
    'https://',
  ],
  uri: ['not a uri', '::'],
  phone: ['not a phone', '12', '+', '++33 1 42 68 53 00', '+33 1 42 68 53 00 ext'],
  country: ['ZZ', 'FRA', 'F', '12', 'F R', 'xx'],
}

/** Keys no body or query accepts: a typo, a change of case, a prototype, fields the server owns. */
const UNKNOWN_KEYS = [
  'unknown_field',
  '__proto__',
  'constructor',
  'id',
  'workspace_id',
  'created_at',
  'deleted_at',
  'version',
]

function padFormatted(format: string | undefined, length: number): string {
  // Oversize values that are otherwise valid, so that only the length can refuse them.
  switch (format) {
    case 'email':
      return `${'a'.repeat(Math.max(1, length - 12))}@example.com`
    case 'http-url':
      return `https://example.com/${'a'.repeat(Math.max(1, length - 20))}`
    default:
      return 'x'.repeat(length)
  }
}

/**
 * Every way to break a value of `schema`, walking into objects and the first item of arrays. `text` is for
 * query strings and headers, whose values are text: a string cannot have a wrong type there.
 */
export function mutationsOf(
  root: Schema,
  resolve: Resolve,
  part: 'body' | 'text',
  closedKeys = true,
): Mutation[] {
  const out: Mutation[] = []
  const walk = (raw: Schema, path: Path, depth: number) => {
    const schema = resolve(raw)
    if (depth > 6) return
    const types = typesOf(schema)
    const add = (kind: MutationKind, label: string, apply: (root: unknown, n: number) => unknown) =>
      out.push({ kind, path, label, apply })
    const put = (values: unknown[]) => (r: unknown, n: number) => setAt(r, path, values[n % values.length])

    if (types.length > 0) {
      // Text is any type's spelling, so a query or header value has a wrong type only where text is refused.
      const wrong =
        part === 'body'
          ? WRONG_VALUES.filter((v) => !allowsType(types, v))
          : types.includes('string') || path.length === 0
            ? []
            : WRONG_TEXT
      if (wrong.length) add('wrong type', `a value not of type ${types.join(' or ')}`, put(wrong))
    }
    const allowed = schema.enum
    if (allowed) {
      const first = String(allowed[0])
      const outside = [first.toUpperCase(), ` ${first}`, `${first} `, 'unknown_value', `${first},${first}`]
      const values = outside.filter((v) => !allowed.includes(v))
      if (values.length) add('value outside the enum', 'a value outside the enum', put(values))
    }
    for (const type of types) {
      const s = withType(schema, type)
      if (type === 'string') {
        if (s.maxLength !== undefined) {
          add('oversize string', `longer than ${s.maxLength}`, (r, n) =>
            setAt(r, path, padFormatted(s.format, s.maxLength! + 1 + (n % 100))),
          )
        }
        // A blank body string is null where null is allowed (the server reads it so): not a break there.
        const blankIsNull = part === 'body' && types.includes('null')
        if (s.minLength !== undefined && s.minLength > 0 && !(blankIsNull && s.minLength === 1)) {
          add('undersize string', `shorter than ${s.minLength}`, put(['x'.repeat(s.minLength - 1)]))
        }
        if (s.pattern !== undefined) {
          const re = new RegExp(s.pattern, 'u')
          const misses = ['', ' ', '   ', '\t\n', '\u00a0\u2003', '\u200b', 'x', '!', ',', '0'].filter(
            (v) =>
              !re.test(v) &&
              codePoints(v) >= (s.minLength ?? 0) &&
              codePoints(v) <= (s.maxLength ?? Number.POSITIVE_INFINITY),
          )
          if (misses.length) add('pattern violated', `not matching ${s.pattern}`, put(misses))
        }
        if (s.format !== undefined && BAD_FORMAT[s.format]) {
          add('bad format', `not a valid ${s.format}`, put(BAD_FORMAT[s.format]!))
        }
      }
      if (type === 'integer' || type === 'number') {
        const values: unknown[] = []
        if (s.minimum !== undefined) values.push(s.minimum - 1, s.minimum - 1e9)
        if (s.maximum !== undefined) values.push(s.maximum + 1, s.maximum + 1e9)
        if (s.exclusiveMinimum !== undefined) values.push(s.exclusiveMinimum)
        if (s.exclusiveMaximum !== undefined) values.push(s.exclusiveMaximum)
        const inPart = part === 'body' ? values : values.map(String)
        if (type === 'integer') inPart.push(part === 'body' ? 1.5 : '1.5')
        if (inPart.length) add('number out of range', 'a number out of range', put(inPart))
      }
      if (type === 'array') {
        if (s.maxItems !== undefined) {
          add('too many items', `more than ${s.maxItems} items`, (r) => {
            const items = (getAt(r, path) as unknown[] | undefined) ?? []
            const filler = items.length ? items : [undefined]
            return setAt(
              r,
              path,
              Array.from({ length: s.maxItems! + 1 }, (_, i) => filler[i % filler.length]),
            )
          })
        }
        if (s.uniqueItems) {
          add('duplicate items', 'the same item twice', (r) => {
            const items = (getAt(r, path) as unknown[] | undefined) ?? []
            return items.length ? setAt(r, path, [items[0], ...items]) : r
          })
        }
        if (s.items) walk(s.items, [...path, 0], depth + 1)
      }
      if (type === 'object') {
        for (const key of s.required ?? []) {
          out.push({
            kind: 'missing required field',
            path: [...path, key],
            label: `without ${key}`,
            apply: (r) => setAt(r, [...path, key], DELETE),
          })
        }
        if (closedKeys && s.additionalProperties === false) {
          const known = Object.keys(s.properties ?? {})
          const shout = known[0]?.toUpperCase()
          const unknown = [...UNKNOWN_KEYS, ...(shout && !known.includes(shout) ? [shout] : [])].filter(
            (k) => !known.includes(k),
          )
          add('unknown key', 'an unknown key', (r, n) => {
            const key = unknown[n % unknown.length]!
            return setAt(r, [...path, key], part === 'body' ? 'x' : '1')
          })
        }
        for (const [key, sub] of Object.entries(s.properties ?? {})) walk(sub, [...path, key], depth + 1)
      }
    }
  }
  walk(root, [], 0)
  return out
}
