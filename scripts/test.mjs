// Runs every *.test.ts once on SQLite and, when TEST_POSTGRES_URL is set, again on PostgreSQL.
// Files named *.pg.test.ts need a real PostgreSQL and run in the PostgreSQL pass only.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : find(p)
    return e.name.endsWith('.test.ts') ? [p] : []
  })
}

const only = process.argv.slice(2)
const all = (only.length ? only : [...find('src'), ...find('test')]).sort()
const passes = [{ name: 'sqlite', files: all.filter((f) => !f.endsWith('.pg.test.ts')) }]
if (process.env.TEST_POSTGRES_URL) passes.push({ name: 'postgres', files: all })
else console.log('TEST_POSTGRES_URL is not set: the PostgreSQL pass is skipped')

let failed = false
for (const pass of passes) {
  if (!pass.files.length) continue
  console.log(`\n=== ${pass.name}: ${pass.files.length} test files ===`)
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      '--test-timeout=120000',
      '--test-reporter=spec',
      ...pass.files,
    ],
    { stdio: 'inherit', env: { ...process.env, QUOIN_TEST_DB: pass.name } },
  )
  if (res.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
