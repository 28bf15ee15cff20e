// Runs every *.test.ts once on SQLite and, when TEST_POSTGRES_URL is set, again on PostgreSQL.
// Files named *.pg.test.ts need a real PostgreSQL and run in the PostgreSQL pass only.
// Tests run the sources (through tsx), except those that start bin/quoin.js as a process, which runs dist/:
// so dist/ is built first, from the sources under test, also when only some files run.
//
// --test-timeout bounds each test, and each file as a whole: a deadline for a hang, not a measure of speed.
// 600 s is far more than any file needs on a quiet two-core machine (the fuzz suite, the longest, covers
// every route and took 280 s on SQLite with six other suites running beside it).
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : find(p)
    return e.name.endsWith('.test.ts') ? [p] : []
  })
}

const build = spawnSync(process.execPath, [fileURLToPath(new URL('build.mjs', import.meta.url))], {
  stdio: 'inherit',
})
if (build.status !== 0) process.exit(1)

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
      '--test-timeout=600000',
      '--test-reporter=spec',
      ...pass.files,
    ],
    { stdio: 'inherit', env: { ...process.env, QUOIN_TEST_DB: pass.name } },
  )
  if (res.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
