// `npm run bench:scale`: how lists answer with one workspace of 1,000,000 customers on SQLite. Everything on
// 127.0.0.1. The database is built once into bench/.data (ignored by git) and reused by later runs.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { connect } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { customerSearchTax, customerSearchText, fold } from '../src/db/search.ts'
import { normalizeTaxValue } from '../src/domain/tax-ids.ts'
import { createToken } from '../src/resources/tokens/store.ts'
import { createWorkspace } from '../src/resources/workspaces/store.ts'
import { startServer, stop } from './processes.ts'

const N = Number(process.env.BENCH_SCALE_N ?? 1_000_000)
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 20)
const WARMUP = 3
const DIR = process.env.BENCH_SCALE_DIR ?? fileURLToPath(new URL('.data', import.meta.url))
// Bumped whenever what build() writes changes: a database built by another version is built again.
const DATA_VERSION = 1
const PAGE = 100
/** The page measured deep in the list: the 10,000th of 100 rows, or the last one of a smaller list. */
const DEEP_PAGE = Math.max(1, Math.min(10_000, Math.floor(N / PAGE)))

if (!Number.isInteger(N) || N < 1000) throw new Error('BENCH_SCALE_N must be an integer of at least 1000')

interface Meta {
  version: number
  n: number
  workspaceId: string
  token: string
  /** A tax value some customer holds, written as a user would type it. */
  taxValue: string
  /** The external CRM id of one customer: a search with exactly one match. */
  idCrm: string
}

// A small deterministic generator (mulberry32): every build writes the same names.
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PREFIXES = [
  'Société',
  'Groupe',
  'Boulangerie',
  'Café',
  'Atelier',
  'Établissements',
  'Cabinet',
  'Pharmacie',
  'Garage',
  'Hôtel',
  'Librairie',
  'Maison',
  'Transports',
  'Menuiserie',
  'Fromagerie',
  'Brasserie',
  'Agence',
  'Studio',
  'Imprimerie',
  'Boucherie',
]
const SUFFIXES = ['', '', '', '', ' & Fils', ' SARL', ' SAS', ' et Associés', ' Frères']
const FOREIGN = [' GmbH', ' S.L.', ' Ltd', ' B.V.', ' S.p.A.', ' AB']
const SURNAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'Garcia',
  'Bertrand',
  'Roux',
  'Vincent',
  'Fournier',
  'Girard',
  'André',
  'Mercier',
  'Dupont',
  'Lambert',
  'Bonnet',
  'François',
  'Martínez',
  'Müller',
  'Núñez',
  'Gonçalves',
  'Béranger',
  'Crémieux',
  'Delacroix',
  'Ébrard',
  'Günther',
  'Château',
  'Lemaître',
  'Benoît',
  'Jörgensen',
  'Kowalczyk',
]
const FIRST_NAMES = [
  'Élodie',
  'Hélène',
  'Jérôme',
  'Françoise',
  'Zoé',
  'Agnès',
  'Loïc',
  'Mélanie',
  'Noël',
  'Inès',
  'Chloé',
  'Gaël',
  'Björn',
  'Søren',
  'José',
  'Anaïs',
  'Camille',
  'Lucas',
  'Marie',
  'Pierre',
  'Sophie',
  'Julien',
  'Emma',
  'Hugo',
]

function nameOf(next: () => number, individual: boolean): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
  if (individual) return `${pick(FIRST_NAMES)} ${pick(SURNAMES)}`
  if (next() < 0.1) return `${pick(SURNAMES)}${pick(FOREIGN)}`
  return `${pick(PREFIXES)} ${pick(SURNAMES)}${pick(SUFFIXES)}`
}

const siren = (i: number) => String(100_000_000 + i)
const taxValueOf = (i: number) => `FR${String(i % 97).padStart(2, '0')}${siren(i)}`
const idCrmOf = (i: number) => `CRM-${String(i).padStart(7, '0')}`

/** Builds the database at `path`: migrated by Quoin, then filled with raw prepared statements. */
async function build(path: string): Promise<Meta> {
  const db = connect(`sqlite:${path}`)
  await migrateToLatest(db.kysely)
  const workspace = await createWorkspace(db.kysely, { name: 'Scale' })
  const { secret } = await createToken(db.kysely, { workspaceId: workspace.id, name: 'scale', scopes: ['*'] })
  await db.close()

  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = OFF')
  const customer = sqlite.prepare(
    `insert into customers (id, workspace_id, name, type, segment_id, logo, id_crm, id_erp, id_accounting,
      created_at, updated_at, search_text, search_tax)
     values (?, ?, ?, ?, null, null, ?, null, ?, ?, ?, ?, ?)`,
  )
  const taxId = sqlite.prepare(
    `insert into customer_tax_ids (workspace_id, customer_id, position, tax, tax_value, tax_value_norm)
     values (?, ?, 0, 'VAT', ?, ?)`,
  )
  const next = random(42)
  const start = Date.parse('2024-01-01T00:00:00.000Z')
  const batch = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = uuidv7()
      const individual = next() < 0.25
      const name = nameOf(next, individual)
      const at = new Date(start + i * 1000).toISOString()
      const tax = taxValueOf(i)
      const fields = { name, id_crm: idCrmOf(i), id_accounting: `ACC-${i}` }
      customer.run(
        id,
        workspace.id,
        name,
        individual ? 'individual' : 'company',
        fields.id_crm,
        fields.id_accounting,
        at,
        at,
        customerSearchText(fields),
        customerSearchTax([tax]),
      )
      taxId.run(workspace.id, id, tax, normalizeTaxValue(tax))
    }
  })
  const t0 = performance.now()
  const STEP = 10_000
  for (let from = 0; from < N; from += STEP) {
    batch(from, Math.min(N, from + STEP))
    if ((from / STEP) % 10 === 9) {
      const s = ((performance.now() - t0) / 1000).toFixed(0)
      process.stderr.write(`  ${(from + STEP).toLocaleString('en')} customers (${s} s)\n`)
    }
  }
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  sqlite.close()
  const middle = Math.floor(N / 2)
  return {
    version: DATA_VERSION,
    n: N,
    workspaceId: workspace.id,
    token: secret,
    taxValue: taxValueOf(middle).replace(/^(FR)(\d\d)(\d{3})(\d{3})/, '$1 $2 $3 $4 '),
    idCrm: idCrmOf(middle + 1),
  }
}

/** The database for N customers, built unless a complete one is there already. */
async function database(): Promise<{ path: string; meta: Meta }> {
  mkdirSync(DIR, { recursive: true })
  const path = join(DIR, `scale-${N}.db`)
  const metaPath = `${path}.json`
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta
    if (meta.version === DATA_VERSION && meta.n === N) {
      console.log(`Reusing ${path} (${N.toLocaleString('en')} customers)`)
      return { path, meta }
    }
  }
  const partial = `${path}.building`
  for (const p of [path, metaPath, partial, `${partial}-wal`, `${partial}-shm`]) rmSync(p, { force: true })
  console.log(`Building ${path} with ${N.toLocaleString('en')} customers (once; later runs reuse it)`)
  const t0 = performance.now()
  const meta = await build(partial)
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true })
  renameSync(partial, path)
  writeFileSync(metaPath, JSON.stringify(meta))
  const mb = statSync(path).size / 1e6
  console.log(`Built in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${mb.toFixed(0)} MB`)
  return { path, meta }
}

interface Answer {
  ms: number
  data: { id: string }[]
  next_cursor: string | null
}

async function get(port: number, token: string, path: string): Promise<Answer> {
  const t0 = performance.now()
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const text = await res.text()
  const ms = performance.now() - t0
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`)
  const body = JSON.parse(text) as { data: { id: string }[]; next_cursor: string | null }
  return { ms, data: body.data, next_cursor: body.next_cursor }
}

/**
 * The cursor of page DEEP_PAGE of `?limit=100`: the API's own next_cursor, walked to once per run with
 * pages of 1,000 (then of 100), so whatever the cursor holds is what the API puts in it.
 */
async function deepCursor(port: number, token: string): Promise<string | null> {
  const target = (DEEP_PAGE - 1) * PAGE
  let cursor: string | null = null
  let at = 0
  const t0 = performance.now()
  while (at < target) {
    const limit = target - at >= 1000 ? 1000 : PAGE
    const page = await get(port, token, `/api/customers?limit=${limit}${cursorParam(cursor)}`)
    if (!page.next_cursor) throw new Error(`the list ended after ${at + page.data.length} customers`)
    cursor = page.next_cursor
    at += limit
  }
  const s = ((performance.now() - t0) / 1000).toFixed(0)
  console.log(`Walked to row ${target.toLocaleString('en')} through next_cursor in ${s} s`)
  return cursor
}

const cursorParam = (cursor: string | null) => (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '')

interface Case {
  name: string
  path: string
  /** Rows the page must hold: a bench that measures a wrong answer measures nothing. */
  rows: number
  target: string
  met?: (median: number, first: number) => boolean
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function measure(port: number, token: string, c: Case): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await get(port, token, c.path)
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const answer = await get(port, token, c.path)
    if (answer.data.length !== c.rows) {
      throw new Error(`${c.name}: ${answer.data.length} rows, expected ${c.rows} (GET ${c.path})`)
    }
    times.push(answer.ms)
  }
  return times
}

/** How many customers hold `q`, counted by a scan of the file, as search must find them. */
function counted(path: string, q: string): number {
  const sqlite = new Database(path, { readonly: true })
  try {
    const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    const tax = fold(normalizeTaxValue(q))
    const row = sqlite
      .prepare(
        `select count(*) as n from customers where deleted_at is null and (search_text like ? escape '\\'
          or (? <> '' and search_tax like ? escape '\\'))`,
      )
      .get(like(fold(q)), tax, like(tax)) as { n: number }
    return row.n
  } finally {
    sqlite.close()
  }
}

const { path, meta } = await database()
const searches = ['nomatchxyz', 'societe', 'societe muller', meta.idCrm.toLowerCase()]
const matching = new Map(searches.map((q) => [q, counted(path, q)]))
const { child, port } = await startServer('server.ts', {
  ...process.env,
  DATABASE_URL: `sqlite:${path}`,
  HOST: '127.0.0.1',
  REDIS_URL: '',
})
try {
  const deep = await deepCursor(port, meta.token)
  const lastRows = Math.min(PAGE, N - (DEEP_PAGE - 1) * PAGE)
  const cases: Case[] = [
    { name: 'first page (limit=100)', path: `/api/customers?limit=${PAGE}`, rows: PAGE, target: 'reference' },
    {
      name: `page ${DEEP_PAGE.toLocaleString('en')} (limit=100)`,
      path: `/api/customers?limit=${PAGE}${cursorParam(deep)}`,
      rows: lastRows,
      target: '<= 1.2 x first page',
      met: (m, first) => m <= 1.2 * first,
    },
    ...searches.map((q) => {
      const n = matching.get(q)!
      return {
        name: `search, ${n.toLocaleString('en')} ${n === 1 ? 'match' : 'matches'} (q=${q})`,
        path: `/api/customers?q=${encodeURIComponent(q)}`,
        rows: Math.min(PAGE, n),
        target: '<= 50 ms',
        met: (m: number) => m <= 50,
      }
    }),
    {
      name: 'tax id lookup (tax_value=…)',
      path: `/api/customers?tax_value=${encodeURIComponent(meta.taxValue)}`,
      rows: 1,
      target: '<= 50 ms',
      met: (m) => m <= 50,
    },
    {
      name: 'external id lookup (id_crm=…)',
      path: `/api/customers?id_crm=${encodeURIComponent(meta.idCrm)}`,
      rows: 1,
      target: '<= 50 ms',
      met: (m) => m <= 50,
    },
  ]
  const results: { c: Case; times: number[] }[] = []
  for (const c of cases) results.push({ c, times: await measure(port, meta.token, c) })
  const first = median(results[0]!.times)
  const fmt = (ms: number) => ms.toFixed(1)
  const table = results.map(({ c, times }) => {
    const m = median(times)
    return {
      request: c.name,
      'median ms': fmt(m),
      'min ms': fmt(Math.min(...times)),
      'max ms': fmt(Math.max(...times)),
      target: c.target,
      '': c.met ? (c.met(m, first) ? 'MET' : 'MISSED') : '',
    }
  })
  console.log(
    `\n${N.toLocaleString('en')} customers in one workspace, SQLite; median of ${RUNS} requests after ${WARMUP} warm-up, one at a time`,
  )
  console.table(table)
} finally {
  await stop(child)
}
