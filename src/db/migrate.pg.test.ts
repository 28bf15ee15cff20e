import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import pg from 'pg'
import { connect } from './connect.ts'
import { migrateToLatest } from './migrate.ts'

describe('migrations on PostgreSQL', () => {
  it("create the search_path's schema when it does not exist yet", async () => {
    const base = process.env.TEST_POSTGRES_URL!
    const schema = `quoin_new_${randomBytes(6).toString('hex')}`
    const url = new URL(base)
    url.searchParams.set('options', `-c search_path=${schema}`)
    const db = connect(url.toString())
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    try {
      const { applied } = await migrateToLatest(db.kysely)
      assert.ok(applied.length > 0)
      const { rows } = await admin.query(
        'select table_name from information_schema.tables where table_schema = $1 order by table_name',
        [schema],
      )
      const tables = rows.map((r: { table_name: string }) => r.table_name)
      for (const table of ['customers', 'workspaces', 'quoin_migrations'])
        assert.ok(tables.includes(table), table)
      assert.deepEqual((await migrateToLatest(db.kysely)).applied, [])
    } finally {
      await db.close()
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.end()
    }
  })
})
