import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { Database } from '../../db/types.ts'
import { QUOTE_ACTIONS, type QuoteAction } from '../../domain/quote-lifecycle.ts'
import type { ErrorCode } from '../../http/errors.ts'
import { notFound } from '../../http/errors.ts'
import { errors, IdParams, Success } from '../../http/schemas.ts'
import { routeConfig } from '../../kernel/routes.ts'
import { answerWrite } from '../../kernel/write.ts'
import { type ActionInput, runQuoteAction } from './lifecycle.ts'
import { ActionBody, Approval, HistoryEntry, PublishBody } from './lifecycle-schema.ts'
import { quoteApprovals, quoteHistory } from './lifecycle-store.ts'
import { quotes } from './resource.ts'
import { Quote } from './schema.ts'
import { quoteRow } from './store.ts'

const TAG = 'Quotes'

const TABLE =
  'Statuses and the actions each allows: draft and changes_requested: submit, publish, cancel; ' +
  'pending_approval: approve, request-changes, cancel; approved: publish, cancel; sent and ' +
  'pending_signature: accept, decline, cancel; accepted, lost, expired and canceled are final. Any other ' +
  'action is a 409 naming the status and the actions it allows. Each action records a line of the ' +
  "quote's history (GET /api/quotes/{id}/history) and an event; `comment` is kept with it."

const DOCS: Record<QuoteAction, { summary: string; description: string }> = {
  submit: {
    summary: 'Submit a quote for approval',
    description:
      'Checks the quote against the active approval rules (GET /api/approval-rules), oldest first. When ' +
      'some match, it becomes pending_approval with one approval per step of each (GET ' +
      '/api/quotes/{id}/approvals; those of an earlier submission become superseded); a line priced under ' +
      'its floor needs a manager’s approval even when no rule matches. When none does, it becomes approved ' +
      'at once. From draft or changes_requested. Event quote.submitted.',
  },
  approve: {
    summary: 'Approve the next step of a quote',
    description:
      'Decides the lowest pending approval of a pending_approval quote: approved. The last one makes the ' +
      'quote approved (event quote.approved); before that it stays pending_approval (event ' +
      'quote.step_approved). Needs `quotes:approve` and a token that acts as an active user who may decide ' +
      'the step: a manager or an admin for a manager step, an admin for an admin step, and the named user ' +
      'when the step names one (403 `approval_forbidden` otherwise).',
  },
  'request-changes': {
    summary: 'Request changes to a quote',
    description:
      'Decides the lowest pending approval of a pending_approval quote: changes_requested, with the ' +
      '`comment` saying what to change. The quote becomes changes_requested, editable again, and its other ' +
      'pending approvals superseded; submit it again once changed. Same permission as approve. Event ' +
      'quote.changes_requested.',
  },
  publish: {
    summary: 'Publish (send) a quote',
    description:
      'Makes the quote sent, or pending_signature with {"signature_required": true}: published either way ' +
      '(`publish` true). From approved; from draft or changes_requested when no approval rule matches it ' +
      '(straight through approved, as Qwoty does), else a 409 naming the rules: submit it first. Event ' +
      'quote.sent.',
  },
  accept: {
    summary: 'Accept a quote',
    description:
      'Marks a sent or pending_signature quote accepted and makes its order in the same transaction (GET ' +
      '/api/orders/{id}; event order.created): the answer gives its id and number beside the quote. A quote ' +
      'past its expiration date is made expired instead (that change is kept, with event quote.expired) ' +
      'and the request answers 409 saying so. Event quote.accepted.',
  },
  decline: {
    summary: 'Decline a quote',
    description:
      'The customer declined a sent or pending_signature quote: it becomes lost. Event quote.declined.',
  },
  cancel: {
    summary: 'Cancel a quote',
    description:
      'Withdraws the quote, whatever its status short of a final one: it becomes canceled, and its pending ' +
      'approvals superseded. Event quote.canceled.',
  },
}

const Accepted = Type.Object({
  success: Type.Literal(true),
  data: Quote,
  order: Type.Object(
    {
      id: Type.String({ format: 'uuid', description: 'The order made' }),
      number: Type.String({ description: 'Its number', examples: ['ORD-2026-0001'] }),
    },
    { description: 'The order accepting made (GET /api/orders/{id})' },
  ),
})

/** Every action takes an optional body: none at all is an empty one (null is still refused). */
function emptyBody(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
  if (request.body === undefined) request.body = {}
  done()
}

export const quoteActionRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  for (const action of QUOTE_ACTIONS) {
    const decides = action === 'approve' || action === 'request-changes'
    const written = routeConfig(quotes, 'write', { etag: true, ifMatch: true })
    // Deciding an approval is its own permission, which quotes:write does not include.
    const config = decides ? { ...written, scope: 'quotes:approve' as const } : written
    const own: ErrorCode[] = decides ? ['conflict', 'approval_forbidden'] : ['conflict']
    app.post(
      `/api/quotes/:id/${action}`,
      {
        config,
        preValidation: emptyBody,
        schema: {
          tags: [TAG],
          summary: DOCS[action].summary,
          description: `${DOCS[action].description} ${TABLE}`,
          params: IdParams,
          body: action === 'publish' ? PublishBody : ActionBody,
          response: {
            200: action === 'accept' ? Accepted : Success(Quote),
            ...errors(
              'validation_failed',
              'invalid_json',
              'payload_too_large',
              'unsupported_media_type',
              'invalid_parameter',
              'invalid_token',
              'not_found',
              ...own,
            ),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string }
        const input = request.body as ActionInput
        return answerWrite(db, request, reply, { resource: quotes, id }, async (w, locked) => {
          if (!locked) throw notFound(quotes.noun)
          return runQuoteAction(w, id, action, input)
        })
      },
    )
  }

  const readConfig = routeConfig(quotes, 'read')
  const exists = async (workspaceId: string, id: string) => {
    if (!(await quoteRow(db, workspaceId, id))) throw notFound(quotes.noun)
  }

  app.get(
    '/api/quotes/:id/history',
    {
      config: readConfig,
      schema: {
        tags: [TAG],
        summary: "List a quote's history",
        description:
          'Every change of status of the quote, oldest first, from its creation: the action, the status ' +
          'before and after, who (the user the token acted as, and the token) and when, with the comment ' +
          "sent. Quoin's own endpoint; the whole list, never paged.",
        params: IdParams,
        response: {
          200: Success(Type.Array(HistoryEntry)),
          ...errors('invalid_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      await exists(request.auth.workspaceId, id)
      return { success: true as const, data: await quoteHistory(db, request.auth.workspaceId, id) }
    },
  )

  app.get(
    '/api/quotes/:id/approvals',
    {
      config: readConfig,
      schema: {
        tags: [TAG],
        summary: "List a quote's approvals",
        description:
          'The approvals the quote was given by its submissions, oldest submission first, each in the ' +
          'order of its steps: the rule and step, who decides it, and its status (pending, approved, ' +
          'changes_requested, superseded) with who decided it, when, and the comment. The lowest pending ' +
          "one is decided next. Quoin's own endpoint; the whole list, never paged.",
        params: IdParams,
        response: {
          200: Success(Type.Array(Approval)),
          ...errors('invalid_parameter', 'invalid_token', 'not_found'),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      await exists(request.auth.workspaceId, id)
      return { success: true as const, data: await quoteApprovals(db, request.auth.workspaceId, id) }
    },
  )
}
