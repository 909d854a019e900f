// The proxies whose forwarded headers are believed: exact addresses or CIDR blocks, IPv4 and IPv6. A request from
// anywhere else is judged by its own socket only.
import { BlockList, isIP } from 'node:net'
import { ClearanceError, ErrorCodes } from '../../../errors.js'

export interface TrustedProxies {
  has(address: string | undefined): boolean
}

/** "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

export function createTrustedProxies(entries: readonly string[], field = '--trusted-proxy'): TrustedProxies {
  const list = new BlockList()
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/')
    const family = isIP(address)
    if (family === 0) {
      throw new ClearanceError(
        ErrorCodes.configError,
        `invalid ${field}: "${entry}" is not an address or CIDR`,
      )
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (prefix === undefined) list.addAddress(address, type)
    else {
      const bits = Number(prefix)
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
        throw new ClearanceError(
          ErrorCodes.configError,
          `invalid ${field}: "${entry}" has a bad prefix length`,
        )
      }
      list.addSubnet(address, bits, type)
    }
  }
  return {
    has(address) {
      if (address === undefined) return false
      const plain = plainAddress(address)
      const family = isIP(plain)
      return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6')
    },
  }
}
