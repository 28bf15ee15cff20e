import type { Resource } from '../kernel/resource.ts'
import { addresses } from './addresses/resource.ts'
import { approvalRules } from './approval-rules/resource.ts'
import { billingFrequencies } from './billing-frequencies/resource.ts'
import { businessUnits } from './business-units/resource.ts'
import { catalogs } from './catalogs/resource.ts'
import { categories } from './categories/resource.ts'
import { contacts } from './contacts/resource.ts'
import { currencies } from './currencies/resource.ts'
import { customFields } from './custom-fields/resource.ts'
import { customers } from './customers/resource.ts'
import { events } from './events/resource.ts'
import { orders } from './orders/resource.ts'
import { paymentTerms } from './payment-terms/resource.ts'
import { pricebooks } from './pricebooks/resource.ts'
import { prices } from './prices/resource.ts'
import { productParents } from './product-parents/resource.ts'
import { products } from './products/resource.ts'
import { quotes } from './quotes/resource.ts'
import { segments } from './segments/resource.ts'
import { settings } from './settings/resource.ts'
import { taxes } from './taxes/resource.ts'
import { tokens } from './tokens/resource.ts'
import { users } from './users/resource.ts'

/**
 * Every resource of the API. Registration, scopes and token permissions, ETags, purge, lock order, events
 * and the isolation and fuzz suites are derived from this list: a new resource is its folder, one line
 * here, and its migration.
 * Parents come before their children (samples are made in this order), and token permissions show them
 * in this order.
 */
export const RESOURCES: readonly Resource[] = [
  customers,
  contacts,
  addresses,
  segments,
  paymentTerms,
  catalogs,
  categories,
  productParents,
  products,
  currencies,
  taxes,
  billingFrequencies,
  pricebooks,
  prices,
  settings,
  users,
  businessUnits,
  customFields,
  approvalRules,
  quotes,
  orders,
  tokens,
  events,
]
