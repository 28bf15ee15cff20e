import { hash, randomBytes } from 'node:crypto'
import { RESOURCES as DESCRIPTORS } from '../resources/index.ts'

export const TOKEN_PREFIX = 'qwoty_'

/** A new secret: the prefix Qwoty's docs show, then 256 random bits in base64url. */
export function generateSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex')
}

/** The resources scopes name, from the list of resources: `customers`, `contacts`… */
export const RESOURCES: readonly string[] = DESCRIPTORS.map((r) => r.name)
export type Resource = string
export type Scope = `${string}:${'read' | 'write'}` | '*'

/** Every scope: read and write of each resource (read only of a resource nobody writes), and '*'. */
export const ALL_SCOPES: Scope[] = [
  '*',
  ...DESCRIPTORS.flatMap((r) =>
    r.writable === false
      ? [`${r.name}:read` as Scope]
      : [`${r.name}:read` as Scope, `${r.name}:write` as Scope],
  ),
]

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
  // A resource nobody writes is read at most, '*' included.
  return Object.fromEntries(
    DESCRIPTORS.map((r) => [
      r.name,
      r.writable === false && level(r.name) === 'write' ? 'read' : level(r.name),
    ]),
  )
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
