import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ApiError } from '../http/errors.ts'
import { defineResource, type Resource } from '../kernel/resource.ts'
import {
  ALL_SCOPES,
  hasScope,
  isScope,
  parseScopes,
  type Scope,
  scopeGroupsOf,
  scopeModel,
} from './tokens.ts'

const fake = (name: string, extra: Partial<Resource> = {}) =>
  defineResource({
    name,
    noun: name,
    versioned: false,
    softDeleted: false,
    routes: async () => async () => {},
    ...extra,
  })

// Deals (two resources, one declaring approvals), widgets (plain), logs (read only).
const model = scopeModel(
  scopeGroupsOf([
    fake('deals', { scope: 'deals' }),
    fake('deal_lines', { scope: 'deals', extraScopes: ['approve'] }),
    fake('widgets'),
    fake('logs', { writable: false }),
  ]),
)

describe('the approve scope of a group that declares it', () => {
  it('is a scope of that group only, after its read and write', () => {
    assert.deepEqual(model.all, [
      '*',
      'deals:read',
      'deals:write',
      'deals:approve',
      'widgets:read',
      'widgets:write',
      'logs:read',
    ])
    assert.ok(model.isScope('deals:approve'))
    assert.ok(!model.isScope('widgets:approve'))
    assert.ok(!model.isScope('logs:approve'))
    assert.deepEqual(model.parseScopes('deals:approve, widgets:approve deals:read'), {
      scopes: ['deals:approve', 'deals:read'],
      invalid: ['widgets:approve'],
    })
  })

  it("includes the group's read, not its write; write does not include it; '*' does", () => {
    assert.ok(hasScope(['deals:approve'], 'deals:read'))
    assert.ok(!hasScope(['deals:approve'], 'deals:write'))
    assert.ok(!hasScope(['deals:write'], 'deals:approve'))
    assert.ok(hasScope(['deals:write'], 'deals:read'))
    assert.ok(hasScope(['*'], 'deals:approve'))
    assert.ok(hasScope(['deals:approve'], 'deals:approve'))
    assert.ok(!hasScope(['deals:approve'], 'widgets:read'))
    assert.ok(!hasScope(['deals:read'], 'deals:approve'))
  })

  it('is the level approve of Qwoty-style permissions: write and approve, only where the group has it', () => {
    assert.deepEqual(model.levelsOf(model.groups[0]!), ['read', 'write', 'approve', 'none'])
    assert.deepEqual(model.levelsOf(model.groups[1]!), ['read', 'write', 'none'])
    assert.deepEqual(model.levelsOf(model.groups[2]!), ['read', 'none'])
    assert.deepEqual(model.scopesOf({ deals: 'approve', widgets: 'read', logs: 'none' }), [
      'deals:write',
      'deals:approve',
      'widgets:read',
    ])
    for (const [permissions, key, allowed] of [
      [{ widgets: 'approve' }, 'widgets', 'read, write, none'],
      [{ logs: 'approve' }, 'logs', 'read, none'],
      [{ logs: 'write' }, 'logs', 'read, none'],
    ] as const) {
      assert.throws(
        () => model.scopesOf(permissions),
        (err: unknown) =>
          err instanceof ApiError &&
          err.status === 400 &&
          err.details?.[0] === `Field 'permissions.${key}' must be one of: ${allowed}`,
      )
    }
  })

  it('shows in permissions as the highest whole level: approve needs write too', () => {
    const levels = (scopes: string[]) => model.permissionsOf(scopes)
    assert.deepEqual(levels(['*']), { deals: 'approve', widgets: 'write', logs: 'read' })
    assert.deepEqual(levels(['deals:write', 'deals:approve']), {
      deals: 'approve',
      widgets: 'none',
      logs: 'none',
    })
    assert.deepEqual(levels(['deals:write']).deals, 'write')
    assert.deepEqual(levels(['deals:approve']).deals, 'read')
    assert.deepEqual(levels(['deals:read']).deals, 'read')
    // The levels give back the scopes they were made of.
    for (const scopes of [
      ['deals:write', 'deals:approve', 'widgets:read'],
      ['deals:read', 'widgets:write'],
    ]) {
      assert.deepEqual(model.scopesOf(levels(scopes)), scopes)
    }
  })
})

describe('the API scopes', () => {
  it('are read and write of every group (read only for events) and *, approve where a resource declares it', () => {
    const approvable = ALL_SCOPES.filter((s) => s.endsWith(':approve'))
    for (const scope of approvable) assert.ok(isScope(scope))
    assert.ok(ALL_SCOPES.includes('customers:write' as Scope))
    assert.ok(!isScope('customers:approve'))
    assert.deepEqual(parseScopes('customers:approve,customers:read').invalid, ['customers:approve'])
    assert.ok(!isScope('events:write'))
  })
})
