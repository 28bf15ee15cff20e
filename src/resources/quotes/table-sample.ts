import { freshName, type SampleContext, type SampleRequest } from '../../kernel/resource.ts'

// What the derived suites (isolation, auth matrix, fuzz) send to the routes of a quote's pricing table. They
// write a quote of their own, made here beside the quotes sample, so that what other routes do to the sample
// quote (an action that makes it no longer editable) leaves them writable, and theirs leaves it alone.

/** The quote with a section, a phase and a line that the table routes write; its ids join the samples'. */
export async function makeTableSample({ call, ids }: SampleContext): Promise<void> {
  const product = await call('POST', '/api/products', {
    api_name: freshName('owner_only_line'),
    recurrence_type: 'one_off',
    name: 'Owner-only line product',
  })
  const { prices } = product.body.data as unknown as {
    prices: { id: string; pricebook_id: string; pricebook_api_name: string }[]
  }
  const price = prices.find((p) => p.pricebook_api_name === 'standard')!
  await call('PATCH', `/api/prices/${price.id}`, { pricing_model: 'flat', amount: 10 })
  const made = await call('POST', '/api/quotes', {
    customer_id: ids.customers,
    pricebook_id: price.pricebook_id,
    title: 'Owner-only table',
    pricing_table: {
      sections: [
        {
          name: 'Owner-only section',
          phases: [
            { name: 'Owner-only phase', line_items: [{ product_id: product.body.data.id, quantity: 1 }] },
          ],
        },
      ],
    },
  })
  // The quotes resource answers the quote as data (or data.quote, as documented).
  const data = made.body.data as unknown as { quote?: Table } & Table
  const quote = data.quote ?? data
  const section = quote.pricing_table.sections[0]!
  const phase = section.phases[0]!
  Object.assign(ids, {
    quote_table: quote.id,
    quote_section: section.id,
    quote_phase: phase.id,
    quote_line: phase.line_items[0]!.id,
    quote_product: product.body.data.id,
  })
}

interface Table {
  id: string
  pricing_table: { sections: { id: string; phases: { id: string; line_items: { id: string }[] }[] }[] }
}

const at = (path: (ids: Record<string, string>) => string, body?: object): SampleRequest => ({
  url: (ids) => `/api/quotes/${ids.quote_table}${path(ids)}`,
  ...(body ? { body: () => body } : {}),
  intrusion: 404,
})

/** A request of each table route, on the quote makeTableSample made. */
export const TABLE_REQUESTS: Record<string, SampleRequest> = {
  'POST /api/quotes/:id/sections': at(() => '/sections', { name: 'Owner-only section 2' }),
  'PATCH /api/quotes/:id/sections/:section_id': at((ids) => `/sections/${ids.quote_section}`, {
    name: 'Renamed',
  }),
  'DELETE /api/quotes/:id/sections/:section_id': at((ids) => `/sections/${ids.quote_section}`),
  'POST /api/quotes/:id/sections/:section_id/phases': at((ids) => `/sections/${ids.quote_section}/phases`, {
    name: 'Year 2',
    rank: 1,
  }),
  'PATCH /api/quotes/:id/phases/:phase_id': at((ids) => `/phases/${ids.quote_phase}`, { name: 'Year 1' }),
  'DELETE /api/quotes/:id/phases/:phase_id': at((ids) => `/phases/${ids.quote_phase}`),
  'POST /api/quotes/:id/phases/:phase_id/line-items': {
    ...at((ids) => `/phases/${ids.quote_phase}/line-items`),
    body: (ids) => ({ product_id: ids.quote_product, quantity: 2 }),
  },
  'PATCH /api/quotes/:id/line-items/:line_id': at((ids) => `/line-items/${ids.quote_line}`, {
    quantity: 3,
    discount: { type: 'percent', value: 5 },
  }),
  'DELETE /api/quotes/:id/line-items/:line_id': at((ids) => `/line-items/${ids.quote_line}`),
}
