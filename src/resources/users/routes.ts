import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { users } from './resource.ts'
import { USER_READ_ONLY, User, UserCreate, UserListQuery, UserPatch } from './schema.ts'
import { createUser, deleteUser, findUser, listUsers, updateUser } from './store.ts'

const EXTERNAL =
  'External ids are taken as `external_ids` {crm, erp, accounting}, as the read shows them, or as the flat ' +
  '`id_crm`, `id_erp`, `id_accounting` other records take.'

export const userRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, users, {
    path: '/api/users',
    tag: 'Users',
    item: User,
    find: findUser,
    list: {
      summary: 'List users',
      description:
        "The workspace's users (quote owners and approvers), oldest first, a page at a time; `role`, " +
        '`status` and `email` (ignoring case) keep the matching ones. Qwoty shows a user as the owner of ' +
        "its quote read only; these endpoints are Quoin's.",
      query: UserListQuery,
      fetch: listUsers,
    },
    get: { summary: 'Get a user', description: 'Retrieve a specific user by ID' },
    create: {
      summary: 'Create a user',
      description:
        'Creates a user, `active` unless told otherwise. Its email is unique in the workspace, ignoring ' +
        `case: one another user has is a 409 naming that user. ${EXTERNAL} A token may act as an active ` +
        'user (POST /api/tokens with `user_id`): its writes then record that user as created_by / updated_by.',
      errors: ['conflict'],
      body: UserCreate,
      write: createUser,
    },
    update: {
      summary: 'Update a user',
      description: `Changes the fields given; an email another user has is a 409 naming that user. ${EXTERNAL}`,
      errors: ['conflict'],
      body: UserPatch,
      readOnly: USER_READ_ONLY,
      write: updateUser,
    },
    remove: {
      summary: 'Delete a user',
      description:
        'Deletes the user for good. Tokens that acted as it act as nobody from then on; quotes it owned ' +
        'keep the copy of their owner they show, and name no owner id any more.',
      message: 'User deleted successfully',
      write: deleteUser,
    },
  })
}
