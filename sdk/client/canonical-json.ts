// JSON text with object keys in sorted order at every depth, so two inputs that differ only in key order (or in
// members whose value is undefined, which JSON drops) give the same text: the decision cache's key.

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(typeof value === 'bigint' ? value.toString() : (JSON.stringify(value) ?? 'null'))
    return
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    write((value as { toJSON(): unknown }).toJSON(), out)
    return
  }
  if (Array.isArray(value)) {
    out.push('[')
    value.forEach((item, index) => {
      if (index > 0) out.push(',')
      write(item === undefined || typeof item === 'function' ? null : item, out)
    })
    out.push(']')
    return
  }
  const record = value as Record<string, unknown>
  out.push('{')
  let first = true
  for (const key of Object.keys(record).sort()) {
    const member = record[key]
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue
    if (!first) out.push(',')
    first = false
    out.push(JSON.stringify(key), ':')
    write(member, out)
  }
  out.push('}')
}

/** Canonical JSON text of a JSON value (bigint written as an exact integer). */
export function canonicalJson(value: unknown): string {
  const out: string[] = []
  write(value, out)
  return out.join('')
}
