import currencyCodes from 'currency-codes'
import { currencyInfo } from '../../domain/currencies.ts'
import { defineResource } from '../../kernel/resource.ts'

/** Every ISO 4217 code that is money: the samples take the next one each time, since a code is enabled once. */
const MONEY = currencyCodes.codes().filter((code) => currencyInfo(code) !== undefined && code !== 'EUR')
let next = 0
const freshCode = () => MONEY[next++ % MONEY.length]

export const currencies = defineResource({
  name: 'currencies',
  scope: 'pricing',
  noun: 'Currency',
  described: 'pricing: currencies, taxes, billing frequencies, pricebooks and prices',
  event: 'currency',
  table: 'currencies',
  versioned: true,
  softDeleted: false,
  // Currencies have no delete: these say what names one, for the day they do.
  usedBy: [
    { table: 'pricebooks', column: 'currency_id', noun: ['pricebook', 'pricebooks'] },
    { table: 'taxes', column: 'currency_id', noun: ['tax', 'taxes'] },
    { table: 'quotes', column: 'currency_id', noun: ['quote', 'quotes'] },
  ],
  routes: async () => (await import('./routes.ts')).currencyRoutes,
  sample: {
    create: async ({ call }) =>
      (await call('POST', '/api/currencies', { code: freshCode(), name: 'Owner-only money' })).body.data.id,
    intrusion: { body: () => ({ code: freshCode(), name: 'Mine' }), status: 201 },
    patch: { name: 'Renamed' },
  },
})
