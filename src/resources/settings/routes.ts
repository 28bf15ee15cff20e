import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { notFound } from '../../http/errors.ts'
import { acceptReadOnly } from '../../http/read-only.ts'
import { errors, Success } from '../../http/schemas.ts'
import { BODY_ERRORS, routeConfig } from '../../kernel/routes.ts'
import { answerWrite, etagOf } from '../../kernel/write.ts'
import { settings } from './resource.ts'
import { SETTINGS_READ_ONLY, Settings, SettingsPatch } from './schema.ts'
import { findSettings, updateSettings } from './store.ts'

const PATH = '/api/workspace/settings'
const TAG = 'Workspace settings'

// One record per workspace, the token's: no id in the path, so another workspace's settings cannot even be
// named. The ETag is the settings' version, for If-Match; GET answers no 304, since next_quote_number moves
// without it.

export const settingsRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  const load = async (d: Kysely<Database>, workspaceId: string) => {
    const found = await findSettings(d, workspaceId)
    if (!found) throw notFound(settings.noun)
    return found
  }

  app.get(
    PATH,
    {
      config: routeConfig(settings, 'read', { etag: true }),
      schema: {
        tags: [TAG],
        summary: "Get the workspace's settings",
        description:
          "The settings of the token's workspace: how quotes and orders are numbered, how long a new quote " +
          'is valid, how tax ids and phone numbers are checked, and the number the next quote would get. ' +
          "Qwoty sets these in its UI (Settings → Workspace → Quote) and documents no endpoint; this is Quoin's.",
        response: { 200: Success(Settings), ...errors('unknown_parameter', 'invalid_token') },
      },
    },
    async (request, reply) => {
      const record = await load(db, request.auth.workspaceId)
      reply.header('etag', etagOf(record.version))
      return { success: true, data: record.value }
    },
  )

  app.patch(
    PATH,
    {
      config: routeConfig(settings, 'write', { etag: true, ifMatch: true }),
      schema: {
        tags: [TAG],
        summary: "Update the workspace's settings",
        description:
          'Changes the fields given and leaves the others as they are. Patterns are checked as numbers are ' +
          'made (one counter, known variables, balanced braces, no spaces), and a quote_number_reset other ' +
          'than never needs a quote_number_pattern that shows its period; every wrong field is named at once ' +
          '(400). A new pattern applies to the records created after it: numbers already given stay, and one ' +
          'the new pattern would give again is skipped. `id` and `next_quote_number` may be sent back as a ' +
          'GET gave them. Send If-Match with the ETag of a GET to change nothing that moved meanwhile (412).',
        body: SettingsPatch,
        response: { 200: Success(Settings), ...errors(...BODY_ERRORS, 'invalid_token') },
      },
    },
    async (request, reply) => {
      const { workspaceId } = request.auth
      const { next_quote_number: _preview, ...body } = request.body as SettingsPatch & { id?: unknown }
      const patch = await acceptReadOnly(
        body,
        SETTINGS_READ_ONLY,
        async () => (await load(db, workspaceId)).value,
      )
      return answerWrite(db, request, reply, { resource: settings, id: workspaceId }, async (w, locked) => {
        if (!locked || !(await updateSettings(w, patch))) throw notFound(settings.noun)
        const record = await load(w.trx, workspaceId)
        // A PATCH that changed nothing leaves the version its lock found, and records no event.
        if (record.version !== locked.version) w.emit(settings, 'updated', workspaceId, record.value)
        return { body: { success: true, data: record.value }, version: record.version }
      })
    },
  )
}
