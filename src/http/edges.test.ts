import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, it } from 'node:test'
import { buildTenant, useTestApp } from '../../test/helpers.ts'
import { buildApp } from '../app.ts'

let tenant: Awaited<ReturnType<typeof buildTenant>>
let base: string
const t = useTestApp({
  setUp: async ({ app, db }) => {
    tenant = await buildTenant(db)
    base = await app.listen({ host: '127.0.0.1', port: 0 })
  },
})

/** Sends raw bytes on a socket and reads the whole answer: what a client gets before any route runs. */
function raw(request: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(request))
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n')
      resolve({ status: Number(head.split(' ')[1]), headers: head, body })
    })
  })
}

const ENVELOPE_KEYS = ['success', 'error', 'code']

describe('requests no route answers', () => {
  it('answers a method the path does not have with 405 and Allow', async () => {
    for (const [method, url, allow] of [
      ['PUT', '/api/customers', 'GET, HEAD, OPTIONS, POST'],
      ['POST', '/api/customers/0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b', 'DELETE, GET, HEAD, OPTIONS, PATCH'],
      ['GET', '/api/customers/0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b/restore', 'OPTIONS, POST'],
      ['PATCH', '/api/tokens/anything', 'DELETE, OPTIONS'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: tenant.auth, payload: {} })
      assert.equal(res.statusCode, 405, `${method} ${url}`)
      assert.equal(res.headers.allow, allow, `${method} ${url}`)
      assert.deepEqual(Object.keys(res.json()), ENVELOPE_KEYS)
      assert.equal(res.json().code, 'method_not_allowed')
      assert.match(res.json().error, new RegExp(`^${method} is not allowed on `))
    }
  })

  it('answers OPTIONS with Allow when CORS is off', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/api/contacts' })
    assert.equal(res.statusCode, 204)
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS, POST')
  })

  it('answers CORS preflights when CORS is on', async () => {
    const app = await buildApp({ db: t.db, logLevel: 'silent', corsOrigins: ['https://app.example.com'] })
    try {
      const res = await app.inject({
        method: 'OPTIONS',
        url: '/api/contacts/0190a0b0-c0d0-7e8f-9a0b-1c2d3e4f5a6b',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PATCH' },
      })
      assert.equal(res.statusCode, 204)
      assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com')
      assert.match(String(res.headers['access-control-allow-methods']), /PATCH/)
    } finally {
      await app.close()
    }
  })

  it('keeps 404 for a path that does not exist', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/nothing', headers: tenant.auth })
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().code, 'route_not_found')
  })

  it('points GET / to the reference pages', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().docs, '/docs')
    assert.equal(res.json().openapi, '/api/openapi.json')
    assert.match(String(res.headers.link), /<\/docs>; rel="service-doc"/)
  })

  it("answers an unknown method with Quoin's envelope (501), not Fastify's", async () => {
    const res = await raw('FROBNICATE /api/customers HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.equal(res.status, 501)
    assert.deepEqual(Object.keys(JSON.parse(res.body)), ENVELOPE_KEYS)
    assert.equal(JSON.parse(res.body).code, 'not_implemented')
    assert.match(res.headers, /x-request-id: [0-9a-f-]{36}/)
  })

  it("answers oversized headers or URLs with Quoin's envelope (431)", async () => {
    for (const request of [
      `GET /api/customers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /api/customers?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]) {
      const res = await raw(request)
      assert.equal(res.status, 431)
      assert.equal(JSON.parse(res.body).code, 'headers_too_large')
    }
  })

  it("answers a malformed request line with Quoin's envelope (400)", async () => {
    const res = await raw('GET /api/customers HTTP/9\r\n\r\n')
    assert.equal(res.status, 400)
    assert.equal(JSON.parse(res.body).code, 'malformed_request')
  })

  it("answers a malformed URL and a path segment over 1000 characters with Quoin's envelope", async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/api/customers/%zz', headers: tenant.auth })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(Object.keys(bad.json()), ENVELOPE_KEYS)
    assert.equal(bad.json().code, 'malformed_request')
    assert.ok(bad.headers['x-request-id'])
    const long = await t.app.inject({
      method: 'GET',
      url: `/api/customers/${'a'.repeat(1001)}`,
      headers: tenant.auth,
    })
    assert.equal(long.statusCode, 414)
    assert.equal(long.json().code, 'uri_too_long')
  })
})

describe('JSON bodies and their charset', () => {
  const post = (body: Buffer | string, contentType: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: { ...tenant.auth, 'content-type': contentType },
      payload: body,
    })

  it('decodes the charset a body declares', async () => {
    const latin1 = Buffer.from('{"name": "Société Générale", "type": "company"}', 'latin1')
    for (const type of ['application/json; charset=iso-8859-1', 'application/json;charset="ISO-8859-1"']) {
      const res = await post(latin1, type)
      assert.equal(res.statusCode, 201, res.body)
      assert.equal(res.json().data.name, 'Société Générale')
    }
    const utf16 = Buffer.from('{"name": "Crème brûlée SARL", "type": "company"}', 'utf16le')
    const res = await post(utf16, 'application/json; charset=utf-16le')
    assert.equal(res.json().data.name, 'Crème brûlée SARL')
    const utf8 = await post(Buffer.from('{"name": "Société", "type": "company"}'), 'application/json')
    assert.equal(utf8.json().data.name, 'Société')
  })

  it('refuses bytes that are not valid UTF-8 rather than storing replacement characters', async () => {
    const latin1 = Buffer.from('{"name": "Société", "type": "company"}', 'latin1')
    for (const type of ['application/json', 'application/json; charset=utf-8']) {
      const res = await post(latin1, type)
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json(), {
        success: false,
        error: 'Request body is not valid UTF-8',
        code: 'invalid_json',
      })
    }
  })

  it('refuses a charset it cannot decode with 415, saying UTF-8 is expected', async () => {
    const res = await post('{"name": "X", "type": "company"}', 'application/json; charset=klingon')
    assert.equal(res.statusCode, 415)
    assert.equal(res.json().code, 'unsupported_media_type')
    assert.match(res.json().error, /UTF-8/)
  })

  it('refuses a lone surrogate, so both databases hold the same text', async () => {
    for (const name of ['\\ud800', 'x\\udfffy', '\\ud83d']) {
      const res = await post(`{"name": "${name}", "type": "company"}`, 'application/json')
      assert.equal(res.statusCode, 400, name)
      assert.match(res.json().details[0], /surrogate/)
    }
    const pair = await post('{"name": "\\ud83d\\ude00 Smile", "type": "company"}', 'application/json')
    assert.equal(pair.statusCode, 201)
    assert.equal(pair.json().data.name, '😀 Smile')
  })
})

describe('strings in bodies', () => {
  it('are trimmed of spaces and invisible characters; a blank one is blank', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: tenant.auth,
      payload: { name: '\u200b Acme \ufeff', type: ' company ', id_crm: '\u200b', id_erp: ' e-1 ', logo: '' },
    })
    assert.equal(res.statusCode, 201, res.body)
    const { data } = res.json()
    assert.equal(data.name, 'Acme')
    assert.equal(data.type, 'company')
    assert.equal(data.id_crm, null)
    assert.equal(data.id_erp, 'e-1')
    assert.equal(data.logo, null)
    const blank = await t.app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: tenant.auth,
      payload: { name: '\u200b\u200c\u2060', type: 'company' },
    })
    assert.equal(blank.statusCode, 400)
    assert.deepEqual(blank.json().details, ["Field 'name' must not be blank"])
  })
})
