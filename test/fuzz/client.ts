import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'

export type Body = { json: unknown } | { raw: string; contentType: string }

export interface FuzzRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: Body
}

export interface FuzzResponse {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  text: string
  /** Still 429 after waiting as told: rate limiting is on, and the request counts as allowed. */
  rateLimited: boolean
}

const MAX_WAIT_MS = 1500

/** Sends a request; a 429 is retried once after its Retry-After when that is short. */
export async function send(app: FastifyInstance, req: FuzzRequest): Promise<FuzzResponse> {
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { ...req.headers }
    let payload: string | undefined
    if (req.body && 'json' in req.body) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(req.body.json)
    } else if (req.body) {
      headers['content-type'] = req.body.contentType
      payload = req.body.raw
    }
    const res = await app.inject({
      method: req.method as 'GET',
      url: req.url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    })
    if (res.statusCode === 429) {
      const wait = Number(res.headers['retry-after'] ?? 1) * 1000
      if (attempt === 0 && wait <= MAX_WAIT_MS) {
        await sleep(wait)
        continue
      }
      return { status: 429, headers: res.headers, text: res.body, rateLimited: true }
    }
    return { status: res.statusCode, headers: res.headers, text: res.body, rateLimited: false }
  }
}

const clip = (s: string, n = 1500) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s)

/** The request as a reader can replay it, with the token shortened. */
export function describeRequest(req: FuzzRequest): string {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) =>
      k.toLowerCase() === 'authorization' ? [k, v.replace(/^(Bearer \S{10})\S+/, '$1…')] : [k, v],
    ),
  )
  const lines = [`${req.method} ${req.url}`, `headers: ${JSON.stringify(headers)}`]
  if (req.body && 'json' in req.body) lines.push(`body: ${clip(JSON.stringify(req.body.json))}`)
  else if (req.body) lines.push(`body (${req.body.contentType}): ${clip(JSON.stringify(req.body.raw))}`)
  return lines.join('\n    ')
}

export function describeResponse(res: FuzzResponse): string {
  return `${res.status} ${clip(res.text, 2000)}`
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
