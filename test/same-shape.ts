// Whether a JSON value has the shape of a documented example: every key of each example object present, in the
// example's order, before any key the example does not have; the same JSON type at every level (null is a type
// of its own); each item of an array shaped like the example's first item. Values are not compared. Keys of the
// example that start with `_` (comments) are not part of it.

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean'

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value as JsonType
}

/** Paths (`$.pdf_link`) where null is accepted for the example's type: what the API documents as such. */
export interface ShapeOptions {
  nullable?: readonly string[]
}

/** Every difference of shape between `example` and `actual`, one sentence each; empty when they match. */
export function shapeProblems(
  example: unknown,
  actual: unknown,
  options: ShapeOptions = {},
  path = '$',
): string[] {
  const expected = typeOf(example)
  const found = typeOf(actual)
  if (found === 'null' && options.nullable?.includes(path)) return []
  if (expected !== found) return [`${path}: ${found} where the example has ${expected}`]
  if (expected === 'array') {
    const items = example as unknown[]
    const got = actual as unknown[]
    if (items.length === 0) return []
    if (got.length === 0) return [`${path}: an empty array where the example has items`]
    return got.flatMap((item, i) => shapeProblems(items[0], item, options, `${path}[${i}]`))
  }
  if (expected !== 'object') return []
  const documented = Object.keys(example as object).filter((k) => !k.startsWith('_'))
  const keys = Object.keys(actual as object)
  const problems: string[] = []
  const missing = documented.filter((k) => !keys.includes(k))
  if (missing.length > 0) problems.push(`${path}: lacks ${missing.join(', ')}`)
  const leading = keys.slice(0, documented.length)
  if (missing.length === 0 && leading.join(',') !== documented.join(',')) {
    problems.push(`${path}: keys ${leading.join(', ')} where the example has ${documented.join(', ')} first`)
  }
  for (const key of documented) {
    if (!keys.includes(key)) continue
    problems.push(
      ...shapeProblems(
        (example as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        options,
        `${path}.${key}`,
      ),
    )
  }
  return problems
}

/** Throws, listing every difference, unless `actual` has the shape of `example` (see shapeProblems). */
export function sameShape(example: unknown, actual: unknown, options: ShapeOptions = {}): void {
  const problems = shapeProblems(example, actual, options)
  if (problems.length > 0) throw new Error(`not the example's shape:\n${problems.join('\n')}`)
}
