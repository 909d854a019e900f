// Reading the client a proxy verified, and deciding which proxies to believe.
import { X509Certificate } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  clientIdentityFromHeader,
  createTrustedProxies,
} from '../../../../engine/server/gateways/forward-auth/index.js'
import { type Credential, createAuthority, issueSvid } from '../../../helpers/pki.js'

describe('clientIdentityFromHeader', () => {
  let svid: Credential
  let fingerprint: string
  beforeAll(async () => {
    svid = await issueSvid(await createAuthority('xfcc-ca'), 'spiffe://shop.example/ns/prod/sa/web')
    fingerprint = `sha256:${new X509Certificate(svid.cert).fingerprint256.replaceAll(':', '').toLowerCase()}`
  })

  it('takes the last hop of an XFCC header, with quoted values holding commas and semicolons', () => {
    const hash = 'a'.repeat(64)
    const header = [
      'By=spiffe://a;URI=spiffe://shop.example/ns/edge/sa/gateway',
      `By=spiffe://b;Hash=${hash};Subject="CN=web,O=shop;x";URI=spiffe://shop.example/ns/prod/sa/web`,
    ].join(',')
    expect(clientIdentityFromHeader(header)).toEqual({
      principal: 'spiffe://shop.example/ns/prod/sa/web',
      cert_fingerprint: `sha256:${hash}`,
    })
  })

  it('reads a URL-escaped PEM certificate as nginx forwards it', () => {
    expect(clientIdentityFromHeader(encodeURIComponent(svid.cert))).toEqual({
      principal: 'spiffe://shop.example/ns/prod/sa/web',
      cert_fingerprint: fingerprint,
    })
  })

  it("reads XFCC's Cert element", () => {
    expect(clientIdentityFromHeader(`Cert="${encodeURIComponent(svid.cert)}"`)).toEqual({
      principal: 'spiffe://shop.example/ns/prod/sa/web',
      cert_fingerprint: fingerprint,
    })
  })

  it('treats an empty header as no certificate and refuses one that names no identity', () => {
    expect(clientIdentityFromHeader('')).toBeUndefined()
    expect(() => clientIdentityFromHeader('By=x;DNS=web')).toThrow(
      /neither a SPIFFE URI nor a certificate hash/,
    )
    expect(() =>
      clientIdentityFromHeader('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).toThrow(/no readable certificate/)
  })
})

describe('createTrustedProxies', () => {
  it('matches addresses and CIDR blocks, IPv4-mapped IPv6 peers as IPv4', () => {
    const trusted = createTrustedProxies(['127.0.0.1', '10.20.0.0/16', 'fd00::/8'])
    expect(trusted.has('127.0.0.1')).toBe(true)
    expect(trusted.has('::ffff:127.0.0.1')).toBe(true)
    expect(trusted.has('10.20.3.4')).toBe(true)
    expect(trusted.has('10.21.0.1')).toBe(false)
    expect(trusted.has('fd12::1')).toBe(true)
    expect(trusted.has(undefined)).toBe(false)
    expect(trusted.has('not-an-ip')).toBe(false)
  })

  it('refuses an entry that is not an address', () => {
    expect(() => createTrustedProxies(['gateway.local'])).toThrow(/--trusted-proxy/)
  })
})
