// Gateway forward-auth: one endpoint nginx auth_request, Caddy forward_auth and Traefik ForwardAuth call as they are.
export { type BearerOptions, type BearerVerifier, createBearerVerifier } from './bearer-verifier.js'
export { type ClientIdentity, clientIdentityFromHeader } from './client-certificate.js'
export { FORWARD_AUTH_ROUTE, type ForwardAuthDeps, registerForwardAuthRoute } from './forward-auth-route.js'
export { forwardAuthInput, forwardedFacts } from './forwarded-request.js'
export { createTrustedProxies, type TrustedProxies } from './trusted-proxies.js'
