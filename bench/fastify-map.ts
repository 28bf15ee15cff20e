// A reference between Quoin and the baseline: Fastify itself, with the same bearer check (SHA-256 of
// the secret looked up in a Map) and the customer from a Map, serialised by Fastify's default
// serializer. What a read-cache hit could cost at best on Fastify.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { Customer } from '../src/resources/customers/schema.ts'
import { announcePort, stopWithParent } from './child.ts'

const { BENCH_CUSTOMERS_FILE, BENCH_TOKEN_HASH, BENCH_WORKSPACE_ID } = process.env
if (!BENCH_CUSTOMERS_FILE || !BENCH_TOKEN_HASH || !BENCH_WORKSPACE_ID) {
  throw new Error('bench/fastify-map.ts needs BENCH_CUSTOMERS_FILE, BENCH_TOKEN_HASH and BENCH_WORKSPACE_ID')
}

const workspaceByTokenHash = new Map([[BENCH_TOKEN_HASH, BENCH_WORKSPACE_ID]])
const customers = new Map(
  (JSON.parse(readFileSync(BENCH_CUSTOMERS_FILE, 'utf8')) as Customer[]).map((c) => [c.id, c]),
)

const app = Fastify()
app.get<{ Params: { id: string } }>('/api/customers/:id', async (request, reply) => {
  const secret = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1]
  const workspaceId = secret && workspaceByTokenHash.get(createHash('sha256').update(secret).digest('hex'))
  if (!workspaceId) {
    return reply.status(401).send({ success: false, error: 'Invalid API token', code: 'invalid_token' })
  }
  const customer = customers.get(request.params.id.toLowerCase())
  if (!customer || customer.workspace_id !== workspaceId) {
    return reply.status(404).send({ success: false, error: 'Customer not found', code: 'not_found' })
  }
  return { success: true, data: customer }
})

stopWithParent(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
announcePort((app.server.address() as AddressInfo).port)
