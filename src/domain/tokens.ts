import { hash, randomBytes } from 'node:crypto'
import { ApiError } from '../http/errors.ts'
import { type Resource as Descriptor, scopeOf } from '../kernel/resource.ts'
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
  /** Whether it has an approve scope (`quotes:approve`): some resource under it declares it. */
  approvable: boolean
  /** Said of it in the token permissions schema: "Access to customers". */
  described: string
}

export type Resource = string
export type Access = 'read' | 'write' | 'approve'
export type Scope = `${string}:${Access}` | '*'
/**
 * A Qwoty-style permission level: write includes read; approve (only for a group that has it) is write and
 * approve; none is no access.
 */
export type Level = 'read' | 'write' | 'approve' | 'none'

/** The scope groups of a list of resources, each once, in the order their first resource comes. */
export function scopeGroupsOf(resources: readonly Descriptor[]): ScopeGroup[] {
  const groups = new Map<string, ScopeGroup>()
  for (const r of resources) {
    const name = scopeOf(r)
    const approvable = r.extraScopes?.includes('approve') ?? false
    const group = groups.get(name)
    if (group) {
      group.writable ||= r.writable !== false
      group.approvable ||= approvable
    } else {
      groups.set(name, {
        name,
        writable: r.writable !== false,
        approvable,
        described: r.described ?? r.name,
      })
    }
  }
  return [...groups.values()]
}

/**
 * `write` includes `read` of the same group, and so does `approve`; `*` includes everything. `write` does
 * not include `approve`: approving is its own permission.
 */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  if (granted.includes('*') || granted.includes(needed)) return true
  if (needed.endsWith(':read')) {
    const group = needed.slice(0, -':read'.length)
    return granted.includes(`${group}:write`) || granted.includes(`${group}:approve`)
  }
  return false
}

/** The scopes, levels and their conversions of a list of scope groups (see SCOPES for the API's). */
export function scopeModel(groups: readonly ScopeGroup[]) {
  /** Every scope: read, write (if writable) and approve (if approvable) of each group, and '*'. */
  const all: Scope[] = [
    '*',
    ...groups.flatMap((g) => [
      `${g.name}:read` as Scope,
      ...(g.writable ? [`${g.name}:write` as Scope] : []),
      ...(g.approvable ? [`${g.name}:approve` as Scope] : []),
    ]),
  ]
  const known = new Set<string>(all)
  const isScope = (value: string): value is Scope => known.has(value)

  /** The levels a group's permission may take. */
  const levelsOf = (g: ScopeGroup): Level[] =>
    g.approvable
      ? ['read', 'write', 'approve', 'none']
      : g.writable
        ? ['read', 'write', 'none']
        : ['read', 'none']

  /** Parses "a:read,b:write" (or space separated); returns the invalid entries too. */
  function parseScopes(text: string): { scopes: Scope[]; invalid: string[] } {
    const parts = text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean)
    const scopes = [...new Set(parts.filter(isScope))]
    return { scopes, invalid: parts.filter((p) => !isScope(p)) }
  }

  /**
   * Qwoty-style permissions of a set of scopes, the highest whole level of each group: approve (write and
   * approve), write, read, none; '*' is the highest everywhere. The scopes say exactly what a token holds
   * (approve without write shows as read).
   */
  function permissionsOf(scopes: readonly string[]): Record<Resource, Level> {
    const level = (g: ScopeGroup): Level => {
      const has = (access: Access) => hasScope(scopes, `${g.name}:${access}`)
      if (g.approvable && has('write') && has('approve')) return 'approve'
      if (g.writable && has('write')) return 'write'
      return has('read') ? 'read' : 'none'
    }
    return Object.fromEntries(groups.map((g) => [g.name, level(g)]))
  }

  /**
   * The scopes that grant Qwoty-style permissions, in group order; 'none' and omitted grant nothing,
   * approve grants write and approve. A level a group does not have is an error naming its key.
   */
  function scopesOf(permissions: Partial<Record<Resource, Level>>): Scope[] {
    const scopes: Scope[] = []
    for (const g of groups) {
      const level = permissions[g.name]
      if (level === undefined || level === 'none') continue
      if (!levelsOf(g).includes(level)) {
        throw new ApiError('validation_failed', 'Validation error', [
          `Field 'permissions.${g.name}' must be one of: ${levelsOf(g).join(', ')}`,
        ])
      }
      if (level === 'approve') scopes.push(`${g.name}:write`, `${g.name}:approve`)
      else scopes.push(`${g.name}:${level}`)
    }
    return scopes
  }

  return { groups, all, isScope, levelsOf, parseScopes, permissionsOf, scopesOf }
}

/** The API's scopes, from its list of resources. */
const SCOPES = scopeModel(scopeGroupsOf(DESCRIPTORS))

/** The scopes of the list of resources, each once, in the order their first resource comes. */
export const SCOPE_GROUPS: readonly ScopeGroup[] = SCOPES.groups

/** The names scopes are made of, from the list of resources: `customers`, `contacts`, `catalog`… */
export const RESOURCES: readonly string[] = SCOPE_GROUPS.map((g) => g.name)

/** Every scope: read and write of each group (read only of one nobody writes), approve where declared, '*'. */
export const ALL_SCOPES: Scope[] = SCOPES.all

export const isScope = SCOPES.isScope
export const parseScopes = SCOPES.parseScopes
export const permissionsOf = SCOPES.permissionsOf
export const scopesOf = SCOPES.scopesOf
/** The levels a group's permission may take: approve only where the group has it. */
export const levelsOf = SCOPES.levelsOf
