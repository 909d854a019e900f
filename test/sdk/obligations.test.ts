// Obligations read into what a service acts on, and mask_fields applied to response bodies.
import { describe, expect, it } from 'vitest'
import { maskFields, readObligations } from '../../sdk/index.js'

describe('obligations', () => {
  it('reads every obligation type the policy library emits', () => {
    expect(
      readObligations([
        { type: 'audit' },
        { type: 'mask_fields', fields: ['card.pan', 'card.expiry'] },
        { type: 'rate_limit', class: 'internet_user' },
        { type: 'require_mtls' },
        { type: 'restrict_to_owner', field: 'customer_id' },
      ]),
    ).toEqual({
      audit: true,
      maskFields: ['card.pan', 'card.expiry'],
      rateLimitClass: 'internet_user',
      restrictToOwner: 'customer_id',
      missingControls: ['mtls'],
      unknown: [],
    })
  })

  it('lists obligations it does not understand, malformed ones included', () => {
    const read = readObligations([{ type: 'notify_dpo' }, { type: 'mask_fields', fields: 'card.pan' }])
    expect(read.unknown).toEqual([{ type: 'notify_dpo' }, { type: 'mask_fields', fields: 'card.pan' }])
    expect(read.maskFields).toEqual([])
  })
})

describe('mask fields', () => {
  it('redacts dotted paths, through arrays, leaving the original untouched', () => {
    const body = {
      status: 'charged',
      card: { pan: '4111111111111111', expiry: '12/29', brand: 'visa' },
      orders: [{ customer: { email: 'a@x' } }, { customer: { email: 'b@x', name: 'B' } }],
    }
    const masked = maskFields(body, ['card.pan', 'card.expiry', 'orders.customer.email', 'missing.field'])
    expect(masked).toEqual({
      status: 'charged',
      card: { pan: '***', expiry: '***', brand: 'visa' },
      orders: [{ customer: { email: '***' } }, { customer: { email: '***', name: 'B' } }],
    })
    expect(body.card.pan).toBe('4111111111111111')
  })

  it('masks every element of a top-level list', () => {
    expect(maskFields([{ email: 'a' }, { email: 'b' }], ['email'], null)).toEqual([
      { email: null },
      { email: null },
    ])
  })
})
