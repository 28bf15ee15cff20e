import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  combinations,
  declarationProblems,
  foldBrackets,
  optionKey,
  type PlannedOption,
  planOptions,
  planVariants,
  type StoredOption,
  type StoredVariant,
} from './product-variants.ts'

function ids() {
  let n = 0
  return () => `id${++n}`
}

/** What a plan leaves stored: the options as the next write finds them. */
function asStored(plan: PlannedOption[]): StoredOption[] {
  return plan.map(({ added: _, values, ...o }) => ({
    ...o,
    values: values.map(({ added: _a, readded: _r, ...v }) => v),
  }))
}

describe('foldBrackets', () => {
  it('moves bracket keys into their nested objects and leaves other keys alone', () => {
    const { body, both } = foldBrackets({
      name: 'X',
      'inventory[sku]': 'S1',
      'shipping[weight]': 2.5,
      shipping: { height: 10 },
      'identifiers[crm]': null,
      'other[key]': 1,
    })
    assert.deepEqual(both, [])
    assert.deepEqual(body, {
      name: 'X',
      'other[key]': 1,
      inventory: { sku: 'S1' },
      shipping: { height: 10, weight: 2.5 },
      identifiers: { crm: null },
    })
  })
  it('names every field sent both ways, keeping the nested value', () => {
    const { body, both } = foldBrackets({
      'inventory[sku]': 'A',
      inventory: { sku: 'B' },
      'shipping[width]': 1,
    })
    assert.deepEqual(both, ['inventory.sku'])
    assert.deepEqual(body.inventory, { sku: 'B' })
  })
  it('leaves bracket keys in place beside a group that is not an object, for the schema to refuse', () => {
    const { body, both } = foldBrackets({ inventory: 'nope', 'inventory[sku]': 'A' })
    assert.deepEqual(both, [])
    assert.deepEqual(body, { inventory: 'nope', 'inventory[sku]': 'A' })
  })
})

describe('planOptions', () => {
  it('generates api_names from names, unique within the parent and the option', () => {
    const plan = planOptions(
      [],
      [
        {
          name: 'Seniority',
          values: [{ name: 'Senior' }, { name: 'senior!' }, { name: 'Junior', api_name: 'senior_2' }],
        },
        { name: 'Seniority', values: [{ name: '—' }] },
      ],
      ids(),
    )
    assert.deepEqual(
      plan.map((o) => [o.api_name, o.values.map((v) => v.api_name)]),
      [
        ['seniority', ['senior', 'senior_3', 'senior_2']],
        ['seniority_2', ['value']],
      ],
    )
    assert.ok(plan.every((o) => o.added && o.values.every((v) => v.added && !v.removed)))
  })
  it('matches stored options by api_name, marks those left out removed, and flags values declared again', () => {
    const first = planOptions(
      [],
      [{ name: 'Size', values: [{ name: 'S' }, { name: 'M' }, { name: 'L' }] }],
      ids(),
    )
    const second = planOptions(
      asStored(first),
      [{ name: 'Size', values: [{ name: 'S' }, { name: 'L' }] }],
      ids(),
    )
    assert.equal(second[0]!.id, first[0]!.id)
    assert.deepEqual(
      second[0]!.values.map((v) => [
        v.api_name,
        v.removed,
        v.id === first[0]!.values.find((f) => f.api_name === v.api_name)!.id,
      ]),
      [
        ['s', false, true],
        ['l', false, true],
        ['m', true, true],
      ],
    )
    const third = planOptions(
      asStored(second),
      [{ name: 'Size', values: [{ name: 'S' }, { name: 'M' }, { name: 'L' }] }],
      ids(),
    )
    assert.deepEqual(
      third[0]!.values.map((v) => [v.api_name, v.removed, v.readded]),
      [
        ['s', false, false],
        ['m', false, true],
        ['l', false, false],
      ],
    )
  })
  it('refuses api_names given twice', () => {
    assert.deepEqual(
      declarationProblems([
        {
          name: 'A',
          api_name: 'a',
          values: [
            { name: 'x', api_name: 'x' },
            { name: 'y', api_name: 'x' },
          ],
        },
        { name: 'B', api_name: 'a', values: [{ name: 'x' }] },
      ]),
      [
        "Field 'options[0].values[1].api_name' repeats 'x': each value of an option needs its own",
        "Field 'options[1].api_name' repeats 'a': each option needs its own",
      ],
    )
  })
})

describe('combinations', () => {
  it('makes every combination of active values, the first option varying slowest', () => {
    const v = (id: string, removed = false) => ({ id, removed })
    const combos = combinations([
      { removed: false, values: [v('a'), v('b'), v('gone', true)] },
      { removed: true, values: [v('x')] },
      { removed: false, values: [v('1'), v('2')] },
    ])
    assert.deepEqual(
      combos.map((c) => c.map((x) => x.id)),
      [
        ['a', '1'],
        ['a', '2'],
        ['b', '1'],
        ['b', '2'],
      ],
    )
    assert.deepEqual(combinations([]), [[]])
    assert.equal(optionKey(['b', 'a']), 'a,b')
  })
})

describe('planVariants', () => {
  const parent = { name: 'Consulting Services', api_name: 'consulting_services' }
  const twoByThree = [
    { name: 'Seniority', values: [{ name: 'Junior' }, { name: 'Senior' }, { name: 'Expert' }] },
    { name: 'Region', values: [{ name: 'EU' }, { name: 'US' }, { name: 'Asia' }] },
  ]
  const defaultVariant: StoredVariant = {
    id: 'default',
    name: 'Consulting Services',
    api_name: 'consulting_services',
    value_ids: [],
    is_active: true,
    is_default: true,
    position: 0,
  }

  /** Applies a plan to the variants, as the store does. */
  function apply(variants: StoredVariant[], plan: ReturnType<typeof planVariants>): StoredVariant[] {
    const out = variants.map((v) => {
      const c = plan.change.find((x) => x.id === v.id)
      return c ? { ...v, ...c.set, value_ids: [...v.value_ids, ...c.add_value_ids] } : v
    })
    for (const n of plan.create) out.push({ ...n, is_active: true })
    return out.sort((a, b) => a.position - b.position)
  }

  it('turns the default variant into the first of 9 combinations and creates the 8 others', () => {
    const options = planOptions([], twoByThree, ids())
    const plan = planVariants({
      parent,
      previousParentName: parent.name,
      options,
      previousValueNames: new Map(),
      variants: [defaultVariant],
      newId: ids(),
    })
    assert.equal(plan.create.length, 8)
    const variants = apply([defaultVariant], plan)
    assert.equal(variants.length, 9)
    assert.equal(variants[0]!.id, 'default')
    assert.deepEqual(
      variants.map((v) => v.name),
      [
        'Junior - EU',
        'Junior - US',
        'Junior - Asia',
        'Senior - EU',
        'Senior - US',
        'Senior - Asia',
        'Expert - EU',
        'Expert - US',
        'Expert - Asia',
      ].map((s) => `Consulting Services - ${s}`),
    )
    assert.equal(variants[4]!.api_name, 'consulting_services_senior_us')
    assert.deepEqual(
      variants.map((v) => v.is_default),
      [true, false, false, false, false, false, false, false, false],
    )
  })

  it('adds the variants of a new value, deactivates those of a removed one and reactivates them when it returns', () => {
    const newId = ids()
    const first = planOptions([], twoByThree, newId)
    let variants = apply(
      [defaultVariant],
      planVariants({
        parent,
        previousParentName: parent.name,
        options: first,
        previousValueNames: new Map(),
        variants: [defaultVariant],
        newId,
      }),
    )
    const step = (declared: typeof twoByThree, stored: StoredOption[]) => {
      const options = planOptions(stored, declared, newId)
      variants = apply(
        variants,
        planVariants({
          parent,
          previousParentName: parent.name,
          options,
          previousValueNames: new Map(),
          variants,
          newId,
        }),
      )
      return options
    }
    const withLead = step(
      [twoByThree[0]!, { name: 'Region', values: [...twoByThree[1]!.values, { name: 'LATAM' }] }].map(
        (o) => ({ ...o, values: [...o.values] }),
      ),
      asStored(first),
    )
    // Seniority gains nothing; Region gains LATAM: 3 more variants.
    assert.equal(variants.length, 12)
    assert.equal(variants.filter((v) => v.is_active).length, 12)
    const withoutUs = step(
      [twoByThree[0]!, { name: 'Region', values: [{ name: 'EU' }, { name: 'Asia' }, { name: 'LATAM' }] }],
      asStored(withLead),
    )
    assert.equal(variants.length, 12, 'never deleted')
    const inactive = variants.filter((v) => !v.is_active).map((v) => v.name)
    assert.deepEqual(inactive.sort(), [
      'Consulting Services - Expert - US',
      'Consulting Services - Junior - US',
      'Consulting Services - Senior - US',
    ])
    step(
      [
        twoByThree[0]!,
        { name: 'Region', values: [{ name: 'EU' }, { name: 'US' }, { name: 'Asia' }, { name: 'LATAM' }] },
      ],
      asStored(withoutUs),
    )
    assert.equal(variants.length, 12)
    assert.equal(variants.filter((v) => v.is_active).length, 12)
    assert.equal(variants.filter((v) => v.is_default).length, 1)
    assert.equal(variants[0]!.id, 'default')
  })

  it('renames the variants whose names were generated, not those renamed by hand', () => {
    const newId = ids()
    const options = planOptions(
      [],
      [{ name: 'Seniority', values: [{ name: 'Junior' }, { name: 'Senior' }] }],
      newId,
    )
    let variants = apply(
      [defaultVariant],
      planVariants({
        parent,
        previousParentName: parent.name,
        options,
        previousValueNames: new Map(),
        variants: [defaultVariant],
        newId,
      }),
    )
    variants = variants.map((v) => (v.position === 1 ? { ...v, name: 'Hand-made' } : v))
    const plan = planVariants({
      parent: { ...parent, name: 'Advisory' },
      previousParentName: parent.name,
      options: planOptions(
        asStored(options),
        [{ name: 'Seniority', values: [{ name: 'Junior' }, { name: 'Senior' }] }],
        newId,
      ),
      previousValueNames: new Map(),
      variants,
      newId,
    })
    assert.deepEqual(
      apply(variants, plan).map((v) => [v.name, v.api_name]),
      [
        ['Advisory - Junior', 'consulting_services_junior'],
        ['Hand-made', 'consulting_services_senior'],
      ],
    )
  })
})
