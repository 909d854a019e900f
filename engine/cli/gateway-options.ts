// The flags of the gateway faces on `clearance serve`: Envoy ext_authz, forward-auth, AuthZEN. Defaults come from
// config/gateway-config.ts, where they are written once.
import type { Command } from 'commander'
import { GATEWAY_DEFAULTS } from '../config/index.js'
import { collect } from './command-helpers.js'

export function addGatewayOptions(serve: Command): Command {
  return serve
    .option('--envoy-grpc-addr <host:port>', "serve Envoy's ext_authz gRPC API (Authorization/Check) here")
    .option(
      '--envoy-decision <path>',
      "decision ext_authz evaluates (OPA-Envoy's default; clearance/gateway/envoy for Clearance's model)",
      GATEWAY_DEFAULTS.envoyDecision,
    )
    .option(
      '--envoy-dry-run',
      'answer every ext_authz check OK; log and count the denies that would have been sent',
    )
    .option(
      '--envoy-max-request-bytes <n>',
      'largest CheckRequest accepted (larger ones are denied)',
      String(GATEWAY_DEFAULTS.envoyMaxRequestBytes),
    )
    .option(
      '--envoy-max-header-bytes <n>',
      'most header bytes one checked request may carry (more are denied)',
      String(GATEWAY_DEFAULTS.envoyMaxHeaderBytes),
    )
    .option(
      '--envoy-jwt-payload-key <name>',
      "payload_in_metadata of Envoy's jwt_authn filter, read as the verified user",
      GATEWAY_DEFAULTS.envoyJwtPayloadKey,
    )
    .option('--forward-auth', 'serve ANY /v1/gateway/forward-auth for nginx auth_request, Caddy and Traefik')
    .option(
      '--forward-auth-decision <path>',
      'decision forward-auth evaluates ({allow, reasons, obligations})',
      GATEWAY_DEFAULTS.forwardAuthDecision,
    )
    .option(
      '--trusted-proxy <ip|cidr>',
      'proxy whose forwarded headers and client certificates are believed',
      collect,
    )
    .option(
      '--client-cert-header <name>',
      'header a trusted proxy forwards the verified client certificate in (XFCC or PEM)',
      GATEWAY_DEFAULTS.clientCertHeader,
    )
    .option('--jwks-file <file>', 'JWKS that verifies bearer tokens at forward-auth')
    .option('--jwks-url <url>', 'JWKS URL that verifies bearer tokens at forward-auth')
    .option('--jwt-issuer <iss>', 'issuer bearer tokens must carry')
    .option('--jwt-audience <aud>', 'audience bearer tokens must carry')
    .option('--authzen-decision <path>', 'serve AuthZEN 1.0 (/access/v1/evaluation[s]) from this decision')
}
