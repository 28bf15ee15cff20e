// The floor to compare Quoin with: node:http, the same bearer check (SHA-256 of the secret looked up
// in a Map) and the same JSON body, built from customers held in memory.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Customer } from '../src/resources/customers/schema.ts'
import { announcePort, stopWithParent } from './child.ts'

const { BENCH_CUSTOMERS_FILE, BENCH_TOKEN_HASH, BENCH_WORKSPACE_ID } = process.env
if (!BENCH_CUSTOMERS_FILE || !BENCH_TOKEN_HASH || !BENCH_WORKSPACE_ID) {
  throw new Error('bench/baseline.ts needs BENCH_CUSTOMERS_FILE, BENCH_TOKEN_HASH and BENCH_WORKSPACE_ID')
}

const workspaceByTokenHash = new Map([[BENCH_TOKEN_HASH, BENCH_WORKSPACE_ID]])
const customers = new Map(
  (JSON.parse(readFileSync(BENCH_CUSTOMERS_FILE, 'utf8')) as Customer[]).map((c) => [c.id, c]),
)
const PREFIX = '/api/customers/'

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  })
  res.end(json)
}

const server = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0]!
  if (req.method !== 'GET' || !path.startsWith(PREFIX)) {
    return send(res, 404, {
      success: false,
      error: `No route for ${req.method} ${path}`,
      code: 'route_not_found',
    })
  }
  const secret = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
  const workspaceId = secret && workspaceByTokenHash.get(createHash('sha256').update(secret).digest('hex'))
  if (!workspaceId)
    return send(res, 401, { success: false, error: 'Invalid API token', code: 'invalid_token' })
  const customer = customers.get(path.slice(PREFIX.length).toLowerCase())
  if (!customer || customer.workspace_id !== workspaceId) {
    return send(res, 404, { success: false, error: 'Customer not found', code: 'not_found' })
  }
  send(res, 200, { success: true, data: customer })
})

stopWithParent(() => new Promise((resolve) => server.close(() => resolve())))
server.listen(0, '127.0.0.1', () => announcePort((server.address() as AddressInfo).port))
