import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import {
  buildWorkspace,
  contactRow,
  createTestDatabase,
  dialect,
  insertCustomer,
  type TestDatabase,
} from '../../test/helpers.ts'
import { findCustomer } from '../resources/customers/store.ts'
import { connect, type Db } from './connect.ts'
import { migrateToLatest } from './migrate.ts'

describe('the database handle', () => {
  let database: TestDatabase
  let db: Db
  let workspaceId: string

  before(async () => {
    database = await createTestDatabase()
    db = connect(database.url)
    await migrateToLatest(db.kysely)
    workspaceId = (await buildWorkspace(db)).id
  })
  after(async () => {
    await db.close()
    await database.drop()
  })

  // better-sqlite3 calls a statement with RETURNING a reader, as it calls a SELECT: the write must still
  // move the read cache's epoch, or a cached read later in the same request misses it.
  it('shows a cached read what an UPDATE … RETURNING outside a transaction changed', async () => {
    const { id } = await insertCustomer(db, workspaceId, { name: 'Before' })
    assert.equal((await findCustomer(db.kysely, workspaceId, id))?.value.name, 'Before')
    const rows = await db.kysely
      .updateTable('customers')
      .set({ name: 'After' })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returning('name')
      .execute()
    assert.deepEqual(rows, [{ name: 'After' }])
    assert.equal((await findCustomer(db.kysely, workspaceId, id))?.value.name, 'After')
  })

  // On PostgreSQL records are revalidated by their version, which the stores move with every write of a
  // contact; a contact inserted by hand leaves it, so these two hold for SQLite's epoch only.
  it('shows a cached read what an INSERT … RETURNING outside a transaction added', {
    skip: dialect !== 'sqlite',
  }, async () => {
    const { id } = await insertCustomer(db, workspaceId)
    assert.deepEqual((await findCustomer(db.kysely, workspaceId, id))?.value.contact_ids, [])
    const row = contactRow(workspaceId, id, 0)
    const inserted = await db.kysely.insertInto('contacts').values(row).returning('id').execute()
    assert.deepEqual(inserted, [{ id: row.id }])
    assert.deepEqual((await findCustomer(db.kysely, workspaceId, id))?.value.contact_ids, [row.id])
  })

  it('shows a cached read what a DELETE … RETURNING outside a transaction removed', {
    skip: dialect !== 'sqlite',
  }, async () => {
    const { id, contactIds } = await insertCustomer(db, workspaceId, { contacts: 1 })
    assert.deepEqual((await findCustomer(db.kysely, workspaceId, id))?.value.contact_ids, contactIds)
    await db.kysely.deleteFrom('contacts').where('id', '=', contactIds[0]!).returning('id').execute()
    assert.deepEqual((await findCustomer(db.kysely, workspaceId, id))?.value.contact_ids, [])
  })

  it('shows a cached read what a transaction committed', async () => {
    const { id } = await insertCustomer(db, workspaceId, { name: 'Before' })
    assert.equal((await findCustomer(db.kysely, workspaceId, id))?.value.name, 'Before')
    await db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('customers').set({ name: 'Committed' }).where('id', '=', id).execute()
    })
    assert.equal((await findCustomer(db.kysely, workspaceId, id))?.value.name, 'Committed')
  })

  // A deferred BEGIN takes the write lock only at its first write: in WAL mode, a transaction that read
  // first then fails at once with SQLITE_BUSY_SNAPSHOT if another process committed meanwhile.
  it('holds SQLite’s write lock from the start of every transaction, before it writes anything', {
    skip: dialect !== 'sqlite',
  }, async () => {
    const Driver = (await import('better-sqlite3')).default
    const other = new Driver(database.url.slice('sqlite:'.length))
    other.pragma('busy_timeout = 0')
    try {
      const tryWrite = () => {
        try {
          other.exec('begin immediate')
          other.exec('rollback')
          return 'free'
        } catch (err) {
          return (err as { code?: string }).code
        }
      }
      assert.equal(tryWrite(), 'free')
      const seen = await db.kysely.transaction().execute(async (trx) => {
        await sql`select count(*) from customers`.execute(trx)
        return tryWrite()
      })
      assert.equal(seen, 'SQLITE_BUSY')
      assert.equal(tryWrite(), 'free')
    } finally {
      other.close()
    }
  })
})
