import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { buildTenant, insertCustomer, useTestApp } from './helpers.ts'

describe('around the API', () => {
  const logs: string[] = []
  const stream = new PassThrough()
  stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean)))
  const t = useTestApp({ logStream: stream })

  it('serves an OpenAPI 3.1 document with the bearer scheme and every API route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' })
    assert.equal(res.statusCode, 200)
    const doc = res.json()
    assert.equal(doc.openapi, '3.1.0')
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: 'A workspace API token: Bearer qwoty_…',
    })
    const op = doc.paths['/api/customers/{id}'].get
    assert.deepEqual(op.security, [{ bearer: [] }])
    assert.ok(op.responses['200'] && op.responses['401'] && op.responses['404'] && op.responses['503'])
    assert.deepEqual(doc.paths['/health'].get.security, [])
  })

  it('serves readable reference pages at /docs, with their scripts and the document they render', async () => {
    for (const url of ['/docs/', '/docs']) {
      const res = await t.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.match(String(res.headers['content-type']), /text\/html/)
      assert.match(res.body, /swagger-ui-bundle\.js/)
    }
    const bundle = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' })
    assert.equal(bundle.statusCode, 200)
    assert.match(String(bundle.headers['content-type']), /javascript/)
    assert.ok(bundle.rawPayload.length > 100_000)
    assert.equal(Number(bundle.headers['content-length']), bundle.rawPayload.length)
    const initializer = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
    assert.match(initializer.body, /json/)
    const json = await t.app.inject({ method: 'GET', url: '/docs/json' })
    assert.deepEqual(json.json(), t.app.swagger())
    assert.equal((await t.app.inject({ method: 'GET', url: '/docs/static/nothing.js' })).statusCode, 404)
  })

  it('answers /health and /ready without a token', async () => {
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok' })
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/ready' })).json(), {
      status: 'ready',
      database: 'ok',
    })
  })

  it('answers an unknown route with the error envelope', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nothing-here' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), {
      success: false,
      error: 'No route for GET /api/nothing-here',
      code: 'route_not_found',
    })
    assert.ok(res.headers['x-request-id'])
  })

  it('logs one JSON line per request with id, method, path, status and duration, and never the token', async () => {
    const tenant = await buildTenant(t.db)
    const { id } = await insertCustomer(t.db, tenant.workspaceId)
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/customers/${id}?expand=contacts`,
      headers: tenant.auth,
    })
    await t.app.inject({
      method: 'GET',
      url: `/api/customers/${id}`,
      headers: { authorization: 'Bearer qwoty_wrong_secret' },
    })
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.reqId === res.headers['x-request-id'])
    assert.ok(line, 'a line for the request')
    assert.equal(line.method, 'GET')
    assert.equal(line.path, `/api/customers/${id}`)
    assert.equal(line.status, 200)
    assert.equal(typeof line.duration_ms, 'number')
    const all = logs.join('\n')
    assert.ok(!all.includes(tenant.secret))
    assert.ok(!all.includes('qwoty_wrong_secret'))
    assert.doesNotMatch(all, /authorization/i)
  })

  it('serves through a real socket', async () => {
    const tenant = await buildTenant(t.db)
    const { id } = await insertCustomer(t.db, tenant.workspaceId, { name: 'Socket SA' })
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const res = await fetch(`${address}/api/customers/${id}`, { headers: tenant.auth })
    assert.equal(res.status, 200)
    assert.ok(res.headers.get('x-request-id'))
    const body = await res.json()
    assert.equal(body.data.name, 'Socket SA')
  })
})
