// The only cases the harness does not hold against Clearance, each class named:
//  - OPA's own wasm exceptions (internal/wasm/sdk/test/e2e/exceptions.yaml): what the wasm target cannot
//    express at all, e.g. integers beyond 64 bits. They are still run, and the report says how many pass anyway.
//  - Builtins Clearance refuses by design at build time (network access from policies).
import type { CompiledCase, ListedCase } from './case-manifest.js'

/** Builtins left out of capabilities.json on purpose; a case that needs one cannot be built for Clearance. */
export const REFUSED_BUILTINS = ['http.send', 'net.lookup_ip_addr'] as const

export function exceptionClass(reason: string): string {
  if (reason.includes('3711')) return 'wasm: integers beyond 64 bits (OPA issue 3711)'
  return `wasm: ${reason}`
}

export function skipClass(c: (ListedCase | CompiledCase) & { exception?: string }): string | undefined {
  if (c.exception !== undefined && c.exception !== '') return exceptionClass(c.exception)
  if ('compileError' in c && c.compileError !== undefined) {
    // Either the call itself is undefined, or the case mocks the builtin (`with http.send as …`), which also
    // needs it declared.
    const refused =
      REFUSED_BUILTINS.find((name) => c.compileError?.includes(`undefined function ${name}`)) ??
      REFUSED_BUILTINS.find((name) => c.mentions?.includes(name))
    if (refused !== undefined) return `refused by Clearance capabilities: ${refused}`
  }
  return undefined
}
