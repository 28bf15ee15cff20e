// `api_name`: Qwoty's snake_case slugs (net_30_days, premium_widget), unique per workspace where a
// resource says so. Generated from a name when omitted: "Premium Widgets" → premium_widgets, then
// premium_widgets_2, premium_widgets_3 … while the one before is taken.

/** What an api_name may be: lower-case letters and digits in words joined by single underscores. */
export const API_NAME_PATTERN = '^[a-z0-9]+(_[a-z0-9]+)*$'
const API_NAME = new RegExp(API_NAME_PATTERN)
export const API_NAME_MAX = 100

export function isApiName(value: string): boolean {
  return value.length <= API_NAME_MAX && API_NAME.test(value)
}

/**
 * The slug of a name: accents dropped, lower case, every run of other characters one underscore.
 * A name with no letter or digit (say "—") gives `fallback`.
 */
export function slugify(name: string, fallback = 'item'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/æ/gi, 'ae')
    .replace(/œ/gi, 'oe')
    .replace(/ø/gi, 'o')
    .replace(/ł/gi, 'l')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, API_NAME_MAX - 6)
    .replace(/_+$/, '')
  return slug === '' ? fallback : slug
}

/**
 * The first of `base`, `base_2`, `base_3` … that `taken` says is free. `taken` gets every candidate that
 * starts with base, so one query can answer (see freeApiName's callers).
 */
export function firstFree(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${base}_${n}`
    if (!taken.has(candidate)) return candidate
  }
}
