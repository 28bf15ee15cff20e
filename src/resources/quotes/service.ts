import { Decimal } from 'decimal.js'
import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { flag, isSet } from '../../db/dialect.ts'
import type { Database } from '../../db/types.ts'
import { isUuid } from '../../domain/ids.ts'
import { ApiError } from '../../http/errors.ts'
import { isDateTime } from '../../http/validation.ts'
import { author, type WriteContext } from '../../kernel/write.ts'
import { NO_SUCH_CUSTOMER } from '../contacts/store.ts'
import {
  checkCustomProperties,
  parseCustomProperties,
  patchCustomProperties,
} from '../custom-fields/check.ts'
import { allocateNumber } from '../settings/numbers.ts'
import {
  type BuiltLine,
  buildLines,
  discountProblems,
  installmentsOf,
  priceQuote,
  repriceLines,
  writeTotals,
} from './pricing-table.ts'
import type { LineItemInput, QuoteCreate, QuotePatch } from './schema.ts'
import { businessUnitCopy, type CustomerChoice, customerCopy, ownerCopy, type Snapshot } from './snapshot.ts'
import { assertEditable, findQuote, quoteRow } from './store.ts'

// Writing quotes: a creation with its whole pricing table, the header's PATCH, the deletion of a draft and
// the reprice. Every id a write names is checked in the workspace (a 400 naming its field); the copies the
// quote shows are taken when the fields that name them are set.

const invalid = (problems: string[]) => new ApiError('validation_failed', 'Validation error', problems)
const lower = (id: string) => id.toLowerCase()

/** A live customer of the workspace: its id and segment. */
function customerOf(trx: Kysely<Database>, workspaceId: string, id: string) {
  if (!isUuid(id)) return Promise.resolve(undefined)
  return trx
    .selectFrom('customers')
    .select(['id', 'segment_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', lower(id))
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
}

type Parts = Pick<QuoteCreate, 'contact_ids' | 'billing_address_id' | 'shipping_address_id'>

/**
 * The contacts and addresses of the customer a write names (undefined: not named), each checked as a live
 * record of the customer; with `defaults`, those not named get the customer's first contact and its first
 * address of each type.
 */
async function chooseParts(
  trx: Kysely<Database>,
  workspaceId: string,
  customerId: string,
  given: Parts,
  defaults: boolean,
  problems: string[],
): Promise<Partial<Omit<CustomerChoice, 'customerId'>>> {
  const out: Partial<Omit<CustomerChoice, 'customerId'>> = {}
  const contacts = await trx
    .selectFrom('contacts')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  if (given.contact_ids !== undefined) {
    const known = new Set(contacts.map((c) => c.id))
    given.contact_ids.forEach((id, i) => {
      if (!known.has(lower(id)))
        problems.push(`Field 'contact_ids[${i}]' does not name a contact of this customer`)
    })
    out.contactIds = [...new Set(given.contact_ids.map(lower))]
  } else if (defaults) out.contactIds = contacts.slice(0, 1).map((c) => c.id)
  const addresses = await trx
    .selectFrom('addresses')
    .select(['id', 'type'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  for (const [type, field, key] of [
    ['billing', 'billing_address_id', 'billingAddressId'],
    ['shipping', 'shipping_address_id', 'shippingAddressId'],
  ] as const) {
    const value = given[field]
    if (value === undefined) {
      if (defaults) out[key] = addresses.find((a) => a.type === type)?.id ?? null
    } else if (value === null) out[key] = null
    else {
      const found = addresses.find((a) => a.id === lower(value))
      if (!found) problems.push(`Field '${field}' does not name an address of this customer`)
      else if (found.type !== type)
        problems.push(`Field '${field}' names a ${found.type} address, not a ${type} one`)
      out[key] = lower(value)
    }
  }
  return out
}

/** An active user of the workspace `id` names, or a problem. */
async function checkOwner(trx: Kysely<Database>, workspaceId: string, id: string, problems: string[]) {
  const row = isUuid(id)
    ? await trx
        .selectFrom('users')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', lower(id))
        .where('status', '=', 'active')
        .executeTakeFirst()
    : undefined
  if (!row) problems.push("Field 'owner_id' does not name an active user of this workspace")
  return row?.id ?? null
}

async function checkBusinessUnit(trx: Kysely<Database>, workspaceId: string, id: string, problems: string[]) {
  const row = isUuid(id)
    ? await trx
        .selectFrom('business_units')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', lower(id))
        .executeTakeFirst()
    : undefined
  if (!row) problems.push("Field 'business_unit_id' does not name a business unit of this workspace")
  return row?.id ?? null
}

async function defaultBusinessUnit(trx: Kysely<Database>, workspaceId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('business_units')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('is_default', '=', flag(true))
    .executeTakeFirst()
  return row?.id ?? null
}

interface PricebookChoice {
  id: string
  currency_id: string
  currency: string
  name: string
}

function pricebooks(trx: Kysely<Database>, workspaceId: string) {
  return trx
    .selectFrom('pricebooks as pb')
    .innerJoin('currencies as c', 'c.id', 'pb.currency_id')
    .select(['pb.id', 'pb.currency_id', 'c.code as currency', 'pb.name', 'pb.status'])
    .where('pb.workspace_id', '=', workspaceId)
}

const segmentsOf = (trx: Kysely<Database>, pricebookId: string) =>
  trx.selectFrom('pricebook_segments').select('segment_id').where('pricebook_id', '=', pricebookId).execute()

/**
 * The pricebook a quote for a customer of `segmentId` uses: the one named (active, and allowed for the
 * segment: a pricebook with segments is for their customers only), else the oldest active one of the
 * segment, else the oldest active one without segments.
 */
async function choosePricebook(
  trx: Kysely<Database>,
  workspaceId: string,
  segmentId: string | null,
  given: string | undefined,
  problems: string[],
  field = 'pricebook_id',
): Promise<PricebookChoice | undefined> {
  if (given !== undefined) {
    const row = isUuid(given)
      ? await pricebooks(trx, workspaceId).where('pb.id', '=', lower(given)).executeTakeFirst()
      : undefined
    if (!row) problems.push(`Field '${field}' does not name a pricebook of this workspace`)
    else if (row.status !== 'active') problems.push(`Field '${field}' names an inactive pricebook`)
    else {
      const segments = (await segmentsOf(trx, row.id)).map((s) => s.segment_id)
      if (segments.length > 0 && (segmentId === null || !segments.includes(segmentId))) {
        problems.push(
          `Field '${field}' names pricebook '${row.name}', which is for the customers of other segments`,
        )
      } else return row
    }
    return undefined
  }
  const active = pricebooks(trx, workspaceId)
    .where('pb.status', '=', 'active')
    .orderBy('pb.created_at')
    .orderBy('pb.id')
  const ofSegment =
    segmentId === null
      ? undefined
      : await active
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('pricebook_segments as ps')
                .select('ps.pricebook_id')
                .whereRef('ps.pricebook_id', '=', 'pb.id')
                .where('ps.segment_id', '=', segmentId),
            ),
          )
          .executeTakeFirst()
  const row =
    ofSegment ??
    (await active
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('pricebook_segments as ps')
              .select('ps.pricebook_id')
              .whereRef('ps.pricebook_id', '=', 'pb.id'),
          ),
        ),
      )
      .executeTakeFirst())
  if (!row) {
    problems.push(`Field '${field}' is required: no active pricebook is open to this customer's segment`)
  }
  return row
}

async function checkPaymentTerm(trx: Kysely<Database>, workspaceId: string, id: string, problems: string[]) {
  const row = isUuid(id)
    ? await trx
        .selectFrom('payment_terms')
        .select(['id', 'is_active'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', lower(id))
        .executeTakeFirst()
    : undefined
  if (!row) problems.push("Field 'payment_term_id' does not name a payment term of this workspace")
  else if (!isSet(row.is_active)) problems.push("Field 'payment_term_id' names an inactive payment term")
  return row?.id ?? null
}

async function defaultPaymentTerm(trx: Kysely<Database>, workspaceId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('payment_terms')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('is_active', '=', flag(true))
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst()
  return row?.id ?? null
}

/** What a check throws, as problems among the write's others (every field at fault named at once). */
async function collecting<T>(problems: string[], check: () => Promise<T>): Promise<T | undefined> {
  try {
    return await check()
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'validation_failed') throw err
    problems.push(...(err.details ?? [err.message]))
    return undefined
  }
}

/** An expiration date as stored (second precision), or a problem when it is not after the issue date. */
function expiration(value: string, issued: Date, problems: string[]): string | null {
  if (!isDateTime(value)) {
    problems.push("Field 'expiration_date' must be an ISO 8601 date-time")
    return null
  }
  const at = new Date(Math.floor(Date.parse(value) / 1000) * 1000)
  if (at.getTime() <= issued.getTime()) problems.push("Field 'expiration_date' must be after the issue date")
  return at.toISOString()
}

const external = (given: QuoteCreate['external_ids']) => {
  const out: Record<string, string | null> = {}
  if (given?.crm !== undefined) out.id_crm = given.crm
  if (given?.erp !== undefined) out.id_erp = given.erp
  if (given?.accounting !== undefined) out.id_accounting = given.accounting
  return out
}

const discountColumns = (d: QuoteCreate['discount']) =>
  d === undefined
    ? {}
    : {
        discount_type: d === null ? null : d.type,
        discount_value: d === null ? null : new Decimal(String(d.value)).toFixed(),
      }

const NO_ONE_OFF =
  "Field 'discount' is an amount, which comes off one-off lines only, and the quote has none: use a percent"

/** Creates a quote with its whole pricing table; returns its id. */
export async function createQuote(w: WriteContext, body: QuoteCreate): Promise<string> {
  const { trx, workspaceId } = w
  const customer = await customerOf(trx, workspaceId, body.customer_id)
  if (!customer) throw invalid([NO_SUCH_CUSTOMER])
  const problems: string[] = []
  const parts = await chooseParts(trx, workspaceId, customer.id, body, true, problems)
  const ownerId =
    body.owner_id === undefined
      ? (w.userId ?? null)
      : body.owner_id === null
        ? null
        : await checkOwner(trx, workspaceId, body.owner_id, problems)
  const businessUnitId =
    body.business_unit_id === undefined
      ? await defaultBusinessUnit(trx, workspaceId)
      : await checkBusinessUnit(trx, workspaceId, body.business_unit_id, problems)
  const pricebook = await choosePricebook(trx, workspaceId, customer.segment_id, body.pricebook_id, problems)
  if (pricebook && body.currency !== undefined && body.currency.toUpperCase() !== pricebook.currency) {
    problems.push(
      `Field 'currency' must be the currency of the pricebook '${pricebook.name}': ${pricebook.currency}`,
    )
  }
  const paymentTermId =
    body.payment_term_id === undefined
      ? await defaultPaymentTerm(trx, workspaceId)
      : body.payment_term_id === null
        ? null
        : await checkPaymentTerm(trx, workspaceId, body.payment_term_id, problems)
  const workspace = await trx
    .selectFrom('workspaces')
    .select('quote_validity_days')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow()
  const issued = new Date()
  const expires =
    body.expiration_date === undefined
      ? new Date(
          Math.floor(issued.getTime() / 1000) * 1000 + workspace.quote_validity_days * 86_400_000,
        ).toISOString()
      : body.expiration_date === null
        ? null
        : expiration(body.expiration_date, issued, problems)
  // A quote's required custom fields must be given at creation, as a customer's are.
  const custom = await collecting(problems, () =>
    checkCustomProperties(trx, workspaceId, 'quote', body.custom_properties ?? {}, 'custom_properties', {
      required: true,
    }),
  )
  if (pricebook) problems.push(...discountProblems('discount', body.discount, pricebook.currency))
  if (!pricebook) throw invalid(problems)

  const id = uuidv7()
  const quote = { id, workspace_id: workspaceId, pricebook_id: pricebook.id, currency: pricebook.currency }
  const sections = body.pricing_table?.sections ?? []
  const placed: { input: LineItemInput; path: string; s: number; p: number; l: number }[] = []
  for (const [s, section] of sections.entries()) {
    for (const [p, phase] of (section.phases ?? []).entries()) {
      for (const [l, input] of (phase.line_items ?? []).entries()) {
        placed.push({ input, path: `pricing_table.sections[${s}].phases[${p}].line_items[${l}]`, s, p, l })
      }
    }
  }
  const built = await buildLines(w, quote, placed, problems)
  if (body.discount?.type === 'amount' && !built.some((l) => l.interval === null)) throw invalid([NO_ONE_OFF])

  const installments = await installmentsOf(trx, workspaceId, paymentTermId)
  const discount = discountColumns(body.discount)
  const priced = priceQuote(
    built,
    { currency: pricebook.currency, discount_type: null, discount_value: null, ...discount },
    installments,
  )
  const choice: CustomerChoice = {
    customerId: customer.id,
    contactIds: parts.contactIds ?? [],
    billingAddressId: parts.billingAddressId ?? null,
    shippingAddressId: parts.shippingAddressId ?? null,
  }
  const owner = await ownerCopy(trx, workspaceId, ownerId)
  const snapshot: Snapshot = {
    owner,
    business_unit: await businessUnitCopy(trx, workspaceId, businessUnitId),
    customer: await customerCopy(trx, workspaceId, choice),
  }
  const at = issued.toISOString()
  const by = author(w)
  await trx
    .insertInto('quotes')
    .values({
      id,
      workspace_id: workspaceId,
      number: await allocateNumber(w, 'quote', issued),
      status: 'draft',
      published_at: null,
      issue_date: at,
      expiration_date: expires,
      currency_id: pricebook.currency_id,
      currency: pricebook.currency,
      language: body.language ?? 'en',
      title: body.title ?? null,
      opportunity_id: body.opportunity_id ?? null,
      customer_id: customer.id,
      owner_id: owner?.id ?? null,
      business_unit_id: businessUnitId,
      pricebook_id: pricebook.id,
      payment_term_id: paymentTermId,
      billing_address_id: choice.billingAddressId,
      shipping_address_id: choice.shippingAddressId,
      contact_ids: JSON.stringify(choice.contactIds),
      discount_type: null,
      discount_value: null,
      ...discount,
      is_prices_hidden: flag(body.pricing_table?.settings?.is_prices_hidden ?? false),
      custom_properties: JSON.stringify(custom ?? {}),
      snapshot: JSON.stringify(snapshot),
      ...priced.quote,
      id_crm: null,
      id_erp: null,
      id_accounting: null,
      ...external(body.external_ids),
      created_by: by,
      updated_by: by,
      created_at: at,
      updated_at: at,
    })
    .execute()
  await insertTable(trx, quote, sections, placed, built, priced.lines, at)
  await trx
    .insertInto('quote_history')
    .values({
      id: uuidv7(),
      workspace_id: workspaceId,
      quote_id: id,
      action: 'create',
      from_status: null,
      to_status: 'draft',
      token_id: w.actor ?? null,
      user_id: w.userId ?? null,
      comment: null,
      at,
    })
    .execute()
  return id
}

/** The sections, phases and lines of a new quote, ranked from 1 in the order given. */
async function insertTable(
  trx: Kysely<Database>,
  quote: { id: string; workspace_id: string },
  sections: NonNullable<NonNullable<QuoteCreate['pricing_table']>['sections']>,
  placed: readonly { s: number; p: number; l: number }[],
  built: readonly BuiltLine[],
  amounts: ReturnType<typeof priceQuote>['lines'],
  at: string,
) {
  const phaseIds: string[][] = []
  for (const [s, section] of sections.entries()) {
    const sectionId = uuidv7()
    await trx
      .insertInto('quote_sections')
      .values({
        id: sectionId,
        workspace_id: quote.workspace_id,
        quote_id: quote.id,
        type: 'standard',
        name: section.name,
        rank: s + 1,
        created_at: at,
        updated_at: at,
      })
      .execute()
    phaseIds[s] = []
    for (const [p, phase] of (section.phases ?? []).entries()) {
      const phaseId = uuidv7()
      phaseIds[s]![p] = phaseId
      await trx
        .insertInto('quote_phases')
        .values({
          id: phaseId,
          workspace_id: quote.workspace_id,
          quote_id: quote.id,
          section_id: sectionId,
          name: phase.name,
          rank: p + 1,
          created_at: at,
          updated_at: at,
        })
        .execute()
    }
  }
  const rows = built.map((line, i) => {
    const { s, p, l } = placed[i]!
    return {
      ...line,
      ...amounts[i]!,
      id: uuidv7(),
      phase_id: phaseIds[s]![p]!,
      rank: l + 1,
      created_at: at,
      updated_at: at,
    }
  })
  // In slices: PostgreSQL takes at most 65,535 parameters a statement.
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('quote_lines')
      .values(rows.slice(i, i + 500))
      .execute()
}

async function lineCounts(trx: Kysely<Database>, workspaceId: string, quoteId: string) {
  const row = await trx
    .selectFrom('quote_lines')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('all'),
      eb.fn
        .sum<number | string | null>(eb.case().when('interval', 'is', null).then(1).else(0).end())
        .as('one_off'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('quote_id', '=', quoteId)
    .executeTakeFirstOrThrow()
  return { all: Number(row.all), oneOff: Number(row.one_off ?? 0) }
}

/**
 * Applies a PATCH to an editable quote's header: what it names is checked, the copies of what it names again
 * are taken afresh, and the totals are recomputed in the same update. False when there is no such quote.
 */
export async function updateQuote(w: WriteContext, id: string, patch: QuotePatch): Promise<boolean> {
  const { trx, workspaceId } = w
  const row = await quoteRow(trx, workspaceId, id)
  if (!row) return false
  assertEditable(row)
  const counts = await lineCounts(trx, workspaceId, row.id)
  const problems: string[] = []
  const changes: Record<string, unknown> = {}
  const snapshot = JSON.parse(row.snapshot) as Snapshot
  /** The copies to take afresh, once the request is known good. */
  const copies: (() => Promise<void>)[] = []

  let customer = await customerOf(trx, workspaceId, row.customer_id)
  if (patch.customer_id !== undefined) {
    customer = await customerOf(trx, workspaceId, patch.customer_id)
    if (!customer) throw invalid([NO_SUCH_CUSTOMER])
    changes.customer_id = customer.id
  }
  const newCustomer = patch.customer_id !== undefined
  const partsNamed =
    patch.contact_ids !== undefined ||
    patch.billing_address_id !== undefined ||
    patch.shipping_address_id !== undefined
  if (newCustomer || partsNamed) {
    // The customer's records are checked against the customer as it stands: a deleted one has none.
    const customerId = customer?.id ?? row.customer_id
    const parts = await chooseParts(trx, workspaceId, customerId, patch, newCustomer, problems)
    const choice: CustomerChoice = {
      customerId,
      contactIds: parts.contactIds ?? (JSON.parse(row.contact_ids) as string[]),
      billingAddressId:
        parts.billingAddressId !== undefined ? parts.billingAddressId : row.billing_address_id,
      shippingAddressId:
        parts.shippingAddressId !== undefined ? parts.shippingAddressId : row.shipping_address_id,
    }
    changes.contact_ids = JSON.stringify(choice.contactIds)
    changes.billing_address_id = choice.billingAddressId
    changes.shipping_address_id = choice.shippingAddressId
    // Copied once every id is known good (see below).
    if (customer) {
      copies.push(async () => {
        const fresh = await customerCopy(trx, workspaceId, choice)
        snapshot.customer = newCustomer
          ? fresh
          : {
              ...snapshot.customer,
              ...(parts.contactIds !== undefined ? { contacts: fresh.contacts } : {}),
              ...(parts.billingAddressId !== undefined ? { billing_address: fresh.billing_address } : {}),
              ...(parts.shippingAddressId !== undefined ? { shipping_address: fresh.shipping_address } : {}),
            }
      })
    }
  }

  let pricebook = { id: row.pricebook_id, currency: row.currency, currency_id: row.currency_id }
  const pricebookChanges = patch.pricebook_id !== undefined && lower(patch.pricebook_id) !== row.pricebook_id
  const currencyChanges = patch.currency !== undefined && patch.currency.toUpperCase() !== row.currency
  if ((pricebookChanges || currencyChanges) && counts.all > 0) {
    throw new ApiError(
      'conflict',
      `A quote's ${pricebookChanges ? 'pricebook' : 'currency'} cannot change once it has line items: remove them first`,
    )
  }
  if (pricebookChanges) {
    const chosen = await choosePricebook(
      trx,
      workspaceId,
      customer?.segment_id ?? null,
      patch.pricebook_id,
      problems,
    )
    if (chosen) {
      pricebook = chosen
      changes.pricebook_id = chosen.id
      changes.currency_id = chosen.currency_id
      changes.currency = chosen.currency
    }
  } else if (newCustomer && customer) {
    // The quote's pricebook stays: it must be open to the new customer's segment.
    const segments = (await segmentsOf(trx, row.pricebook_id)).map((s) => s.segment_id)
    if (segments.length > 0 && (customer.segment_id === null || !segments.includes(customer.segment_id))) {
      problems.push(
        "Field 'customer_id' names a customer the quote's pricebook is not for (it is for other segments): " +
          'choose a pricebook_id open to it in the same request',
      )
    }
  }
  if (patch.currency !== undefined && patch.currency.toUpperCase() !== pricebook.currency) {
    problems.push(`Field 'currency' must be the currency of the quote's pricebook: ${pricebook.currency}`)
  }
  if (patch.owner_id !== undefined) {
    const ownerId =
      patch.owner_id === null ? null : await checkOwner(trx, workspaceId, patch.owner_id, problems)
    changes.owner_id = ownerId
    copies.push(async () => {
      snapshot.owner = await ownerCopy(trx, workspaceId, ownerId)
    })
  }
  if (patch.business_unit_id !== undefined) {
    const unitId = await checkBusinessUnit(trx, workspaceId, patch.business_unit_id, problems)
    changes.business_unit_id = unitId
    copies.push(async () => {
      snapshot.business_unit = await businessUnitCopy(trx, workspaceId, unitId)
    })
  }
  if (patch.payment_term_id !== undefined) {
    changes.payment_term_id =
      patch.payment_term_id === null
        ? null
        : await checkPaymentTerm(trx, workspaceId, patch.payment_term_id, problems)
  }
  for (const field of ['language', 'title', 'opportunity_id'] as const) {
    if (patch[field] !== undefined) changes[field] = patch[field]
  }
  if (patch.expiration_date !== undefined) {
    changes.expiration_date =
      patch.expiration_date === null
        ? null
        : expiration(patch.expiration_date, new Date(row.issue_date), problems)
  }
  if (patch.custom_properties !== undefined) {
    const stored = parseCustomProperties(row.custom_properties)
    const merged = await collecting(problems, () =>
      patchCustomProperties(trx, workspaceId, 'quote', stored, patch.custom_properties),
    )
    changes.custom_properties = JSON.stringify(merged ?? stored)
  }
  if (patch.discount !== undefined) {
    problems.push(...discountProblems('discount', patch.discount, pricebook.currency))
    if (patch.discount?.type === 'amount' && counts.oneOff === 0) problems.push(NO_ONE_OFF)
    Object.assign(changes, discountColumns(patch.discount))
  }
  Object.assign(changes, external(patch.external_ids))
  const settings = patch.pricing_table?.settings
  if (settings?.is_prices_hidden !== undefined) changes.is_prices_hidden = flag(settings.is_prices_hidden)
  if (patch.pricing_table?.sections !== undefined) {
    const current = await findQuote(trx, workspaceId, row.id)
    if (
      JSON.stringify(current?.value.pricing_table.sections) !== JSON.stringify(patch.pricing_table.sections)
    ) {
      problems.push(
        "Field 'pricing_table.sections' is read-only here: change sections, phases and line items through their own routes",
      )
    }
  }
  if (problems.length > 0) throw invalid(problems)
  for (const copy of copies) await copy()
  if (copies.length > 0) changes.snapshot = JSON.stringify(snapshot)
  await writeTotals(
    w,
    {
      id: row.id,
      currency: pricebook.currency,
      payment_term_id:
        'payment_term_id' in changes ? (changes.payment_term_id as string | null) : row.payment_term_id,
      discount_type:
        'discount_type' in changes
          ? (changes.discount_type as 'percent' | 'amount' | null)
          : row.discount_type,
      discount_value:
        'discount_value' in changes ? (changes.discount_value as string | null) : row.discount_value,
    },
    { touch: false, changes },
  )
  return true
}

/** Deletes a draft quote with its pricing table and history; false when there is no such quote. */
export async function deleteQuote({ trx, workspaceId }: WriteContext, id: string): Promise<boolean> {
  const row = await quoteRow(trx, workspaceId, id)
  if (!row) return false
  if (row.status !== 'draft') {
    throw new ApiError(
      'conflict',
      `This quote is ${row.status}: only draft quotes can be deleted (cancel it instead)`,
    )
  }
  // Its sections, phases, lines, approvals and history go by cascade.
  await trx.deleteFrom('quotes').where('workspace_id', '=', workspaceId).where('id', '=', row.id).execute()
  return true
}

/** Refreshes an editable quote's lines from its pricebook and recomputes it; false when there is none. */
export async function repriceQuote(w: WriteContext, id: string): Promise<boolean> {
  const row = await quoteRow(w.trx, w.workspaceId, id)
  if (!row) return false
  assertEditable(row)
  await repriceLines(w, row)
  await writeTotals(w, row, { touch: true })
  return true
}
