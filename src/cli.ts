// The quoin command. A start loads only commander and what its command needs: each action imports its
// modules when it runs, so `quoin --version` loads no database driver and `quoin migrate` no HTTP server.
import { Command, CommanderError, Option } from 'commander'
import { ConfigError, loadConfig } from './config.ts'
import type { Db } from './db/connect.ts'
import type { TaxIdValidation } from './db/types.ts'
import { VERSION } from './version.ts'

/** An error whose message is all the user needs: printed on one line, no stack. */
class UsageError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const TAX_ID_VALIDATION = new Option(
  '--tax-id-validation <policy>',
  'lenient (the default for a new workspace): invalid tax ids are stored with a warning; strict: refused',
).choices(['strict', 'lenient'])

/** A --default-country value as stored (upper-case alpha-2), or a usage error. */
async function countryOption(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined
  // The check PATCH /api/workspace/settings makes.
  const { countryCode } = await import('./resources/settings/rules.ts')
  const code = countryCode(value)
  if (code === undefined) {
    throw new UsageError(`--default-country must be an ISO 3166-1 alpha-2 code such as FR, got "${value}"`)
  }
  return code
}

/** Where a run of the command line reads its configuration and writes its output. */
export interface CliIo {
  /** The environment: DATABASE_URL and the rest (see config.ts). */
  env: NodeJS.ProcessEnv
  /** Standard output: what a script reads (plain text, or one JSON document with --json). */
  out: (text: string) => void
  /** Standard error: errors, usage and the first-run banner of `serve`. */
  err: (text: string) => void
  /** Standard input: what `quoin prices import -` reads. */
  input?: NodeJS.ReadableStream
  /** Standard error is a terminal: progress bars are drawn there. */
  tty?: boolean
}

const processIo = (): CliIo => ({
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  input: process.stdin,
  tty: process.stderr.isTTY === true,
})

/** A progress bar on standard error when it is a terminal (never in a script's output); else undefined. */
async function progressBar(io: CliIo, format: string) {
  if (!io.tty) return undefined
  const { default: progress } = await import('cli-progress')
  return new progress.SingleBar(
    { stream: process.stderr, format, hideCursor: true, clearOnComplete: true },
    progress.Presets.shades_classic,
  )
}

function buildCli(io: CliIo): Command {
  const out = (value: unknown) => io.out(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`)

  /** Connects to DATABASE_URL, applies pending migrations, runs `fn` and closes. */
  async function withDb<T>(fn: (db: Db, applied: string[]) => Promise<T>): Promise<T> {
    const databaseUrl = loadConfig(io.env).databaseUrl
    const [{ connect }, { migrateToLatest }] = await Promise.all([
      import('./db/connect.ts'),
      import('./db/migrate.ts'),
    ])
    const db = connect(databaseUrl)
    try {
      const { applied } = await migrateToLatest(db.kysely)
      return await fn(db, applied)
    } finally {
      await db.close()
    }
  }

  const program = new Command('quoin')
    .description("A self-hostable server for Qwoty's public REST API")
    .version(VERSION)
    // Set before the subcommands are added, which inherit both: errors are thrown, not process.exit(),
    // and a usage error is one line on io.err.
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (message, write) =>
        write(`quoin: ${message.trim().replace(/\s*\n\s*/g, ' ')} (run quoin --help for usage)\n`),
    })

  program
    .command('serve')
    .description('apply migrations, then serve the API on HOST:PORT with DATABASE_URL')
    .action(async () => {
      const config = loadConfig(io.env)
      const { serve } = await import('./server.ts')
      await serve(config, (line) => io.err(`${line}\n`))
    })

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const applied = await withDb(async (_db, applied) => applied)
      if (opts.json) out({ applied })
      else
        out(
          applied.length
            ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
            : 'Database is up to date',
        )
    })

  const workspace = program.command('workspace').description('manage workspaces')
  workspace
    .command('create')
    .description('create a workspace and print its id')
    .requiredOption('--name <name>', 'workspace name')
    .addOption(TAX_ID_VALIDATION)
    .option(
      '--default-country <code>',
      'ISO 3166-1 alpha-2 country of national phone numbers (FR by default)',
    )
    .option('--json', 'print {"id": …}')
    .action(
      async (opts: {
        name: string
        taxIdValidation?: TaxIdValidation
        defaultCountry?: string
        json?: boolean
      }) => {
        const name = opts.name.trim()
        if (!name) throw new UsageError('--name must not be empty')
        const defaultCountry = await countryOption(opts.defaultCountry)
        const { createWorkspace } = await import('./resources/workspaces/store.ts')
        const settings = {
          ...(opts.taxIdValidation ? { tax_id_validation: opts.taxIdValidation } : {}),
          ...(defaultCountry ? { default_country: defaultCountry } : {}),
        }
        const ws = await withDb((db) => createWorkspace(db.kysely, { name, settings }))
        out(opts.json ? { id: ws.id } : ws.id)
      },
    )

  workspace
    .command('update')
    .description("change a workspace's settings")
    .argument('<id>', 'workspace id')
    .option('--name <name>', 'new name')
    .addOption(TAX_ID_VALIDATION)
    .option('--default-country <code>', 'ISO 3166-1 alpha-2 country of national phone numbers')
    .option('--json', 'print the workspace as JSON')
    .action(
      async (
        id: string,
        opts: { name?: string; taxIdValidation?: TaxIdValidation; defaultCountry?: string; json?: boolean },
      ) => {
        if (!UUID.test(id)) throw new UsageError(`workspace id must be a UUID, got "${id}"`)
        const name = opts.name?.trim()
        if (name === '') throw new UsageError('--name must not be empty')
        const defaultCountry = await countryOption(opts.defaultCountry)
        if (name === undefined && opts.taxIdValidation === undefined && defaultCountry === undefined) {
          throw new UsageError('nothing to change: give --name, --tax-id-validation or --default-country')
        }
        const workspaceId = id.toLowerCase()
        const { findWorkspace, updateWorkspace } = await import('./resources/workspaces/store.ts')
        const ws = await withDb(async (db) => {
          const changed = await updateWorkspace(db.kysely, workspaceId, {
            ...(name !== undefined ? { name } : {}),
            ...(opts.taxIdValidation ? { taxIdValidation: opts.taxIdValidation } : {}),
            ...(defaultCountry ? { defaultCountry } : {}),
          })
          if (!changed) throw new UsageError(`workspace ${workspaceId} not found`)
          return findWorkspace(db.kysely, workspaceId)
        })
        const shown = {
          id: ws!.id,
          name: ws!.name,
          tax_id_validation: ws!.tax_id_validation,
          default_country: ws!.default_country,
        }
        out(
          opts.json
            ? shown
            : `Workspace ${shown.id} "${shown.name}": tax_id_validation ${shown.tax_id_validation}, default_country ${shown.default_country}`,
        )
      },
    )

  const token = program.command('token').description('manage API tokens')
  token
    .command('create')
    .description('create an API token and print its secret, once')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--name <name>', 'token name')
    .option('--scopes <list>', 'comma-separated scopes such as customers:read,contacts:write', '*')
    .option('--expires <iso>', 'expiry date-time, ISO 8601, in the future')
    .option('--user <id>', 'an active user of the workspace for the token to act as')
    .option('--json', 'print {"id", "token", "scopes", "expires_at", "user_id"}')
    .action(
      async (opts: {
        workspace: string
        name: string
        scopes: string
        expires?: string
        user?: string
        json?: boolean
      }) => {
        if (!UUID.test(opts.workspace))
          throw new UsageError(`--workspace must be a UUID, got "${opts.workspace}"`)
        const name = opts.name.trim()
        if (!name) throw new UsageError('--name must not be empty')
        const { parseScopes } = await import('./domain/tokens.ts')
        const { scopes, invalid } = parseScopes(opts.scopes)
        if (invalid.length) throw new UsageError(`unknown scope(s): ${invalid.join(', ')}`)
        if (!scopes.length) throw new UsageError('--scopes must name at least one scope')
        let expiresAt: string | null = null
        if (opts.expires !== undefined) {
          const t = Date.parse(opts.expires)
          if (!/^\d{4}-\d{2}-\d{2}/.test(opts.expires) || Number.isNaN(t)) {
            throw new UsageError(`--expires must be an ISO 8601 date-time, got "${opts.expires}"`)
          }
          if (t <= Date.now()) throw new UsageError('--expires must be in the future')
          expiresAt = new Date(t).toISOString()
        }
        if (opts.user !== undefined && !UUID.test(opts.user))
          throw new UsageError(`--user must be a UUID, got "${opts.user}"`)
        const workspaceId = opts.workspace.toLowerCase()
        const userId = opts.user?.toLowerCase() ?? null
        const [{ findWorkspace }, { issueToken }, { findActiveUser }] = await Promise.all([
          import('./resources/workspaces/store.ts'),
          import('./resources/tokens/store.ts'),
          import('./resources/users/store.ts'),
        ])
        const created = await withDb(async (db) => {
          if (!(await findWorkspace(db.kysely, workspaceId)))
            throw new UsageError(`workspace ${workspaceId} not found`)
          if (userId !== null && !(await findActiveUser(db.kysely, workspaceId, userId)))
            throw new UsageError(`user ${userId} is not an active user of workspace ${workspaceId}`)
          return issueToken(db.kysely, { workspaceId, name, scopes, expiresAt, userId })
        })
        const expires_at = expiresAt ? `${expiresAt.slice(0, 19)}Z` : null
        if (opts.json)
          out({ id: created.token.id, token: created.secret, scopes, expires_at, user_id: userId })
        else out(created.secret)
      },
    )

  program
    .command('purge')
    .description(
      'remove for good the records deleted longer ago than --older-than, and kept responses older than 24 hours',
    )
    .option(
      '--older-than <age>',
      'age such as 30d, 12h or 0d (everything deleted); by default the restore window of deleted customers',
    )
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { olderThan?: string; json?: boolean }) => {
      const [{ RESTORE_WINDOW_DAYS }, { purgeResources, describeCounts }, { purgeIdempotencyKeys }] =
        await Promise.all([
          import('./resources/customers/store.ts'),
          import('./kernel/purge.ts'),
          import('./http/idempotency.ts'),
        ])
      const olderThan = opts.olderThan ?? `${RESTORE_WINDOW_DAYS}d`
      const match = /^(\d+)([dh])$/.exec(olderThan.trim())
      if (!match) throw new UsageError(`--older-than must look like 30d or 12h, got "${olderThan}"`)
      const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1)
      const before = new Date(Date.now() - hours * 3_600_000)
      const counts = await withDb(async (db) => ({
        ...(await purgeResources(db.kysely, before)),
        idempotency_keys: await purgeIdempotencyKeys(db.kysely),
      }))
      if (opts.json) out(counts)
      else {
        const { idempotency_keys, ...records } = counts
        out(
          `Purged ${describeCounts(records)} deleted before ${before.toISOString()}, and ${idempotency_keys} kept response(s) older than 24 hours`,
        )
      }
    })

  /** A --workspace value as stored, or a usage error. */
  const workspaceOf = (value: string) => {
    if (!UUID.test(value)) throw new UsageError(`--workspace must be a UUID, got "${value}"`)
    return value.toLowerCase()
  }
  const requireWorkspace = async (db: Db, workspaceId: string) => {
    const { findWorkspace } = await import('./resources/workspaces/store.ts')
    if (!(await findWorkspace(db.kysely, workspaceId)))
      throw new UsageError(`workspace ${workspaceId} not found`)
  }

  const prices = program
    .command('prices')
    .description("import and export a workspace's prices as CSV (the file of GET /api/prices/export)")
  prices
    .command('export')
    .description("write a workspace's prices as CSV, oldest first")
    .argument('<file>', 'the file to write; - for standard output')
    .requiredOption('--workspace <id>', 'workspace id')
    .option('--json', 'print {"file", "rows"} (on standard error when the file is standard output)')
    .action(async (file: string, opts: { workspace: string; json?: boolean }) => {
      const workspaceId = workspaceOf(opts.workspace)
      const [{ exportPrices, exportSize }, { createWriteStream }, { pipeline }] = await Promise.all([
        import('./resources/prices/csv.ts'),
        import('node:fs'),
        import('node:stream/promises'),
      ])
      const rows = await withDb(async (db) => {
        await requireWorkspace(db, workspaceId)
        const bar = await progressBar(io, '{bar} {percentage}% | {value}/{total} prices')
        bar?.start((await exportSize(db.kysely, workspaceId, {})).prices, 0)
        let written = 0
        const csv = await exportPrices(db.kysely, workspaceId, {}, () => {
          written++
          bar?.increment()
        })
        try {
          if (file === '-') for await (const chunk of csv) io.out(String(chunk))
          else await pipeline(csv, createWriteStream(file))
        } finally {
          bar?.stop()
        }
        return written
      })
      const summary = opts.json ? JSON.stringify({ file, rows }) : `Exported ${rows} price(s) to ${file}`
      if (file === '-') io.err(`${summary}\n`)
      else out(summary)
    })

  prices
    .command('import')
    .description(
      'apply a price CSV to a workspace, all or nothing: a file with a bad row changes nothing, and every bad row is printed',
    )
    .argument('<file>', 'the file to read; - for standard input')
    .requiredOption('--workspace <id>', 'workspace id')
    .option('--json', 'print {"file", "rows", "updated", "unchanged"}, or {"error", "rows": [bad rows]}')
    .action(async (file: string, opts: { workspace: string; json?: boolean }) => {
      const workspaceId = workspaceOf(opts.workspace)
      const [{ importPrices, InvalidRows, spoolCsv }, { runWrite }, { ApiError }, fs, { Readable }] =
        await Promise.all([
          import('./resources/prices/csv.ts'),
          import('./kernel/write.ts'),
          import('./http/errors.ts'),
          import('node:fs'),
          import('node:stream'),
        ])
      // Standard input is read once: it goes to a temporary file, which the write may read again.
      const upload = file === '-' ? await spoolCsv(Readable.from(io.input ?? process.stdin)) : undefined
      try {
        let size: number
        try {
          size = upload ? upload.bytes : fs.statSync(file).size
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`)
        }
        const open = () => (upload ? upload.open() : fs.createReadStream(file))
        const result = await withDb(async (db) => {
          await requireWorkspace(db, workspaceId)
          const bar = await progressBar(io, '{bar} {percentage}% | {rows} rows')
          bar?.start(size, 0, { rows: 0 })
          try {
            return await runWrite(db.kysely, workspaceId, (w) =>
              importPrices(w, open, ({ bytes, rows }) => bar?.update(bytes, { rows })),
            )
          } finally {
            bar?.stop()
          }
        })
        out(
          opts.json
            ? { file, ...result }
            : `Imported ${file}: ${result.rows} row(s), ${result.updated} price(s) updated, ${result.unchanged} unchanged`,
        )
      } catch (err) {
        if (err instanceof InvalidRows && opts.json) out({ error: err.message, rows: err.rows })
        if (err instanceof ApiError) {
          throw new UsageError(
            [err.message, ...(err.details ?? []).filter((d) => d !== err.message)].join('\n  '),
          )
        }
        throw err
      } finally {
        await upload?.remove()
      }
    })

  const quotesCommand = program.command('quotes').description('quote housekeeping')
  quotesCommand
    .command('expire')
    .description(
      'mark expired every sent or pending_signature quote past its expiration date, of every workspace (quoin serve does it every minute)',
    )
    .option('--json', 'print {"expired": <count>}')
    .action(async (opts: { json?: boolean }) => {
      const { expireQuotes } = await import('./resources/quotes/lifecycle.ts')
      const expired = await withDb((db) => expireQuotes(db.kysely, new Date()))
      out(opts.json ? { expired } : `Expired ${expired} quote(s)`)
    })

  program
    .command('demo')
    .description("load the example of Qwoty's docs (Acme Corporation) and print a token for its workspace")
    .option('--json', 'print {"workspace_id", "token"}')
    .action(async (opts: { json?: boolean }) => {
      const [{ DEMO_CUSTOMER_ID, DEMO_WORKSPACE_ID, loadDemo }, { issueToken }] = await Promise.all([
        import('./demo.ts'),
        import('./resources/tokens/store.ts'),
      ])
      const secret = await withDb(async (db) => {
        await loadDemo(db.kysely)
        const t = await issueToken(db.kysely, {
          workspaceId: DEMO_WORKSPACE_ID,
          name: 'Demo token',
          scopes: ['*'],
        })
        return t.secret
      })
      if (opts.json) {
        out({ workspace_id: DEMO_WORKSPACE_ID, token: secret })
        return
      }
      const { host, port } = loadConfig(io.env)
      out(`Demo workspace ${DEMO_WORKSPACE_ID} is loaded. Its new API token, shown only this once:`)
      out(`  ${secret}`)
      out(
        `Try it: curl http://${host}:${port}/api/customers/${DEMO_CUSTOMER_ID} -H "Authorization: Bearer ${secret}"`,
      )
    })

  return program
}

/**
 * Runs the command line with `args` (what follows `quoin`) and returns its exit status. It never exits the
 * process: tests call it in process, and `main` turns the status into bin/quoin.js's exit code. With `serve`
 * it resolves once the server listens.
 */
export async function run(args: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...processIo(), ...io }
  try {
    await buildCli(full).parseAsync(args, { from: 'user' })
    return 0
  } catch (err) {
    // Commander already said what it had to (usage error, --help, --version).
    if (err instanceof CommanderError) return err.exitCode
    const known =
      err instanceof UsageError ||
      err instanceof ConfigError ||
      (err instanceof Error && err.name === 'DatabaseUrlError')
    const message = err instanceof Error ? err.message : String(err)
    full.err(`quoin: ${known ? message : `error: ${message}`}\n`)
    return 1
  }
}

/** bin/quoin.js: `run` on the process's arguments, its status as the exit code. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv.slice(2))
}
