// Builds dist/ from src/: the JavaScript that bin/quoin.js and `npm start` run. `npm install` runs it
// (the `prepare` script), `npm test` runs it before the tests that start the built command.
//
// One ES module for the entry point, and code splitting, so that what the command line imports lazily (the
// server, the database code, the tax-id rules) stays a chunk of its own that a command which does not need
// it never loads. Packages stay in node_modules, loaded from there, except the few in BUNDLED: ES modules
// made of hundreds of small files (typebox 370, kysely 270, libphonenumber-js 110), which Node resolves,
// reads and links one by one. Bundled, `quoin serve` starts about 0.3 s sooner and `quoin migrate` 0.1 s.
// Nothing else imports them at run time, so no second copy of a class or symbol can meet the bundled one.
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const BUNDLED = new Set(['kysely', 'libphonenumber-js', 'typebox', 'uuid'])

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}dist`

/** Every package import stays an import (of node_modules, at run time), except those of BUNDLED. */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      const name = path.startsWith('@') ? path.split('/', 2).join('/') : path.split('/', 1)[0]
      return BUNDLED.has(name) ? undefined : { path, external: true }
    })
  },
}

rmSync(outdir, { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalPackages],
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
})
