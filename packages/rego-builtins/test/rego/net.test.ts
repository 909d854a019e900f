import { describe, expect, it } from 'vitest'
import { builtinCaller } from '../helpers/call-builtin.js'

const call = builtinCaller()

describe('net builtins', () => {
  it('validates CIDRs with Go rules', () => {
    expect(call('net.cidr_is_valid', '10.0.0.0/8')).toBe(true)
    expect(call('net.cidr_is_valid', '2001:db8::/32')).toBe(true)
    expect(call('net.cidr_is_valid', '10.0.0.0/33')).toBe(false)
    expect(call('net.cidr_is_valid', '010.0.0.0/8')).toBe(false)
    expect(call('net.cidr_is_valid', 42)).toBe(false)
  })

  it('expands a block into its addresses, sorted like a set', () => {
    expect(call('net.cidr_expand', '192.168.1.254/31')).toEqual(['192.168.1.254', '192.168.1.255'])
    expect(call('net.cidr_expand', '10.0.0.0/30')).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3'])
    expect(call('net.cidr_expand', '2001:db8::/127')).toEqual(['2001:db8::', '2001:db8::1'])
  })

  it('merges adjacent and overlapping blocks into the fewest CIDRs', () => {
    expect(call('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24'])).toEqual(['192.0.128.0/23'])
    expect(call('net.cidr_merge', ['10.0.0.0/8', '10.1.2.0/24', '12.0.0.0/8'])).toEqual([
      '10.0.0.0/8',
      '12.0.0.0/8',
    ])
    expect(call('net.cidr_merge', ['10.0.0.0/8', '11.0.0.0/8'])).toEqual(['10.0.0.0/7'])
    expect(call('net.cidr_merge', ['192.0.1.0/24', '192.0.2.0/24', '192.0.3.0/24'])).toEqual([
      '192.0.1.0/24',
      '192.0.2.0/23',
    ])
    expect(call('net.cidr_merge', ['2001:db8::/64', '2001:db8:0:1::/64'])).toEqual(['2001:db8::/63'])
    expect(call('net.cidr_merge', ['192.168.3.1'])).toEqual(['192.168.3.1/24'])
    expect(call('net.cidr_merge', ['::1'])).toBeUndefined()
  })

  it('reports which CIDRs contain which addresses or blocks, by index or key', () => {
    expect(call('net.cidr_contains_matches', ['1.1.1.0/24', '2.2.2.0/24'], '2.2.2.2')).toEqual([
      [1, '2.2.2.2'],
    ])
    expect(
      call('net.cidr_contains_matches', { a: '10.0.0.0/8', b: ['11.0.0.0/8', 'x'] }, [
        '10.1.0.0/16',
        '11.0.0.1',
      ]),
    ).toEqual([
      ['a', 0],
      ['b', 1],
    ])
  })
})
