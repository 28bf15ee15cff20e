#!/usr/bin/env node
// Runs the JavaScript that `npm install` built into dist/ (scripts/build.mjs); tests run the sources.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('quoin: dist/cli.js is missing: run npm install or npm run build\n')
  process.exit(1)
}
const { main } = await import(cli.href)
await main(process.argv)
