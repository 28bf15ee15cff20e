import Type from 'typebox'
import { ALL_SCOPES, type Level, levelsOf, SCOPE_GROUPS, type ScopeGroup } from '../../domain/tokens.ts'
import { WholeListParams } from '../../http/pagination.ts'
import { Nullable, Ref, StringEnum, Text, Timestamp, Uuid } from '../../http/schemas.ts'

export type { Level } from '../../domain/tokens.ts'

const LEVEL_SAID: Record<Level, string> = {
  read: 'read',
  write: 'write (includes read)',
  approve: 'approve (write, and approve)',
  none: 'none (no access)',
}
const said = (levels: readonly Level[]) => levels.map((l) => LEVEL_SAID[l]).join(', ')

/** One level per resource of the list, derived from it. */
export const Permissions = Type.Object(
  Object.fromEntries(
    SCOPE_GROUPS.map((g) => [
      g.name,
      StringEnum(levelsOf(g), {
        description: `Access to ${g.described}: ${said(levelsOf(g))}`,
        examples: ['read'],
      }),
    ]),
  ) as Record<string, ReturnType<typeof StringEnum<Level[]>>>,
  {
    title: 'Permissions',
    description:
      "What the token may do, per resource, derived from its scopes ('*' is the highest level everywhere)",
  },
)
export type Permissions = Record<string, Level>

const scope = StringEnum(ALL_SCOPES, {
  description:
    "'<resource>:read', '<resource>:write' (includes read), '<resource>:approve' where a resource has " +
    "approvals (includes read, not write) or '*' (everything)",
})

const tokenFields = {
  id: Uuid('UUID'),
  name: Type.String({ description: 'Token name', examples: ['Zapier integration'] }),
}
const tokenDetails = {
  scopes: Type.Array(scope, { description: 'The scopes the token holds', examples: [['customers:read']] }),
  permissions: Permissions,
  last4: Type.String({
    description: 'The last 4 characters of the secret, to tell tokens apart',
    examples: ['x9Qz'],
  }),
  expires_at: Nullable(Timestamp('When the token stops working; null if it never expires')),
  created_at: Timestamp(),
  last_used_at: Nullable(
    Timestamp('When the token last authenticated a request, recorded within a minute; null if never'),
  ),
  user_id: Nullable(
    Uuid(
      'The user the token acts as: its writes record that user as created_by / updated_by, and it is the ' +
        'default owner of the quotes it creates and the approver of what it approves. null: nobody',
    ),
  ),
}

export const Token = Type.Object(
  { ...tokenFields, ...tokenDetails },
  { title: 'Token', description: 'An API token; its secret is never shown again after creation' },
)
export type Token = Type.Static<typeof Token>

export const TokenCreated = Type.Object(
  {
    ...tokenFields,
    token: Type.String({
      description:
        'The secret to send as Authorization: Bearer <token>. Shown in this response only: store it now',
      examples: ['qwoty_3q2-7wEVWmFAe1yQ0fVdXl6Q2b4x1pJtZk0NnS8aHcI'],
    }),
    ...tokenDetails,
  },
  { title: 'TokenCreated' },
)
export type TokenCreated = Type.Static<typeof TokenCreated>

const levelInput = (g: ScopeGroup) =>
  Type.Optional(
    StringEnum(levelsOf(g), {
      description: `Access to ${g.described}: ${said(levelsOf(g))}; omitted is none`,
      examples: ['read'],
    }),
  )

export const TokenCreate = Type.Object(
  {
    name: Text(100, 'Token name; stored trimmed', { examples: ['Zapier integration'] }),
    expires_at: Type.Optional(
      Nullable(
        Type.String({
          format: 'date-time',
          description:
            'When the token stops working, in the future; ISO 8601 with a time zone, kept to the second. ' +
            'Omitted or null, the token never expires (unless the token creating it does)',
          examples: ['2027-01-15T10:30:00Z'],
        }),
      ),
    ),
    permissions: Type.Optional(
      Type.Object(
        Object.fromEntries(SCOPE_GROUPS.map((g) => [g.name, levelInput(g)])) as Record<
          string,
          ReturnType<typeof levelInput>
        >,
        {
          additionalProperties: false,
          description:
            'Qwoty-style permissions, per resource. Give this or scopes, not both; with neither, the new token ' +
            'gets the scopes of the token that creates it',
          examples: [{ customers: 'write', contacts: 'read' }],
        },
      ),
    ),
    scopes: Type.Optional(
      Type.Array(scope, {
        minItems: 1,
        uniqueItems: true,
        description:
          'The scopes to grant, as an alternative to permissions. A token can only grant scopes it holds ' +
          "itself, and only a '*' token can grant '*'",
        examples: [['customers:read', 'contacts:write']],
      }),
    ),
    user_id: Type.Optional(
      Nullable(
        Ref(
          'An active user of the workspace for the token to act as (see the user_id of a token). Naming a ' +
            "user other than the creating token's own needs users:write; null or omitted: nobody",
        ),
      ),
    ),
  },
  { additionalProperties: false },
)
export type TokenCreate = Type.Static<typeof TokenCreate>

export const TokenListQuery = Type.Object({ ...WholeListParams }, { additionalProperties: false })
export type TokenListQuery = Type.Static<typeof TokenListQuery>
