import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'

/**
 * A phone number in international format (+33 6 12 34 56 78), read from what a CRM holds: international
 * already, or national in the workspace's country (06 12 34 56 78 in France). Undefined if no such number
 * is possible.
 */
export function normalizePhone(value: string, country: string): string | undefined {
  const phone = parsePhoneNumberFromString(value, country as CountryCode)
  return phone?.isPossible() ? phone.formatInternational() : undefined
}
