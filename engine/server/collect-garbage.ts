// After a large bundle is activated, what it took to load it (the parsed JSON, encoded copies, the replaced policy
// set) is garbage that V8 returns to the operating system only at its next full collection, which on a quiet
// server can be a long time coming. The server asks for that collection once, after the swap has settled.
import v8 from 'node:v8'
import vm from 'node:vm'

let collector: (() => void) | null | undefined

/** V8's full garbage collection, or undefined where it cannot be had. Does not set globalThis.gc. */
export function fullGarbageCollector(): (() => void) | undefined {
  if (collector === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collector = vm.runInNewContext('gc') as () => void
    } catch {
      collector = null
    }
  }
  return collector ?? undefined
}
