import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { createTestDatabase, type TestDatabase } from '../../test/helpers.ts'
import { buildApp } from '../app.ts'
import { connect, type Db } from '../db/connect.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { segments } from '../resources/segments/resource.ts'
import { defineResource, type Resource } from './resource.ts'
import { routeConfig } from './routes.ts'

/** A resource whose one route declares the config `config(widgets)` gives it. */
function widgets(config: (self: Resource) => object): Resource {
  const self: Resource = defineResource({
    name: 'widgets',
    noun: 'Widget',
    versioned: false,
    softDeleted: false,
    routes: async () => async (app: FastifyInstance) => {
      app.get('/api/widgets', { config: config(self) }, async () => ({ success: true }))
    },
  })
  return self
}

describe('registration: every route belongs to the resource that registers it', () => {
  let database: TestDatabase
  let db: Db
  before(async () => {
    database = await createTestDatabase()
    db = connect(database.url)
    await migrateToLatest(db.kysely)
  })
  after(async () => {
    await db.close()
    await database.drop()
  })

  it('serves a route that declares its own resource, and lists it under that resource', async () => {
    const app = await buildApp({
      db,
      logLevel: 'silent',
      resources: [widgets((self) => routeConfig(self, 'read'))],
    })
    try {
      assert.deepEqual(
        app.routeList.filter((r) => r.scope),
        [{ method: 'GET', url: '/api/widgets', scope: 'widgets:read', resource: 'widgets' }],
      )
    } finally {
      await app.close()
    }
  })

  it("refuses to start when a route declares another resource, or another resource's scope", async () => {
    await assert.rejects(
      buildApp({ db, logLevel: 'silent', resources: [widgets(() => routeConfig(segments, 'read'))] }),
      /GET \/api\/widgets is registered by widgets but declares segments/,
    )
    await assert.rejects(
      buildApp({
        db,
        logLevel: 'silent',
        resources: [widgets((self) => ({ ...routeConfig(self, 'read'), scope: 'segments:read' }))],
      }),
      /GET \/api\/widgets is registered by widgets/,
    )
  })
})
