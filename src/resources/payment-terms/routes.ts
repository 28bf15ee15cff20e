import type { FastifyPluginAsync } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.ts'
import { declareRoutes } from '../../kernel/routes.ts'
import { paymentTerms } from './resource.ts'
import {
  PAYMENT_TERM_READ_ONLY,
  PaymentTerm,
  PaymentTermCreate,
  PaymentTermListQuery,
  PaymentTermUpdate,
} from './schema.ts'
import {
  checkInstallments,
  createPaymentTerm,
  deletePaymentTerm,
  findPaymentTerm,
  listPaymentTerms,
  updatePaymentTerm,
} from './store.ts'

const SUM_RULE =
  'The percentages of the installments add up to exactly 100, computed in decimal from the numbers as ' +
  'written (33.33 + 33.33 + 33.34 is accepted; a 400 says the sum found otherwise); each has at most 4 ' +
  'decimals. custom_text is required with term custom and refused with any other. order_number is unique ' +
  'within the term and defaults to the position (1, 2, …); installments are listed by it.'

export const paymentTermRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app, { db }) => {
  declareRoutes(app, db, paymentTerms, {
    path: '/api/payment-terms',
    tag: 'Payment terms',
    item: PaymentTerm,
    find: findPaymentTerm,
    list: {
      summary: 'List payment terms',
      description:
        "The workspace's payment terms with their installments, oldest first: every workspace starts with " +
        '"Net 30" (net_30_days, 100% at net30). Qwoty shows this list only in its authentication example; as ' +
        'there, the answer holds every term unless `limit` or `cursor` asks for a page. Beyond Qwoty: ' +
        '`is_active` keeps the active (true) or inactive (false) terms only.',
      query: PaymentTermListQuery,
      whole: true,
      fetch: (db, workspaceId, { limit, cursor, ...filters }) =>
        listPaymentTerms(db, workspaceId, filters, { limit, cursor }),
    },
    get: {
      summary: 'Get a payment term',
      description: 'Retrieve a specific payment term by ID, with its installments by order_number',
    },
    create: {
      summary: 'Create a payment term',
      description:
        `Create a payment term. name and api_name are required; api_name is unique in the workspace (409 naming the term that holds it). ${SUM_RULE} ` +
        'Beyond Qwoty, whose docs leave it open: a term created without installments gets one, "Full ' +
        'Payment", 100% at due_on_receipt.',
      errors: ['conflict'],
      body: PaymentTermCreate,
      prepare: async (_db, _workspaceId, body) => checkInstallments(body),
      write: createPaymentTerm,
    },
    update: {
      summary: 'Update a payment term',
      method: 'PUT',
      description:
        'A PUT with partial semantics, as Qwoty documents it: omitted fields stay unchanged; null clears ' +
        'reference and the external IDs. installments, when sent, replace them all and must still add up to ' +
        `100. ${SUM_RULE} Beyond Qwoty: an installment sent with the id a GET gave it keeps that id, and ` +
        'read-only fields (id, timestamps) may be sent back unchanged. A change of the installments alone ' +
        'moves updated_at and the ETag.',
      errors: ['conflict'],
      body: PaymentTermUpdate,
      readOnly: PAYMENT_TERM_READ_ONLY,
      prepare: async (_db, _workspaceId, patch) => checkInstallments(patch),
      write: updatePaymentTerm,
    },
    remove: {
      summary: 'Delete a payment term',
      description:
        'Deletes the term and its installments for good. Refused with 409, saying what uses it, while ' +
        'records use it (quotes, when they come): deactivate it instead with PUT {"is_active": false}, which ' +
        'hides it from new uses.',
      errors: ['conflict'],
      message: 'Payment term deleted successfully',
      write: deletePaymentTerm,
    },
  })
}
