import { writeFileSync } from 'node:fs'
import { connect } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { seed } from '../bench/seed.ts'
import { writeWrkScript } from '../bench/wrk.ts'
const db = connect('sqlite:/tmp/prof/bench.db')
await migrateToLatest(db.kysely)
const t = await seed(db, 10000)
writeWrkScript('/tmp/prof', t.ids, t.secret)
writeFileSync('/tmp/prof/ok', 'x')
await db.close()
