import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { createTestDatabase, dialect, type TestDatabase } from '../../test/helpers.ts'
import { buildApp } from '../app.ts'
import { connect, type Db } from './connect.ts'
import { isRetryableTransactionError } from './dialect.ts'
import { migrateToLatest } from './migrate.ts'

const coded = (code: string) => Object.assign(new Error(code), { code })

describe('isRetryableTransactionError', () => {
  it('names the races a retry may win: serialization failure, deadlock, a busy SQLite', () => {
    for (const code of ['40001', '40P01', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT']) {
      assert.equal(isRetryableTransactionError(coded(code)), true, code)
    }
  })

  it('names nothing else', () => {
    for (const err of [
      coded('23505'),
      coded('23503'),
      coded('SQLITE_CONSTRAINT'),
      new Error('x'),
      null,
      'x',
    ]) {
      assert.equal(isRetryableTransactionError(err), false, String(err))
    }
  })
})

// A transaction that lost a race surfaces wherever it is awaited: wherever that is, the answer is a 503
// the client may retry, never a 500.
describe('a transaction that lost a race, as the API answers it', () => {
  let database: TestDatabase
  let db: Db
  let app: FastifyInstance

  before(async () => {
    database = await createTestDatabase()
    db = connect(database.url)
    await migrateToLatest(db.kysely)
    app = await buildApp({ db, logLevel: 'silent' })
    app.get('/race/:code', async (request) => {
      const { code } = request.params as { code: string }
      // On PostgreSQL the error is the driver's own, raised by the server with that SQLSTATE.
      if (dialect === 'postgres') {
        await sql`do $$ begin raise exception 'lost a race' using errcode = ${sql.lit(code)}; end $$`.execute(
          db.kysely,
        )
      }
      throw coded(code)
    })
    await app.ready()
  })
  after(async () => {
    await app.close()
    await db.close()
    await database.drop()
  })

  for (const code of dialect === 'postgres' ? ['40001', '40P01'] : ['SQLITE_BUSY_SNAPSHOT', '40001']) {
    it(`answers 503 database_unavailable with Retry-After to ${code}`, async () => {
      const res = await app.inject({ method: 'GET', url: `/race/${code}` })
      assert.equal(res.statusCode, 503, res.body)
      assert.equal(res.json().code, 'database_unavailable')
      assert.equal(res.headers['retry-after'], '1')
    })
  }

  it('still answers 500 to an error that is not a race', async () => {
    const res = await app.inject({ method: 'GET', url: '/race/22012' })
    assert.equal(res.statusCode, 500)
  })
})
