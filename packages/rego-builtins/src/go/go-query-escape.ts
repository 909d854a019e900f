// Go's url.QueryEscape and url.QueryUnescape (net/url): QueryEscape keeps only [A-Za-z0-9-_.~] and writes spaces
// as '+'; QueryUnescape rejects malformed escapes. urlquery.* and the templates' urlquery function use them.
import { BuiltinError } from '../host/index.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = ''
  for (const byte of encoder.encode(s)) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** Go's url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        const bad = s.slice(i, i + 3)
        throw new BuiltinError(`invalid URL escape ${JSON.stringify(bad)}`)
      }
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (c === '+') {
      bytes.push(0x20)
    } else {
      for (const b of encoder.encode(c)) bytes.push(b)
    }
  }
  return decoder.decode(new Uint8Array(bytes))
}
