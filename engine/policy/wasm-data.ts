// Loads a data document into a policy's wasm memory, as opa-wasm's setData does, but from the bytes where they are.
// setData takes only an ArrayBuffer of exactly the document, so bytes in memory shared with the evaluation threads
// (or a view into a larger buffer) had to be copied first; on an evaluation thread that copy (the size of the
// document: 96 MiB at 100,000 catalog services) stayed garbage as long as the thread never collected, which a
// thread that blocks between requests may never do.

/** The exports of an OPA policy module that load JSON into its memory. */
export interface DataExports {
  opa_heap_ptr_set(address: number): void
  opa_heap_ptr_get(): number
  opa_malloc(bytes: number): number
  opa_json_parse(address: number, length: number): number
}

/**
 * Parses `data` (JSON text) into the policy's memory from `baseHeapPtr` on and returns where the document is and
 * where the heap continues after it. Throws an Error for text the module cannot parse, or opa-wasm's abort (a string) when its memory runs out.
 */
export function loadDataDocument(
  exports: DataExports,
  memory: WebAssembly.Memory,
  baseHeapPtr: number,
  data: Uint8Array,
): { dataAddr: number; dataHeapPtr: number } {
  exports.opa_heap_ptr_set(baseHeapPtr)
  const text = exports.opa_malloc(data.byteLength)
  // after the allocation: a memory that grew has a new buffer
  new Uint8Array(memory.buffer).set(data, text)
  const dataAddr = exports.opa_json_parse(text, data.byteLength)
  if (dataAddr === 0) throw new Error('failed to parse json value')
  return { dataAddr, dataHeapPtr: exports.opa_heap_ptr_get() }
}
