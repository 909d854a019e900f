// The conformance harness: OPA's v1 YAML cases compiled to wasm by a Go helper and evaluated with this package's
// builtins through an injected policy loader (policy-loader.ts). run.ts is the CLI (`npm run conformance`); the
// CI sample test uses these.
export type { CaseFailure, ConformanceOptions, ConformanceReport } from './conformance-run.js'
export { runConformance } from './conformance-run.js'
export { knownFailuresFile, readKnownFailures, writeKnownFailures } from './known-failures.js'
export { opaModuleDir, pinnedOpaVersion } from './opa-source.js'
export type { ConformancePolicy, PolicyLoader } from './policy-loader.js'
export { sampleKeys } from './sample.js'
