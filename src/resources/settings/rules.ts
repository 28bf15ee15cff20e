import countries from 'i18n-iso-countries'

// What the API (PATCH /api/workspace/settings) and the command line (quoin workspace create | update)
// check alike in a workspace's settings.

/** A default country as stored: the upper-case ISO 3166-1 alpha-2 code `value` names, or undefined. */
export function countryCode(value: string): string | undefined {
  const code = value.trim().toUpperCase()
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code) ? code : undefined
}
