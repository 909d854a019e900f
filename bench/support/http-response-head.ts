// The head of one HTTP/1.1 response, read strictly and without allocating: just what the open-loop client needs to
// frame answers on a keep-alive socket (status, Content-Length, Connection: close). The client only talks to the
// servers under test on 127.0.0.1, so framing it does not know (no Content-Length, chunked bodies, a 1xx interim
// answer) is an error it counts as a failure rather than something it guesses at.

export interface ResponseHead {
  status: number
  /** Bytes of the whole response, head and body. */
  length: number
  /** The server closes the connection after this response. */
  close: boolean
}

const CR = 13
const LF = 10
const HEAD_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = Buffer.from('content-length')
const CONNECTION = Buffer.from('connection')
const CLOSE = Buffer.from('close')
const HTTP_1 = Buffer.from('HTTP/1.')

/** Whether `buf[from, from + name.length)` equals `name`, ASCII case-insensitively (`name` is lower case). */
function matchesLower(buf: Buffer, from: number, name: Buffer): boolean {
  for (let i = 0; i < name.length; i++) {
    if ((buf[from + i]! | 0x20) !== name[i]) return false
  }
  return true
}

function skipSpaces(buf: Buffer, at: number, end: number): number {
  let i = at
  while (i < end && (buf[i] === 32 || buf[i] === 9)) i++
  return i
}

/**
 * Reads the response head at the start of `buf`: `undefined` while the head is incomplete, its status and total
 * length once it is whole. Throws on a malformed status line or framing this client does not read.
 */
export function parseResponseHead(buf: Buffer): ResponseHead | undefined {
  const headEnd = buf.indexOf(HEAD_END)
  if (headEnd < 0) return undefined
  // "HTTP/1.x NNN"
  if (headEnd < 12 || HTTP_1.compare(buf, 0, 7) !== 0 || buf[8] !== 32) {
    throw new Error('malformed status line')
  }
  const status = (buf[9]! - 48) * 100 + (buf[10]! - 48) * 10 + (buf[11]! - 48)
  if (!(status >= 200 && status <= 599)) throw new Error(`unexpected status ${status}`)
  let contentLength = -1
  let close = false
  let line = buf.indexOf(LF, 0) + 1
  while (line < headEnd) {
    let lineEnd = buf.indexOf(LF, line)
    if (lineEnd < 0 || lineEnd > headEnd + 1) lineEnd = headEnd + 1
    const valueEnd = buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd
    if (buf[line + CONTENT_LENGTH.length] === 58 && matchesLower(buf, line, CONTENT_LENGTH)) {
      let value = 0
      let digits = 0
      for (let i = skipSpaces(buf, line + CONTENT_LENGTH.length + 1, valueEnd); i < valueEnd; i++) {
        const digit = buf[i]! - 48
        if (digit < 0 || digit > 9) break
        value = value * 10 + digit
        digits++
      }
      if (digits === 0) throw new Error('malformed content-length')
      contentLength = value
    } else if (buf[line + CONNECTION.length] === 58 && matchesLower(buf, line, CONNECTION)) {
      const at = skipSpaces(buf, line + CONNECTION.length + 1, valueEnd)
      close = valueEnd - at >= CLOSE.length && matchesLower(buf, at, CLOSE)
    }
    line = lineEnd + 1
  }
  if (contentLength < 0) throw new Error('response without content-length')
  return { status, length: headEnd + 4 + contentLength, close }
}
