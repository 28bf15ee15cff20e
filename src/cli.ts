import { Command, CommanderError, Option } from 'commander'
import { VERSION } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { connect, DatabaseUrlError, type Db } from './db/connect.ts'
import { migrateToLatest } from './db/migrate.ts'
import type { TaxIdValidation } from './db/types.ts'
import { DEMO_CUSTOMER_ID, DEMO_WORKSPACE_ID, loadDemo } from './demo.ts'
import { parseScopes } from './domain/tokens.ts'
import { purgeIdempotencyKeys } from './http/idempotency.ts'
import { purgeDeleted, RESTORE_WINDOW_DAYS } from './resources/customers/store.ts'
import { createToken } from './resources/tokens/store.ts'
import { createWorkspace, findWorkspace, updateWorkspace } from './resources/workspaces/store.ts'
import { serve } from './server.ts'

/** An error whose message is all the user needs: printed on one line, no stack. */
class UsageError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = connect(loadConfig().databaseUrl)
  try {
    await migrateToLatest(db.kysely)
    return await fn(db)
  } finally {
    await db.close()
  }
}

const out = (value: unknown) =>
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`)

export function buildCli(): Command {
  const program = new Command('quoin')
    .description("A self-hostable server for Qwoty's public REST API")
    .version(VERSION)
    .showHelpAfterError('(run quoin --help for usage)')

  program
    .command('serve')
    .description('apply migrations, then serve the API on HOST:PORT with DATABASE_URL')
    .action(async () => {
      await serve(loadConfig())
    })

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const db = connect(loadConfig().databaseUrl)
      try {
        const { applied } = await migrateToLatest(db.kysely)
        if (opts.json) out({ applied })
        else
          out(
            applied.length
              ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
              : 'Database is up to date',
          )
      } finally {
        await db.close()
      }
    })

  const workspace = program.command('workspace').description('manage workspaces')
  workspace
    .command('create')
    .description('create a workspace and print its id')
    .requiredOption('--name <name>', 'workspace name')
    .option('--json', 'print {"id": …}')
    .action(async (opts: { name: string; json?: boolean }) => {
      const name = opts.name.trim()
      if (!name) throw new UsageError('--name must not be empty')
      const ws = await withDb((db) => createWorkspace(db.kysely, { name }))
      out(opts.json ? { id: ws.id } : ws.id)
    })

  workspace
    .command('update')
    .description("change a workspace's settings")
    .argument('<id>', 'workspace id')
    .option('--name <name>', 'new name')
    .addOption(
      new Option(
        '--tax-id-validation <policy>',
        'strict: invalid tax ids are refused; lenient: stored with a warning',
      ).choices(['strict', 'lenient']),
    )
    .option('--json', 'print the workspace as JSON')
    .action(
      async (id: string, opts: { name?: string; taxIdValidation?: TaxIdValidation; json?: boolean }) => {
        if (!UUID.test(id)) throw new UsageError(`workspace id must be a UUID, got "${id}"`)
        const name = opts.name?.trim()
        if (name === '') throw new UsageError('--name must not be empty')
        if (name === undefined && opts.taxIdValidation === undefined) {
          throw new UsageError('nothing to change: give --name or --tax-id-validation')
        }
        const workspaceId = id.toLowerCase()
        const ws = await withDb(async (db) => {
          const changed = await updateWorkspace(db.kysely, workspaceId, {
            ...(name !== undefined ? { name } : {}),
            ...(opts.taxIdValidation ? { taxIdValidation: opts.taxIdValidation } : {}),
          })
          if (!changed) throw new UsageError(`workspace ${workspaceId} not found`)
          return findWorkspace(db.kysely, workspaceId)
        })
        const shown = { id: ws!.id, name: ws!.name, tax_id_validation: ws!.tax_id_validation }
        out(
          opts.json
            ? shown
            : `Workspace ${shown.id} "${shown.name}": tax_id_validation ${shown.tax_id_validation}`,
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
    .option('--json', 'print {"id", "token", "scopes", "expires_at"}')
    .action(
      async (opts: { workspace: string; name: string; scopes: string; expires?: string; json?: boolean }) => {
        if (!UUID.test(opts.workspace))
          throw new UsageError(`--workspace must be a UUID, got "${opts.workspace}"`)
        const name = opts.name.trim()
        if (!name) throw new UsageError('--name must not be empty')
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
        const workspaceId = opts.workspace.toLowerCase()
        const created = await withDb(async (db) => {
          if (!(await findWorkspace(db.kysely, workspaceId)))
            throw new UsageError(`workspace ${workspaceId} not found`)
          return createToken(db.kysely, { workspaceId, name, scopes, expiresAt })
        })
        const expires_at = expiresAt ? `${expiresAt.slice(0, 19)}Z` : null
        if (opts.json) out({ id: created.row.id, token: created.secret, scopes, expires_at })
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
      'age such as 30d, 12h or 0d (everything deleted)',
      `${RESTORE_WINDOW_DAYS}d`,
    )
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { olderThan: string; json?: boolean }) => {
      const match = /^(\d+)([dh])$/.exec(opts.olderThan.trim())
      if (!match) throw new UsageError(`--older-than must look like 30d or 12h, got "${opts.olderThan}"`)
      const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1)
      const before = new Date(Date.now() - hours * 3_600_000)
      const counts = await withDb(async (db) => ({
        ...(await purgeDeleted(db.kysely, before)),
        idempotency_keys: await purgeIdempotencyKeys(db.kysely),
      }))
      if (opts.json) out(counts)
      else {
        out(
          `Purged ${counts.customers} customer(s), ${counts.contacts} contact(s) and ${counts.addresses} address(es) deleted before ${before.toISOString()}, and ${counts.idempotency_keys} kept response(s) older than 24 hours`,
        )
      }
    })

  program
    .command('demo')
    .description("load the example of Qwoty's docs (Acme Corporation) and print a token for its workspace")
    .option('--json', 'print {"workspace_id", "token"}')
    .action(async (opts: { json?: boolean }) => {
      const secret = await withDb(async (db) => {
        await loadDemo(db.kysely)
        const t = await createToken(db.kysely, {
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
      const { host, port } = loadConfig()
      out(`Demo workspace ${DEMO_WORKSPACE_ID} is loaded. Its new API token, shown only this once:`)
      out(`  ${secret}`)
      out(
        `Try it: curl http://${host}:${port}/api/customers/${DEMO_CUSTOMER_ID} -H "Authorization: Bearer ${secret}"`,
      )
    })

  return program
}

export async function main(argv: string[]): Promise<void> {
  const program = buildCli()
  program.exitOverride()
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode
      return
    }
    const known = err instanceof UsageError || err instanceof ConfigError || err instanceof DatabaseUrlError
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`quoin: ${known ? message : `error: ${message}`}\n`)
    process.exitCode = 1
  }
}
