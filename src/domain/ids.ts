const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Whether an id is a UUID. Ids are opaque strings in Qwoty's API; Quoin's are all UUIDs, so any other id
 * names nothing: a 404 in a path, a refused reference in a body, no match in a filter.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
