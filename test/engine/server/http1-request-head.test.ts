// The strict head reader of fast connections: the one shape it takes, read exactly, and "other" for everything a
// lenient parser might frame differently (so Node's parser decides), "incomplete" while the blank line is missing.
import { describe, expect, it } from 'vitest'
import { readRequestHead } from '../../../engine/server/http1-request-head.js'

const MAX = 16 * 1024
const read = (text: string, start = 0) => readRequestHead(Buffer.from(text, 'latin1'), start, MAX)
const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`

describe('readRequestHead', () => {
  it('reads a data API POST: target, the headers the route needs, the body offset', () => {
    const text = head([
      'POST /v1/data/app/allow?pretty HTTP/1.1',
      'Host: pdp',
      'content-type:application/json ',
      'Authorization: Bearer abc',
      'Accept-Encoding: gzip',
      'Content-Encoding: gzip',
      'Content-Length: 12',
      'X-Other: anything at all',
    ])
    expect(read(`${text}{"input":{}}`)).toEqual({
      url: '/v1/data/app/allow?pretty',
      authorization: 'Bearer abc',
      contentType: 'application/json',
      acceptEncoding: 'gzip',
      contentEncoding: 'gzip',
      contentLength: 12,
      keepAlive: true,
      bodyStart: text.length,
    })
  })

  it('reads a request that starts further on in the bytes (pipelining)', () => {
    const first = `${head(['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 2'])}{}`
    const second = head(['POST /v1/data/b HTTP/1.1', 'Host: x', 'Content-Length: 0', 'Connection: close'])
    expect(read(first + second, first.length)).toMatchObject({
      url: '/v1/data/b',
      keepAlive: false,
      bodyStart: first.length + second.length,
    })
  })

  it('waits for the blank line, and gives up past the head limit', () => {
    expect(read('POST /v1/data HTTP/1.1\r\nHost: x\r\n')).toBe('incomplete')
    expect(readRequestHead(Buffer.from(`POST /v1/data HTTP/1.1\r\nX: ${'a'.repeat(100)}`), 0, 64)).toBe(
      'other',
    )
    expect(
      readRequestHead(Buffer.from(head(['POST /v1/data HTTP/1.1', `X: ${'a'.repeat(100)}`])), 0, 64),
    ).toBe('other')
  })

  const others: Array<[string, string[]]> = [
    ['another method', ['GET /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0']],
    ['HTTP/1.0', ['POST /v1/data HTTP/1.0', 'Host: x', 'Content-Length: 0']],
    ['a lower-case method', ['post /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0']],
    ['two spaces in the request line', ['POST  /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0']],
    ['an absolute-form target', ['POST http://x/v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0']],
    ['a non-ASCII target', ['POST /v1/data/\u00e9 HTTP/1.1', 'Host: x', 'Content-Length: 0']],
    ['no Host', ['POST /v1/data HTTP/1.1', 'Content-Length: 0']],
    ['two Hosts', ['POST /v1/data HTTP/1.1', 'Host: x', 'Host: y', 'Content-Length: 0']],
    ['no Content-Length', ['POST /v1/data HTTP/1.1', 'Host: x']],
    ['two Content-Lengths', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Content-Length: 2']],
    ['a signed Content-Length', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: +2']],
    ['a list as Content-Length', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 2, 2']],
    [
      'Transfer-Encoding',
      ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Transfer-Encoding: chunked'],
    ],
    ['Expect', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Expect: 100-continue']],
    ['Upgrade', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Upgrade: websocket']],
    [
      'an unknown Connection option',
      ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0', 'Connection: te'],
    ],
    ['space before the colon', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length : 2']],
    ['line folding', ['POST /v1/data HTTP/1.1', 'Host: x', 'X-A: a', ' b', 'Content-Length: 0']],
    ['a control character in a value', ['POST /v1/data HTTP/1.1', 'Host: x\u0000y', 'Content-Length: 0']],
    ['a bare LF in a value', ['POST /v1/data HTTP/1.1', 'Host: x\ny', 'Content-Length: 0']],
    ['a bare CR in a name', ['POST /v1/data HTTP/1.1', 'Ho\rst: x', 'Content-Length: 0']],
    ['a line without a colon', ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0', 'junk']],
    ['a leading empty line', ['', 'POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0']],
    [
      'more than 100 header lines',
      ['POST /v1/data HTTP/1.1', 'Host: x', 'Content-Length: 0', ...Array(100).fill('X: y')],
    ],
  ]
  for (const [what, lines] of others) {
    it(`leaves ${what} to Node's parser`, () => {
      expect(read(head(lines))).toBe('other')
    })
  }

  it('takes values with obs-text and tabs, as llhttp does', () => {
    expect(
      read(head(['POST /v1/data HTTP/1.1', 'Host: x', 'X-Name: caf\u00e9\tau lait', 'Content-Length: 0'])),
    ).toMatchObject({
      url: '/v1/data',
      contentLength: 0,
    })
  })
})
