// Reads the head of one HTTP/1.1 request from a connection's bytes, strictly, for the one shape the fast
// connections answer themselves (fast-connections.ts): `POST <target> HTTP/1.1`, CRLF line ends, header names
// that are tokens, values without control characters, one Host, one Content-Length of digits, no
// Transfer-Encoding, Expect or Upgrade, Connection absent, keep-alive or close. Anything else — any doubt about
// where the request ends, whatever a lenient parser might accept — is "other", and the connection goes to Node's
// own parser (llhttp) from that request on, so no request is ever framed differently here and there.

/** A request head this reader accepts. Header values are as sent, without surrounding spaces. */
export interface RequestHead {
  /** The request target, e.g. /v1/data/app/allow?pretty. */
  url: string
  authorization: string | undefined
  contentType: string | undefined
  acceptEncoding: string | undefined
  contentEncoding: string | undefined
  contentLength: number
  /** False when the client sent Connection: close. */
  keepAlive: boolean
  /** Offset, in the bytes read, of the body's first byte. */
  bodyStart: number
}

/** `incomplete`: no blank line yet; `other`: not a request this reader takes. */
export type HeadReading = RequestHead | 'incomplete' | 'other'

const HEAD_END = Buffer.from('\r\n\r\n')
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Visible ASCII only: no spaces, no control characters, no bytes past 0x7E. */
const TARGET = /^\/[\x21-\x7e]*$/
const DIGITS = /^[0-9]{1,15}$/
const MAX_HEADER_LINES = 100
const METHOD = 'POST '
const VERSION = ' HTTP/1.1'

/**
 * The head of the request starting at `start`, or why not. A head longer than `maxHeadBytes` is "other" (Node's
 * parser then answers it under its own, larger limit).
 */
export function readRequestHead(bytes: Buffer, start: number, maxHeadBytes: number): HeadReading {
  const end = bytes.indexOf(HEAD_END, start)
  if (end < 0) return bytes.length - start > maxHeadBytes ? 'other' : 'incomplete'
  if (end - start > maxHeadBytes) return 'other'
  const head = bytes.toString('latin1', start, end)
  const lineEnd = head.indexOf('\r\n')
  if (lineEnd < 0 || !head.startsWith(METHOD)) return 'other'
  const requestLine = head.slice(0, lineEnd)
  if (!requestLine.endsWith(VERSION)) return 'other'
  const url = requestLine.slice(METHOD.length, -VERSION.length)
  if (!TARGET.test(url)) return 'other'
  let host: string | undefined
  let authorization: string | undefined
  let contentType: string | undefined
  let acceptEncoding: string | undefined
  let contentEncoding: string | undefined
  let contentLength: string | undefined
  let connection: string | undefined
  let lines = 0
  let at = lineEnd + 2
  while (at <= head.length) {
    if (++lines > MAX_HEADER_LINES) return 'other'
    let next = head.indexOf('\r\n', at)
    if (next < 0) next = head.length
    const line = head.slice(at, next)
    at = next + 2
    const colon = line.indexOf(':')
    if (colon <= 0) return 'other'
    const name = line.slice(0, colon)
    if (!TOKEN.test(name)) return 'other'
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')
    if (hasControl(value)) return 'other'
    switch (name.toLowerCase()) {
      case 'host':
        if (host !== undefined) return 'other'
        host = value
        break
      case 'authorization':
        if (authorization !== undefined) return 'other'
        authorization = value
        break
      case 'content-type':
        if (contentType !== undefined) return 'other'
        contentType = value
        break
      case 'accept-encoding':
        if (acceptEncoding !== undefined) return 'other'
        acceptEncoding = value
        break
      case 'content-encoding':
        if (contentEncoding !== undefined) return 'other'
        contentEncoding = value
        break
      case 'content-length':
        if (contentLength !== undefined || !DIGITS.test(value)) return 'other'
        contentLength = value
        break
      case 'connection':
        if (connection !== undefined) return 'other'
        connection = value.toLowerCase()
        break
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return 'other'
    }
  }
  if (host === undefined || contentLength === undefined) return 'other'
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') return 'other'
  return {
    url,
    authorization,
    contentType,
    acceptEncoding,
    contentEncoding,
    contentLength: Number(contentLength),
    keepAlive: connection !== 'close',
    bodyStart: end + HEAD_END.length,
  }
}

/** A control character other than horizontal tab (obs-text, 0x80–0xFF, passes, as llhttp lets it). */
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true
  }
  return false
}
