// The conformance harness: OPA's v1 YAML cases compiled to wasm by a Go helper and evaluated through
// Clearance's evaluator and builtins. run.ts is the CLI (`npm run conformance`); the CI sample test uses these.
export type { CaseFailure, ConformanceOptions, ConformanceReport } from './conformance-run.js'
export { runConformance } from './conformance-run.js'
export { knownFailuresFile, readKnownFailures, writeKnownFailures } from './known-failures.js'
export { opaModuleDir, pinnedOpaVersion } from './opa-source.js'
export { sampleKeys } from './sample.js'
