import { hash, randomBytes } from 'node:crypto'

export const TOKEN_PREFIX = 'qwoty_'

/** A new secret: the prefix Qwoty's docs show, then 256 random bits in base64url. */
export function generateSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex')
}

export const RESOURCES = ['customers', 'contacts', 'addresses', 'segments', 'tokens'] as const
export type Resource = (typeof RESOURCES)[number]
export type Scope = `${Resource}:${'read' | 'write'}` | '*'

export const ALL_SCOPES: Scope[] = ['*', ...RESOURCES.flatMap((r) => [`${r}:read`, `${r}:write`] as Scope[])]

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as string[]).includes(value)
}

/** Parses "a:read,b:write" (or space separated); returns the invalid entries too. */
export function parseScopes(text: string): { scopes: Scope[]; invalid: string[] } {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean)
  const scopes = [...new Set(parts.filter(isScope))]
  return { scopes, invalid: parts.filter((p) => !isScope(p)) }
}

/** `write` includes `read` of the same resource; `*` includes everything. */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  if (granted.includes('*') || granted.includes(needed)) return true
  if (needed.endsWith(':read')) return granted.includes(needed.replace(/:read$/, ':write'))
  return false
}

export type Level = 'read' | 'write' | 'none'

/** Qwoty-style permissions of a set of scopes: write includes read, '*' is write everywhere. */
export function permissionsOf(scopes: readonly string[]): Record<Resource, Level> {
  const level = (resource: Resource): Level =>
    hasScope(scopes, `${resource}:write`) ? 'write' : hasScope(scopes, `${resource}:read`) ? 'read' : 'none'
  return {
    customers: level('customers'),
    contacts: level('contacts'),
    addresses: level('addresses'),
    segments: level('segments'),
    tokens: level('tokens'),
  }
}

/** The scopes that grant Qwoty-style permissions, in resource order; 'none' and omitted grant nothing. */
export function scopesOf(permissions: Partial<Record<Resource, Level>>): Scope[] {
  const scopes: Scope[] = []
  for (const resource of RESOURCES) {
    const level = permissions[resource]
    if (level === 'read' || level === 'write') scopes.push(`${resource}:${level}`)
  }
  return scopes
}
