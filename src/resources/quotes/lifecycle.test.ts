import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { buildToken, useTestApp } from '../../../test/helpers.ts'
import { buildQuoteWorld, type QuoteWorld } from '../../../test/quote-world.ts'
import { runWrite } from '../../kernel/write.ts'
import { expireQuote, expireQuotes } from './lifecycle.ts'

const HISTORY_KEYS = ['id', 'action', 'from', 'to', 'user_id', 'token_id', 'comment', 'at']
const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const NOT_FOUND = { success: false, error: 'Quote not found', code: 'not_found' }

describe('POST /api/quotes/{id}/{action}: requests', () => {
  const t = useTestApp()
  let w: QuoteWorld

  before(async () => {
    w = await buildQuoteWorld(t)
  })

  it('answers the whole quote read with its new ETag, and records the event', async () => {
    const quote = await w.buildQuote()
    const res = await w.act(quote.id, 'submit')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.deepEqual(Object.keys(body), ['success', 'data'])
    const read = await w.a.get(`/api/quotes/${quote.id}`)
    assert.deepEqual(body.data, read.json().data)
    assert.equal(res.headers.etag, read.headers.etag)
    assert.equal(body.data.status, 'approved')
    assert.equal(body.data.updated_by, w.tenant.id)
    const events = (await w.a.get(`/api/events?record_id=${quote.id}`)).json().data
    assert.deepEqual(events.at(-1).data, body.data)
    assert.equal(events.at(-1).type, 'quote.submitted')
  })

  it('takes a body or none, and refuses unknown fields and a comment over 2000 characters', async () => {
    const quote = await w.buildQuote()
    const none = await t.app.inject({
      method: 'POST',
      url: `/api/quotes/${quote.id}/cancel`,
      headers: w.tenant.auth,
    })
    assert.equal(none.statusCode, 200, none.body)
    const other = await w.buildQuote()
    const bad = await w.act(other.id, 'publish', { signature: true, comment: 'x'.repeat(2001) })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(bad.json().details, [
      "Field 'signature' is not allowed",
      "Field 'comment' must be at most 2000 characters",
    ])
    const typed = await w.act(other.id, 'publish', { signature_required: 'yes' })
    assert.deepEqual(typed.json().details, ["Field 'signature_required' must be of type boolean"])
    const wrong = await w.act(other.id, 'submit', { signature_required: true })
    assert.deepEqual(wrong.json().details, ["Field 'signature_required' is not allowed"])
    assert.equal((await w.a.get(`/api/quotes/${other.id}`)).json().data.status, 'draft')
  })

  it('publishes to pending_signature when a signature is asked for, and accepts from there', async () => {
    const quote = await w.buildQuote()
    const published = await w.done(quote.id, 'publish', { signature_required: true })
    assert.deepEqual([published.status, published.publish], ['pending_signature', true])
    assert.deepEqual(await w.events(quote.id), ['quote.created', 'quote.sent'])
    assert.equal((await w.done(quote.id, 'accept')).status, 'accepted')
  })

  it('keeps publish true once published, whatever comes next; never for a quote canceled as a draft', async () => {
    const declined = await w.buildQuote()
    await w.done(declined.id, 'publish')
    assert.equal((await w.done(declined.id, 'decline')).publish, true)
    const canceled = await w.buildQuote()
    assert.equal((await w.done(canceled.id, 'cancel')).publish, false)
  })

  it('writes only under a matching If-Match: a stale one is a 412 that changes nothing', async () => {
    const quote = await w.buildQuote()
    const read = await w.a.get(`/api/quotes/${quote.id}`)
    const etag = read.headers.etag as string
    await w.a.patch(`/api/quotes/${quote.id}`, { title: 'Moved on' })
    const stale = await w.act(quote.id, 'submit', {}, { ...w.tenant.auth, 'if-match': etag })
    assert.equal(stale.statusCode, 412, stale.body)
    assert.equal((await w.a.get(`/api/quotes/${quote.id}`)).json().data.status, 'draft')
    const current = (await w.a.get(`/api/quotes/${quote.id}`)).headers.etag as string
    const ok = await w.act(quote.id, 'submit', {}, { ...w.tenant.auth, 'if-match': current })
    assert.equal(ok.statusCode, 200, ok.body)
  })

  it('replays an action sent again with the same Idempotency-Key instead of refusing it', async () => {
    const quote = await w.buildQuote()
    const headers = { ...w.tenant.auth, 'idempotency-key': `publish-${quote.id}` }
    const first = await w.act(quote.id, 'publish', {}, headers)
    const again = await w.act(quote.id, 'publish', {}, headers)
    assert.equal(again.statusCode, 200)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.body, first.body)
  })

  it("answers 404 to an unknown id, a non-UUID and another workspace's quote, leaving it", async () => {
    const quote = await w.buildQuote()
    const other = await buildQuoteWorld(t)
    for (const url of [
      `/api/quotes/${uuidv7()}/submit`,
      '/api/quotes/nope/submit',
      `/api/quotes/${quote.id}/cancel`,
    ]) {
      const res = await other.a.post(url, {})
      assert.deepEqual(res.json(), NOT_FOUND, url)
    }
    assert.equal((await w.a.get(`/api/quotes/${quote.id}`)).json().data.status, 'draft')
  })

  it('answers 401 without a token and 403 without quotes:write', async () => {
    const quote = await w.buildQuote()
    assert.equal((await w.act(quote.id, 'submit', {}, {})).statusCode, 401)
    const reader = await buildToken(t.db, w.tenant.workspaceId, ['quotes:read'])
    const res = await w.act(quote.id, 'submit', {}, reader.auth)
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().code, 'insufficient_scope')
  })
})

describe('GET /api/quotes/{id}/history', () => {
  const t = useTestApp()
  let w: QuoteWorld

  before(async () => {
    w = await buildQuoteWorld(t)
  })

  it('lists every change of status oldest first: who, when, from, to, with the comment', async () => {
    const quote = await w.buildQuote({}, {})
    await w.done(quote.id, 'publish', { comment: 'Off it goes' }, w.rep.auth)
    await w.done(quote.id, 'decline', { comment: 'Too expensive' })
    const res = await w.a.get(`/api/quotes/${quote.id}/history`)
    assert.equal(res.statusCode, 200)
    assert.deepEqual(Object.keys(res.json()), ['success', 'data'])
    const history = res.json().data
    for (const h of history) {
      assert.deepEqual(Object.keys(h), HISTORY_KEYS)
      assert.match(h.at, WIRE_TIME)
    }
    assert.deepEqual(
      history.map((h: Record<string, unknown>) => [h.action, h.from, h.to, h.user_id, h.token_id, h.comment]),
      [
        ['create', null, 'draft', null, w.tenant.id, null],
        ['publish', 'draft', 'sent', w.rep.user, w.rep.token, 'Off it goes'],
        ['decline', 'sent', 'lost', null, w.tenant.id, 'Too expensive'],
      ],
    )
    assert.ok(history[0].at <= history[1].at && history[1].at <= history[2].at)
    assert.deepEqual(await w.events(quote.id), ['quote.created', 'quote.sent', 'quote.declined'])
  })

  it("answers 404 to another workspace's quote, 401 without a token, 403 without quotes:read", async () => {
    const quote = await w.buildQuote()
    const other = await buildQuoteWorld(t)
    assert.deepEqual((await other.a.get(`/api/quotes/${quote.id}/history`)).json(), NOT_FOUND)
    assert.deepEqual((await w.a.get(`/api/quotes/${uuidv7()}/history`)).json(), NOT_FOUND)
    assert.equal((await w.a.get(`/api/quotes/${quote.id}/history`, {})).statusCode, 401)
    const orders = await buildToken(t.db, w.tenant.workspaceId, ['orders:read'])
    assert.equal((await w.a.get(`/api/quotes/${quote.id}/history`, orders.auth)).statusCode, 403)
    const reader = await buildToken(t.db, w.tenant.workspaceId, ['quotes:read'])
    assert.equal((await w.a.get(`/api/quotes/${quote.id}/history`, reader.auth)).statusCode, 200)
  })
})

describe('expiry', () => {
  const t = useTestApp()
  let w: QuoteWorld

  before(async () => {
    w = await buildQuoteWorld(t)
  })

  it('expires a sent quote accepted past its expiration date, keeps that, and answers 409 saying so', async () => {
    const quote = await w.buildQuote()
    await w.done(quote.id, 'publish')
    await w.backdate(quote.id, '2021-06-30T12:00:00.000Z')
    const res = await w.act(quote.id, 'accept', { comment: 'Yes' })
    assert.equal(res.statusCode, 409)
    assert.equal(res.headers.etag, undefined)
    assert.deepEqual(res.json(), {
      success: false,
      error:
        'This quote expired on 2021-06-30T12:00:00Z: it is now expired and cannot be accepted (allowed ' +
        'actions from expired: none (expired is final))',
      code: 'conflict',
    })
    const read = (await w.a.get(`/api/quotes/${quote.id}`)).json().data
    assert.deepEqual([read.status, read.publish], ['expired', true])
    assert.deepEqual((await w.history(quote.id)).map((h) => [h.action, h.from, h.to]).at(-1), [
      'expire',
      'sent',
      'expired',
    ])
    assert.deepEqual(await w.events(quote.id), ['quote.created', 'quote.sent', 'quote.expired'])
    assert.deepEqual((await w.a.get(`/api/orders?quote_id=${quote.id}`)).json().data, [])
    const again = await w.act(quote.id, 'accept')
    assert.equal(
      again.json().error,
      'A quote in status expired cannot be accepted (allowed actions from expired: none (expired is final))',
    )
  })

  it('lets a quote whose date has not passed be accepted; refuses to publish one whose date has', async () => {
    const quote = await w.buildQuote()
    await w.done(quote.id, 'publish')
    await w.backdate(quote.id, new Date(Date.now() + 3_600_000).toISOString())
    assert.equal((await w.done(quote.id, 'accept')).status, 'accepted')
    const draft = await w.buildQuote()
    await w.backdate(draft.id, '2021-06-30T12:00:00.000Z')
    const res = await w.act(draft.id, 'publish')
    assert.deepEqual(res.json(), {
      success: false,
      error:
        "This quote's expiration_date (2021-06-30T12:00:00Z) has passed: it cannot be published. Set a later " +
        'one first (PATCH /api/quotes/{id}, while the quote is draft or changes_requested)',
      code: 'conflict',
    })
    assert.equal((await w.a.get(`/api/quotes/${draft.id}`)).json().data.status, 'draft')
    const later = new Date(Date.now() + 86_400_000).toISOString()
    assert.equal((await w.a.patch(`/api/quotes/${draft.id}`, { expiration_date: later })).statusCode, 200)
    assert.equal((await w.done(draft.id, 'publish')).status, 'sent')
  })

  it('expireQuotes expires the published quotes past their date, of every workspace, once each', async () => {
    const other = await buildQuoteWorld(t)
    const sent = await w.buildQuote()
    await w.done(sent.id, 'publish')
    const signing = await other.buildQuote()
    await other.done(signing.id, 'publish', { signature_required: true })
    const future = await w.buildQuote()
    await w.done(future.id, 'publish')
    const draft = await w.buildQuote()
    const approved = await w.buildQuote()
    await w.done(approved.id, 'submit')
    for (const id of [sent.id, draft.id, approved.id]) await w.backdate(id)
    await other.backdate(signing.id)
    const now = new Date()
    assert.equal(await expireQuotes(t.db.kysely, now), 2)
    assert.equal(await expireQuotes(t.db.kysely, now), 0)
    const status = async (world: QuoteWorld, id: string) =>
      (await world.a.get(`/api/quotes/${id}`)).json().data.status
    assert.deepEqual(
      [
        await status(w, sent.id),
        await status(other, signing.id),
        await status(w, future.id),
        await status(w, draft.id),
        await status(w, approved.id),
      ],
      ['expired', 'expired', 'sent', 'draft', 'approved'],
    )
    const line = (await other.history(signing.id)).at(-1)!
    assert.deepEqual(
      [line.action, line.from, line.to, line.token_id, line.user_id],
      ['expire', 'pending_signature', 'expired', null, null],
    )
    assert.equal((await other.events(signing.id)).at(-1), 'quote.expired')
    // Past its date only when the sweep looks: the same quote a second earlier is left.
    const later = await w.buildQuote()
    await w.done(later.id, 'publish')
    await w.backdate(later.id, '2030-01-01T00:00:00.000Z')
    const before = new Date('2029-12-31T23:59:59.000Z')
    assert.equal(
      await runWrite(t.db.kysely, w.tenant.workspaceId, (x) => expireQuote(x, later.id, before)),
      false,
    )
    assert.equal(await status(w, later.id), 'sent')
    await expireQuotes(t.db.kysely, new Date('2030-01-01T00:00:01.000Z'))
    assert.equal(await status(w, later.id), 'expired')
  })
})
