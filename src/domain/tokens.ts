import { hash, randomBytes } from 'node:crypto'
import { scopeOf } from '../kernel/resource.ts'
import { RESOURCES as DESCRIPTORS } from '../resources/index.ts'

export const TOKEN_PREFIX = 'qwoty_'

/** A new secret: the prefix Qwoty's docs show, then 256 random bits in base64url. */
export function generateSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex')
}

/** A scope: the resources read and written under it, as token permissions show them. */
export interface ScopeGroup {
  /** `customers`, `catalog`: the part before `:read`. */
  name: string
  /** Whether it has a write scope: some resource under it is written through the API. */
  writable: boolean
  /** Said of it in the token permissions schema: "Access to customers". */
  described: string
}

/** The scopes of the list of resources, each once, in the order their first resource comes. */
export const SCOPE_GROUPS: readonly ScopeGroup[] = (() => {
  const groups = new Map<string, ScopeGroup>()
  for (const r of DESCRIPTORS) {
    const name = scopeOf(r)
    const group = groups.get(name)
    if (group) group.writable ||= r.writable !== false
    else groups.set(name, { name, writable: r.writable !== false, described: r.described ?? r.name })
  }
  return [...groups.values()]
})()

/** The names scopes are made of, from the list of resources: `customers`, `contacts`, `catalog`… */
export const RESOURCES: readonly string[] = SCOPE_GROUPS.map((g) => g.name)
export type Resource = string
export type Scope = `${string}:${'read' | 'write'}` | '*'

/** Every scope: read and write of each group (read only of one nobody writes), and '*'. */
export const ALL_SCOPES: Scope[] = [
  '*',
  ...SCOPE_GROUPS.flatMap((g) =>
    g.writable ? [`${g.name}:read` as Scope, `${g.name}:write` as Scope] : [`${g.name}:read` as Scope],
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
    SCOPE_GROUPS.map((g) => [g.name, !g.writable && level(g.name) === 'write' ? 'read' : level(g.name)]),
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
