// The file digests of OPA's bundle signatures (v1/bundle/hash.go): structured files (data.json, data.yaml,
// data.yml, .manifest) are hashed in a canonical JSON form so whitespace and key order do not matter; every other
// file is hashed as its raw bytes. The canonical form is what Go's encoding/json writes for the parsed value:
// object keys sorted bytewise, no spaces, numbers as written, strings escaped as Go escapes them.
import { createHash, type Hash } from 'node:crypto'
import { isLosslessNumber, parse as losslessParse } from 'lossless-json'
import { parse as parseYaml } from 'yaml'

/** OPA's hashing algorithm names and their node:crypto names. */
const ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
}

export function isSupportedHashAlgorithm(algorithm: string): boolean {
  return Object.hasOwn(ALGORITHMS, algorithm)
}

/** OPA's IsStructuredDoc: the files whose parsed value, not their bytes, is signed. */
export function isStructuredDoc(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1)
  return base === 'data.json' || base === 'data.yaml' || base === 'data.yml' || base === '.manifest'
}

const HEX = '0123456789abcdef'

/** A string as Go's encoding/json writes it with HTML escaping off (Go 1.22+: \b and \f get short escapes). */
export function goJsonString(value: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    let escaped: string | undefined
    if (code < 0x20 || code === 0x22 || code === 0x5c) {
      switch (code) {
        case 0x22:
          escaped = '\\"'
          break
        case 0x5c:
          escaped = '\\\\'
          break
        case 0x08:
          escaped = '\\b'
          break
        case 0x0c:
          escaped = '\\f'
          break
        case 0x0a:
          escaped = '\\n'
          break
        case 0x0d:
          escaped = '\\r'
          break
        case 0x09:
          escaped = '\\t'
          break
        default:
          escaped = `\\u00${HEX[code >> 4]}${HEX[code & 0xf]}`
      }
    } else if (code === 0x2028 || code === 0x2029) {
      escaped = code === 0x2028 ? '\\u2028' : '\\u2029'
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // Go decodes a lone surrogate escape to U+FFFD; a valid pair is written as the character it encodes.
      const next = value.charCodeAt(i + 1)
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      escaped = '\ufffd'
    }
    if (escaped !== undefined) {
      out += value.slice(start, i) + escaped
      start = i + 1
    }
  }
  return `${out + value.slice(start)}"`
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

function canonicalNumber(value: number | bigint): string {
  // YAML numbers: Go's encoder writes floats the way JavaScript does for all but a few exponent spellings.
  return typeof value === 'bigint' ? value.toString() : JSON.stringify(value)
}

/** Feeds the canonical JSON of a parsed value into `hash`, the way OPA's hash.go walk() does. */
function walk(value: unknown, hash: Hash): void {
  if (value === null || value === undefined) {
    hash.update('null')
  } else if (Array.isArray(value)) {
    hash.update('[')
    value.forEach((item, index) => {
      if (index > 0) hash.update(',')
      walk(item, hash)
    })
    hash.update(']')
  } else if (isLosslessNumber(value)) {
    hash.update(value.value)
  } else if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    hash.update('{')
    Object.keys(record)
      .sort(byteOrder)
      .forEach((key, index) => {
        if (index > 0) hash.update(',')
        hash.update(goJsonString(key))
        hash.update(':')
        walk(record[key], hash)
      })
    hash.update('}')
  } else if (typeof value === 'string') {
    hash.update(goJsonString(value))
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    hash.update(canonicalNumber(value))
  } else if (typeof value === 'boolean') {
    hash.update(value ? 'true' : 'false')
  } else {
    throw new TypeError(`cannot hash a ${typeof value}`)
  }
}

const decoder = new TextDecoder('utf-8')

function parseStructured(path: string, bytes: Uint8Array): unknown {
  let text = decoder.decode(bytes)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  try {
    return losslessParse(text)
  } catch (jsonError) {
    // OPA's util.Unmarshal reads anything that is not JSON as YAML, whatever the file is called.
    if (!/\.ya?ml$/.test(path) && !path.endsWith('.manifest')) throw jsonError
    return parseYaml(text)
  }
}

/** Hex digest of one bundle file as OPA's signer computes it. Throws for an unsupported algorithm or bad JSON. */
export function hashBundleFile(path: string, bytes: Uint8Array, algorithm: string): string {
  const name = ALGORITHMS[algorithm]
  if (name === undefined) throw new Error(`unsupported hashing algorithm: ${algorithm}`)
  const hash = createHash(name)
  if (isStructuredDoc(path)) walk(parseStructured(path, bytes), hash)
  else hash.update(bytes)
  return hash.digest('hex')
}
