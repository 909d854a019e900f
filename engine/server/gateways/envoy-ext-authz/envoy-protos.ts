// Envoy's ext_authz v3 API, loaded at start-up from the .proto files @grpc/grpc-js-xds ships (Envoy's own
// envoy-api, xds, googleapis and protoc-gen-validate trees), so the wire format is Envoy's and nothing is copied by
// hand. Messages decode to plain objects with protojson's field names (lowerCamelCase), enums as names, 64-bit
// integers and bytes as strings, and unset fields left out, which is what OPA's Envoy plugin feeds its policies.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { loadSync, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader'

const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization'
const PROTO_FILE = 'envoy/service/auth/v3/external_auth.proto'

/** Decoding options shared by the server and by clients built from the same protos (tests, benchmarks). */
export const PROTO_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: String,
  defaults: false,
  oneofs: false,
} as const

function protoRoots(): string[] {
  const require = createRequire(import.meta.url)
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps')
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((folder) => join(deps, folder))
}

let loaded: PackageDefinition | undefined

/** Envoy's ext_authz package definition (loaded once per process). */
export function envoyAuthPackage(): PackageDefinition {
  loaded ??= loadSync([PROTO_FILE], { ...PROTO_OPTIONS, includeDirs: protoRoots() })
  return loaded
}

export type CheckMethod = MethodDefinition<Record<string, unknown>, Record<string, unknown>>

/** The Authorization service's one method, Check, with Envoy's serializers. */
export function checkMethod(): CheckMethod {
  const service = envoyAuthPackage()[AUTHORIZATION_SERVICE] as Record<string, CheckMethod> | undefined
  const check = service?.Check
  if (check === undefined) throw new Error(`${AUTHORIZATION_SERVICE}/Check is missing from ${PROTO_FILE}`)
  return check
}

export const CHECK_METHOD_PATH = `/${AUTHORIZATION_SERVICE}/Check`
