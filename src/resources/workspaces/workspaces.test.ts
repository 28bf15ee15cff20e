import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../../../test/helpers.ts'
import { connect, type Db } from '../../db/connect.ts'
import { migrateTo, migrateToLatest } from '../../db/migrate.ts'
import { DEMO_WORKSPACE_ID, loadDemo } from '../../demo.ts'
import { createWorkspace, findWorkspace, updateWorkspace, workspaceSettings } from './store.ts'

let database: TestDatabase
let db: Db

before(async () => {
  database = await createTestDatabase()
  db = connect(database.url)
})
after(async () => {
  await db.close()
  await database.drop()
})

describe('workspace settings', () => {
  it('survive the upgrade: a workspace made before keeps its policy and reads phones as French', async () => {
    await migrateTo(db.kysely, '0003_api_guarantees')
    await db.kysely
      .insertInto('workspaces')
      .values({
        id: '0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b',
        name: 'Old',
        created_at: new Date().toISOString(),
      })
      .execute()
    await migrateToLatest(db.kysely)
    assert.deepEqual(await workspaceSettings(db.kysely, '0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b'), {
      tax_id_validation: 'strict',
      default_country: 'FR',
    })
  })

  it('start lenient with France for a new workspace, and change', async () => {
    const ws = await createWorkspace(db.kysely, { name: 'New' })
    assert.deepEqual(await workspaceSettings(db.kysely, ws.id), {
      tax_id_validation: 'lenient',
      default_country: 'FR',
    })
    assert.ok(await updateWorkspace(db.kysely, ws.id, { taxIdValidation: 'strict', defaultCountry: 'BE' }))
    assert.deepEqual(await workspaceSettings(db.kysely, ws.id), {
      tax_id_validation: 'strict',
      default_country: 'BE',
    })
  })

  it('make the demo workspace lenient, even one made strict before', async () => {
    await loadDemo(db.kysely)
    await updateWorkspace(db.kysely, DEMO_WORKSPACE_ID, { taxIdValidation: 'strict' })
    await loadDemo(db.kysely)
    assert.equal((await findWorkspace(db.kysely, DEMO_WORKSPACE_ID))?.tax_id_validation, 'lenient')
  })
})
