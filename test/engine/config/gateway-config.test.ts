// The gateway faces' flags: off unless asked for, defaults written once, bad values refused at start-up by name.
import { describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../../engine/config/config.js'
import { GATEWAY_DEFAULTS, gatewayConfigFromOptions } from '../../../engine/config/gateway-config.js'

describe('gateway configuration', () => {
  it('turns every face off when no flag asks for one', () => {
    expect(serveConfigFromOptions({ bundle: ['b.tar.gz'] }).gateways).toEqual({
      envoy: undefined,
      forwardAuth: undefined,
      authzenPath: undefined,
    })
  })

  it("defaults ext_authz to OPA-Envoy's decision path and Envoy's message limit", () => {
    expect(gatewayConfigFromOptions({ envoyGrpcAddr: '127.0.0.1:9191' }).envoy).toEqual({
      addr: '127.0.0.1:9191',
      path: 'envoy/authz/allow',
      dryRun: false,
      maxRequestBytes: GATEWAY_DEFAULTS.envoyMaxRequestBytes,
      maxHeaderBytes: GATEWAY_DEFAULTS.envoyMaxHeaderBytes,
      jwtPayloadKey: 'jwt_payload',
    })
  })

  it('reads forward-auth settings, lower-casing the certificate header', () => {
    expect(
      gatewayConfigFromOptions({
        forwardAuth: true,
        trustedProxy: ['10.0.0.0/8', '::1', '127.0.0.1'],
        clientCertHeader: 'X-Client-Cert',
        jwksUrl: 'https://id.example/jwks.json',
      }).forwardAuth,
    ).toMatchObject({
      path: 'clearance/gateway/decision',
      trustedProxies: ['10.0.0.0/8', '::1', '127.0.0.1'],
      clientCertHeader: 'x-client-cert',
      jwksUrl: 'https://id.example/jwks.json',
    })
  })

  it.each([
    [{ envoyGrpcAddr: 'nowhere' }, '--envoy-grpc-addr'],
    [{ envoyDryRun: true }, '--envoy-dry-run'],
    [{ envoyGrpcAddr: ':9191', envoyMaxRequestBytes: '0' }, '--envoy-max-request-bytes'],
    [{ envoyGrpcAddr: ':9191', envoyDecision: '/' }, '--envoy-decision'],
    [{ forwardAuth: true, trustedProxy: ['10.0.0.0/33'] }, '--trusted-proxy'],
    [{ forwardAuth: true, trustedProxy: ['proxy.local'] }, '--trusted-proxy'],
    [{ forwardAuth: true, jwksFile: '/no/such/jwks.json' }, '--jwks-file'],
    [{ forwardAuth: true, jwksUrl: 'not a url' }, '--jwks-url'],
    [{ authzenDecision: '' }, '--authzen-decision'],
  ])('refuses %j naming %s', (options, field) => {
    expect(() => gatewayConfigFromOptions(options)).toThrow(field)
  })
})
