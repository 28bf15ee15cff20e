// Quote and order numbers, as Qwoty's quote settings make them: a pattern of static text and variables,
// evaluated when the record is created. `{0000}` is the counter, its zeros the padding (a counter wider than
// them just grows); `{0000+30}` adds an offset (first number 0031); `{YYYY}`, `{YY}`, `{MM}` and `{DD}` are
// the creation date, in UTC. No spaces, exactly one counter. Pure: the counter comes from the caller.

export const NUMBER_RESETS = ['never', 'day', 'month', 'year'] as const
export type NumberReset = (typeof NUMBER_RESETS)[number]

/** The longest pattern taken: numbers are shown in lists and documents, and stay readable. */
export const PATTERN_MAX = 64
/** The largest offset: counter and offset stay far below what a JSON number holds exactly. */
export const OFFSET_MAX = 999_999_999

const DATE_VARIABLES = ['YYYY', 'YY', 'MM', 'DD'] as const
type DateVariable = (typeof DATE_VARIABLES)[number]

export type PatternPart =
  | { kind: 'text'; text: string }
  | { kind: 'counter'; width: number; offset: number }
  | { kind: 'date'; variable: DateVariable }

const KNOWN =
  '{0000} (the counter, its zeros the padding), {0000+30} (with an offset), {YYYY}, {YY}, {MM}, {DD}'

/** The parts of a pattern, or what is wrong with it (each problem a sentence naming `field`). */
export function parsePattern(field: string, pattern: string): { parts: PatternPart[]; problems: string[] } {
  const problems: string[] = []
  const parts: PatternPart[] = []
  const say = (text: string) => problems.push(`Field '${field}' ${text}`)
  if (pattern.length === 0) say('must not be empty')
  if (pattern.length > PATTERN_MAX) say(`must be at most ${PATTERN_MAX} characters`)
  if (/[\s\p{Z}]/u.test(pattern)) say('must not contain spaces')
  else if (/\p{C}/u.test(pattern)) say('must not contain control or invisible characters')
  if (problems.length) return { parts, problems }

  let text = ''
  const flush = () => {
    if (text) parts.push({ kind: 'text', text })
    text = ''
  }
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '}') {
      say(`has a '}' at position ${i + 1} that no '{' opens`)
      continue
    }
    if (c !== '{') {
      text += c
      continue
    }
    const close = pattern.indexOf('}', i + 1)
    const reopen = pattern.indexOf('{', i + 1)
    if (close === -1 || (reopen !== -1 && reopen < close)) {
      say(`has a '{' at position ${i + 1} that no '}' closes`)
      if (close === -1) break
      continue
    }
    const name = pattern.slice(i + 1, close)
    const part = variable(name)
    if (typeof part === 'string') say(part)
    else {
      flush()
      parts.push(part)
    }
    i = close
  }
  flush()
  const counters = parts.filter((p) => p.kind === 'counter').length
  if (counters === 0 && problems.length === 0) say(`needs a counter such as {0000}; variables are ${KNOWN}`)
  if (counters > 1) say(`must have exactly one counter, not ${counters}`)
  return { parts, problems }
}

/** The part `{name}` stands for, or what is wrong with it. */
function variable(name: string): PatternPart | string {
  if ((DATE_VARIABLES as readonly string[]).includes(name)) {
    return { kind: 'date', variable: name as DateVariable }
  }
  const counter = /^(0+)(?:\+(\d+))?$/.exec(name)
  if (!counter) return `has an unknown variable {${name}}; variables are ${KNOWN}`
  const offset = Number(counter[2] ?? 0)
  if (offset > OFFSET_MAX) return `has an offset {${name}} above ${OFFSET_MAX}`
  return { kind: 'counter', width: counter[1]!.length, offset }
}

/** What is wrong with a pattern, each a sentence naming `field`; none when it is valid. */
export function patternProblems(field: string, pattern: string): string[] {
  return parsePattern(field, pattern).problems
}

/**
 * What is wrong with numbering by `pattern` under `reset`: numbers restart each period, so the pattern must
 * show the period (a day needs {DD}, {MM} and a year; a month {MM} and a year; a year {YYYY} or {YY}), or
 * the numbers of two periods would be the same.
 */
export function resetProblems(
  resetField: string,
  reset: NumberReset,
  patternField: string,
  pattern: string,
): string[] {
  const { parts, problems } = parsePattern(patternField, pattern)
  if (problems.length || reset === 'never') return []
  const shown = new Set(parts.flatMap((p) => (p.kind === 'date' ? [p.variable] : [])))
  const year = shown.has('YYYY') || shown.has('YY')
  const missing = [
    ...(year ? [] : ['{YYYY} or {YY}']),
    ...(reset !== 'year' && !shown.has('MM') ? ['{MM}'] : []),
    ...(reset === 'day' && !shown.has('DD') ? ['{DD}'] : []),
  ]
  if (missing.length === 0) return []
  return [
    `Field '${resetField}' is ${reset}, so '${patternField}' must show the ${reset} with ${missing.join(' and ')}: ` +
      `numbers restart each ${reset} and would repeat those of another`,
  ]
}

/**
 * The number `pattern` gives for the `counter`-th record of its period (1, 2 …; the offset is added), made
 * on `date` (UTC). Throws on a pattern that patternProblems refuses.
 */
export function formatNumber(pattern: string, counter: number, date: Date): string {
  const { parts, problems } = parsePattern('pattern', pattern)
  if (problems.length) throw new Error(problems.join('; '))
  return parts.map((p) => render(p, counter, date)).join('')
}

function render(part: PatternPart, counter: number, date: Date): string {
  switch (part.kind) {
    case 'text':
      return part.text
    case 'counter':
      return String(counter + part.offset).padStart(part.width, '0')
    case 'date':
      switch (part.variable) {
        case 'YYYY':
          return String(date.getUTCFullYear()).padStart(4, '0')
        case 'YY':
          return String(date.getUTCFullYear() % 100).padStart(2, '0')
        case 'MM':
          return String(date.getUTCMonth() + 1).padStart(2, '0')
        case 'DD':
          return String(date.getUTCDate()).padStart(2, '0')
      }
  }
}

/** The period a counter counts in: '' when numbers never reset, else the year, month or day of `date` (UTC). */
export function periodKey(reset: NumberReset, date: Date): string {
  const iso = date.toISOString()
  switch (reset) {
    case 'never':
      return ''
    case 'year':
      return iso.slice(0, 4)
    case 'month':
      return iso.slice(0, 7)
    case 'day':
      return iso.slice(0, 10)
  }
}
